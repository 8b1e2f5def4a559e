using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Server.Netlink;

namespace Dashboard.Server.Tests.Fixtures;

/// <summary>
/// Real namespaces, veth pairs, bridges and CNI pods for one test. Every name carries a unique
/// prefix ("ndt" + random hex); everything is removed on Dispose, and namespaces that an earlier,
/// killed run left behind are swept once per test process. The machine's own namespace is never
/// touched: links are created inside fixture namespaces.
/// </summary>
public sealed class TestNet : IDisposable
{
    public const string SuitePrefix = "ndt";
    private const char Separator = 'p';
    private static readonly Lazy<bool> Swept = new(SweepStale);
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _holders = [];
    private readonly List<string> _directories = [];

    public TestNet()
    {
        _ = Swept.Value;
        // The test process's pid is part of the name, so that a sweep removes only what dead runs left.
        Prefix = $"{SuitePrefix}{Environment.ProcessId:x}{Separator}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";
    }

    /// <summary>Unique per test: "ndt", the test process's pid in hex, "p", random hex; e.g. "ndt1a2bp3fa9".</summary>
    public string Prefix { get; }

    public IReadOnlyList<string> Namespaces => _namespaces;

    public string Name(string shortName) => $"{Prefix}-{shortName}";

    public string AddNamespace(string shortName)
    {
        var name = Name(shortName);
        Run.Ip("netns", "add", name);
        _namespaces.Add(name);
        return name;
    }

    /// <summary>Takes a namespace made another way (e.g. `ip netns attach`) under this fixture's clean-up.</summary>
    public void Adopt(string name) => _namespaces.Add(name);

    /// <summary>A veth pair made inside <paramref name="nsA"/> with its peer moved to <paramref name="nsB"/>.</summary>
    public void AddVeth(string nsA, string ifA, string nsB, string ifB)
    {
        if (nsA == nsB)
            Run.Ip("-n", nsA, "link", "add", ifA, "type", "veth", "peer", "name", ifB);
        else
            Run.Ip("-n", nsA, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", nsB);
    }

    public void Address(string ns, string ifName, string cidr) => Run.Ip("-n", ns, "addr", "add", cidr, "dev", ifName);

    public void Up(string ns, string ifName)
    {
        Run.Ip("-n", ns, "link", "set", ifName, "up");
        Settle();
    }

    public void AddBridge(string ns, string name, string? cidr = null)
    {
        Run.Ip("-n", ns, "link", "add", name, "type", "bridge");
        if (cidr is not null) Address(ns, name, cidr);
        Up(ns, name);
    }

    public void Enslave(string ns, string ifName, string bridge)
    {
        Run.Ip("-n", ns, "link", "set", ifName, "master", bridge);
        Settle();
    }

    /// <summary>
    /// Waits until the kernel has caught up with carrier changes in every fixture namespace:
    /// operstate follows carrier asynchronously (linkwatch, up to a second), and a test that
    /// compares discovery with iproute2 must not race it.
    /// </summary>
    public void Settle() => Oracle.WaitFor(() => _namespaces.All(ns => Oracle.Links(ns).All(Oracle.IsSettled)));

    /// <summary>The seed document's setup: pod-red and pod-blue joined by veth-red/veth-blue, 10.0.1.0/24.</summary>
    public (string Red, string Blue) AddSeedPair()
    {
        var red = AddNamespace("pod-red");
        var blue = AddNamespace("pod-blue");
        AddVeth(red, "veth-red", blue, "veth-blue");
        Address(red, "veth-red", "10.0.1.1/24");
        Address(blue, "veth-blue", "10.0.1.2/24");
        Up(red, "veth-red");
        Up(blue, "veth-blue");
        Up(red, "lo");
        Up(blue, "lo");
        return (red, blue);
    }

    /// <summary>
    /// A pod wired by the real CNI bridge plugin (/usr/lib/cni/bridge, host-local IPAM), run inside
    /// <paramref name="nodeNs"/> so that the bridge and host-side veths land there. Returns the CNI result.
    /// </summary>
    public JsonNode CniAdd(string nodeNs, string podNs, string subnet, string bridge = "cni0")
    {
        var config = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = Prefix + "-net",
            ["type"] = "bridge",
            ["bridge"] = bridge,
            ["isGateway"] = true,
            ["ipMasq"] = false,
            ["ipam"] = new JsonObject
            {
                ["type"] = "host-local",
                ["dataDir"] = IpamDir(nodeNs),
                ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = subnet })),
            },
        };
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = "ADD",
            ["CNI_CONTAINERID"] = podNs,
            ["CNI_NETNS"] = $"/run/netns/{podNs}",
            ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = "/usr/lib/cni",
        };
        var output = Run.OkWith("ip", ["netns", "exec", nodeNs, "/usr/lib/cni/bridge"], config.ToJsonString(), env);
        Settle();
        return JsonNode.Parse(output)!;
    }

    private readonly Dictionary<string, string> _ipamDirs = [];

    private string IpamDir(string nodeNs)
    {
        if (!_ipamDirs.TryGetValue(nodeNs, out var dir))
        {
            dir = Directory.CreateTempSubdirectory($"{Prefix}-ipam-").FullName;
            _directories.Add(dir);
            _ipamDirs[nodeNs] = dir;
        }
        return dir;
    }

    /// <summary>A namespace held only by a process (`unshare --net`), optionally with its own UTS namespace and hostname.</summary>
    public Process StartHolder(string? hostname = null)
    {
        var args = hostname is null
            ? new[] { "--net", "--", "sleep", "600" }
            : new[] { "--net", "--uts", "--", "sh", "-c", "hostname \"$0\" && exec sleep 600", hostname };
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _holders.Add(p);
        // Wait until the process sits in its own namespace (and, for sh, has exec'd sleep).
        var own = NamespaceInode($"/proc/self/ns/net");
        for (int i = 0; i < 200; i++)
        {
            var inode = TryNamespaceInode($"/proc/{p.Id}/ns/net");
            var comm = TryRead($"/proc/{p.Id}/comm")?.Trim();
            if (inode is not null && inode != own && comm == "sleep") return p;
            Thread.Sleep(10);
        }
        throw new InvalidOperationException($"unshare did not start: {p.StandardError.ReadToEnd()}");
    }

    public static string NamespaceInode(string path) =>
        TryNamespaceInode(path) ?? throw new InvalidOperationException($"cannot stat {path}");

    public static string? TryNamespaceInode(string path) =>
        Native.TryStat(path, out _, out var inode, out _) ? inode.ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>The namespace id (inode) of a fixture namespace, as `stat -L -c %i /run/netns/NAME` shows it.</summary>
    public static string Id(string ns) => NamespaceInode($"/run/netns/{ns}");

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// A lab prefix for a test server (Dashboard:Lab:Prefix) that the stale sweep recognises like a fixture name:
    /// "lab-" + "ndt" + this process's pid in hex + "p" + random hex + "-", e.g. "lab-ndt1a2bp3fa9-".
    /// </summary>
    public static string NewLabPrefix()
    {
        _ = Swept.Value;
        return $"{LabPrefix}{SuitePrefix}{Environment.ProcessId:x}{Separator}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}-";
    }

    private const string LabPrefix = "lab-";

    private static bool OwnerAlive(string name)
    {
        if (name.StartsWith(LabPrefix, StringComparison.Ordinal)) name = name[LabPrefix.Length..];
        var rest = name.AsSpan(SuitePrefix.Length);
        int end = rest.IndexOf(Separator);
        return end > 0
            && int.TryParse(rest[..end], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var pid)
            && pid != 0 && Directory.Exists($"/proc/{pid}") && pid != Environment.ProcessId;
    }

    public void Dispose()
    {
        foreach (var p in _holders)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (var ns in Enumerable.Reverse(_namespaces))
            Run.Try("ip", ["netns", "delete", ns]);
        foreach (var d in _directories)
        {
            try { Directory.Delete(d, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>
    /// Removes fixture namespaces (and test servers' lab namespaces, lab-ndt…) that a killed earlier run
    /// left behind: those whose test process is gone. A test process running at the same time keeps its own.
    /// </summary>
    private static bool SweepStale()
    {
        var list = Run.Try("ip", ["-j", "netns", "list"]);
        if (list.ExitCode != 0 || string.IsNullOrWhiteSpace(list.Stdout)) return true;
        foreach (var e in JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray())
        {
            var name = e.GetProperty("name").GetString();
            if (name is not null && (name.StartsWith(SuitePrefix, StringComparison.Ordinal) || name.StartsWith(LabPrefix + SuitePrefix, StringComparison.Ordinal)) && !OwnerAlive(name))
                Run.Try("ip", ["netns", "delete", name]);
        }
        return true;
    }
}
