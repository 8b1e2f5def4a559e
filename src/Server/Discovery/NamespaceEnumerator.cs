using Dashboard.Server.Netlink;

namespace Dashboard.Server.Discovery;

/// <summary>One network namespace found on the node, before it is read: every way it was found.</summary>
internal sealed class NamespaceCandidate(ulong inode)
{
    public ulong Inode { get; } = inode;
    public string Id => Inode.ToString(System.Globalization.CultureInfo.InvariantCulture);
    /// <summary>Every way in, bind mounts first (they outlive processes).</summary>
    public List<string> Paths { get; } = [];
    public List<int> Pids { get; } = [];
    public string? IprouteName { get; set; }
    public string? DockerSandbox { get; set; }
    public bool IsRoot { get; set; }

}

/// <summary>
/// Finds every network namespace: bind mounts in the namespace folders and /proc/PID/ns/net
/// of every process. One candidate per inode.
/// </summary>
internal sealed class NamespaceEnumerator(DiscoveryOptions options)
{
    public ulong RootInode { get; private set; }

    public Dictionary<ulong, NamespaceCandidate> Enumerate(List<string> warnings)
    {
        var found = new Dictionary<ulong, NamespaceCandidate>();
        RootInode = ReadNsLink(Path.Combine(options.ProcPath, "1", "ns", "net"))
                    ?? ReadNsLink(Path.Combine(options.ProcPath, "self", "ns", "net"))
                    ?? 0;
        ulong nsfsDevice = Native.TryStat(Path.Combine(options.ProcPath, "self", "ns", "net"), out var dev, out _, out _) ? dev : 0;

        foreach (var dir in options.AllNamespaceDirectories)
        {
            if (!Directory.Exists(dir)) continue;
            string[] files;
            try
            {
                files = Directory.GetFiles(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"Could not list {dir}: {e.Message}");
                continue;
            }
            Array.Sort(files, StringComparer.Ordinal);
            bool iproute = PathsEqual(dir, options.IprouteDirectory);
            bool docker = dir.EndsWith("/docker/netns", StringComparison.Ordinal);
            foreach (var file in files)
            {
                if (!Native.TryStat(file, out var device, out var inode, out _))
                    continue; // removed since the listing
                if (nsfsDevice != 0 && device != nsfsDevice)
                {
                    warnings.Add($"{file} is not a namespace mount (left behind by a failed `ip netns add/delete`?)");
                    continue;
                }
                var c = Get(found, inode);
                if (!c.Paths.Contains(file)) c.Paths.Add(file);
                var name = Path.GetFileName(file);
                if (iproute) c.IprouteName ??= name;
                else if (docker) c.DockerSandbox ??= name;
            }
        }

        if (options.ScanProcesses)
            ScanProcesses(found);

        if (RootInode != 0)
        {
            var root = Get(found, RootInode);
            root.IsRoot = true;
        }
        return found;
    }

    private void ScanProcesses(Dictionary<ulong, NamespaceCandidate> found)
    {
        IEnumerable<string> dirs;
        try
        {
            dirs = Directory.EnumerateDirectories(options.ProcPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        var pids = new List<int>();
        foreach (var d in dirs)
        {
            var name = Path.GetFileName(d.AsSpan());
            if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
                pids.Add(pid);
        }
        pids.Sort();
        foreach (var pid in pids)
        {
            var link = Path.Combine(options.ProcPath, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "ns", "net");
            if (ReadNsLink(link) is not { } inode) continue; // exited, or a kernel thread we may not read
            var c = Get(found, inode);
            c.Pids.Add(pid);
            // A process path is a way in only while the process lives: keep a couple, after the bind mounts.
            if (c.Paths.Count(p => p.StartsWith(options.ProcPath, StringComparison.Ordinal)) < 2)
                c.Paths.Add(link);
        }
    }

    private static NamespaceCandidate Get(Dictionary<ulong, NamespaceCandidate> found, ulong inode)
    {
        if (!found.TryGetValue(inode, out var c))
            found[inode] = c = new NamespaceCandidate(inode);
        return c;
    }

    /// <summary>The inode in a "net:[4026531840]" link, as readlink(/proc/PID/ns/net) gives it.</summary>
    public static ulong? ReadNsLink(string path)
    {
        string? target;
        try
        {
            target = new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return ParseNsLink(target);
    }

    public static ulong? ParseNsLink(string? target)
    {
        if (target is null) return null;
        int open = target.IndexOf('[', StringComparison.Ordinal);
        int close = target.LastIndexOf(']');
        if (open < 0 || close <= open) return null;
        return ulong.TryParse(target.AsSpan(open + 1, close - open - 1), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var inode) ? inode : null;
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal);
}
