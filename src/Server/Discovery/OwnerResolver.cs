using System.Globalization;
using Dashboard.Server.Netlink;
using Dashboard.Shared;

namespace Dashboard.Server.Discovery;

/// <summary>
/// Says who holds each namespace and gives it a human name: the host; a pod or container (the CRI's
/// sandboxes through crictl, libcni's result cache, Docker's netns folder, the hostname of its
/// processes' UTS namespace); an iproute2 name; else "pid 1234 (sleep)".
/// </summary>
internal sealed class OwnerResolver(DiscoveryOptions options, NamespaceHopper hopper, ulong rootInode, List<CniAttachment> cni, IReadOnlyList<CriPod>? cri = null)
{
    /// <summary>After <see cref="Resolve(IReadOnlyCollection{NamespaceCandidate})"/>: the namespaces, other than the root, that neither the CRI nor the CNI cache names.</summary>
    public IReadOnlyCollection<ulong> Unnamed { get; private set; } = [];

    public Dictionary<ulong, NamespaceOwnerInfo> Resolve(IReadOnlyCollection<NamespaceCandidate> namespaces)
    {
        var cniByInode = new Dictionary<ulong, CniAttachment>();
        foreach (var a in cni)
        {
            if (a.NetnsPath is not null && Native.TryStat(a.NetnsPath, out _, out var inode, out _))
                cniByInode.TryAdd(inode, a);
        }
        var criByInode = CriByInode();
        Unnamed = namespaces.Where(c => !c.IsRoot && !criByInode.ContainsKey(c.Inode) && !cniByInode.ContainsKey(c.Inode)).Select(c => c.Inode).ToList();
        var rootPid = namespaces.FirstOrDefault(c => c.Inode == rootInode)?.Pids.FirstOrDefault() ?? 1;
        var hostUts = ProcessInfo.UtsInode(options.ProcPath, rootPid == 0 ? 1 : rootPid);
        return namespaces.ToDictionary(c => c.Inode, c => Resolve(c, criByInode, cniByInode, hostUts));
    }

    /// <summary>
    /// The CRI's sandboxes by the inode of their namespace: the file the runtime made (its path in the
    /// runtime spec) first, else /proc/PID/ns/net of the sandbox's process (the only way in when the
    /// runtime's netns folder is not visible here, e.g. in a container). A ready sandbox wins over a
    /// stopped one that names the same namespace.
    /// </summary>
    private Dictionary<ulong, CriPod> CriByInode()
    {
        var byInode = new Dictionary<ulong, CriPod>();
        if (cri is null) return byInode;
        foreach (var pod in cri)
        {
            if (pod.NetnsPath is not null && Native.TryStat(pod.NetnsPath, out _, out var inode, out _))
                Add(byInode, inode, pod);
        }
        var byPath = byInode.Keys.ToHashSet();
        foreach (var pod in cri)
        {
            if (pod.Pid is not { } pid) continue;
            var path = Path.Combine(options.ProcPath, pid.ToString(CultureInfo.InvariantCulture), "ns", "net");
            if (Native.TryStat(path, out _, out var inode, out _) && !byPath.Contains(inode))
                Add(byInode, inode, pod);
        }
        return byInode;

        static void Add(Dictionary<ulong, CriPod> byInode, ulong inode, CriPod pod)
        {
            if (!byInode.TryGetValue(inode, out var known) || (pod.IsReady && !known.IsReady))
                byInode[inode] = pod;
        }
    }

    private NamespaceOwnerInfo Resolve(NamespaceCandidate c, Dictionary<ulong, CriPod> criByInode, Dictionary<ulong, CniAttachment> cniByInode, ulong? hostUts)
    {
        var processes = c.Pids
            .Take(options.ProcessesPerNamespace)
            .Select(pid => (pid, cmd: ProcessInfo.CommandLine(options.ProcPath, pid)))
            .Where(p => p.cmd is not null)
            .Select(p => new NamespaceProcess(p.pid, p.cmd!))
            .ToArray();

        if (c.IsRoot)
            return new(NamespaceOwner.Host, Environment.MachineName, $"host ({Environment.MachineName})", processes);
        // The runtime itself knows its pods better than a cache that libcni may have left behind.
        if (criByInode.TryGetValue(c.Inode, out var pod))
            return new(NamespaceOwner.Pod, pod.OwnerName, pod.OwnerName, processes);
        if (cniByInode.TryGetValue(c.Inode, out var attachment))
        {
            var kind = attachment.IsPod ? NamespaceOwner.Pod : NamespaceOwner.Container;
            return new(kind, attachment.OwnerName, attachment.IsPod ? attachment.OwnerName : c.IprouteName ?? attachment.OwnerName, processes);
        }
        if (c.IprouteName is not null)
            return new(NamespaceOwner.Netns, c.IprouteName, c.IprouteName, processes);

        var hostname = UtsHostname(c, hostUts);
        if (c.DockerSandbox is not null)
            return new(NamespaceOwner.Container, hostname ?? c.DockerSandbox, hostname ?? $"docker {c.DockerSandbox}", processes);
        if (hostname is not null)
            return new(NamespaceOwner.Container, hostname, hostname, processes);
        var first = processes.FirstOrDefault();
        var label = first is null
            ? $"netns {c.Id}"
            : $"pid {first.Pid.ToString(CultureInfo.InvariantCulture)} ({ProcessInfo.ProgramName(first.CommandLine)})";
        return new(NamespaceOwner.Process, label, label, processes);
    }

    /// <summary>The hostname of the UTS namespace of the namespace's first process, when it is not the host's.</summary>
    private string? UtsHostname(NamespaceCandidate c, ulong? hostUts)
    {
        foreach (var pid in c.Pids.Take(3))
        {
            var uts = ProcessInfo.UtsInode(options.ProcPath, pid);
            if (uts is null || uts == hostUts) continue;
            var path = Path.Combine(options.ProcPath, pid.ToString(CultureInfo.InvariantCulture), "ns", "uts");
            int fd = Native.open(path, Native.O_RDONLY | Native.O_CLOEXEC);
            if (fd < 0) continue;
            try
            {
                return hopper.RunIn(fd, Native.GetHostName, Native.CLONE_NEWUTS);
            }
            catch (NetlinkException)
            {
                // The process exited or we may not enter: no hostname.
            }
            finally
            {
                Native.close(fd);
            }
        }
        return null;
    }
}

/// <summary>Who holds a namespace, its human name, and a few of its processes.</summary>
internal sealed record NamespaceOwnerInfo(string Kind, string? Name, string DisplayName, IReadOnlyList<NamespaceProcess> Processes);
