namespace Dashboard.Server.Discovery;

/// <summary>Where discovery looks for namespaces. Section "Dashboard:Discovery".</summary>
public sealed class DiscoveryOptions
{
    public const string Section = "Dashboard:Discovery";

    /// <summary>Folders of namespace bind mounts that are always read: iproute2's and Docker's.</summary>
    public static readonly IReadOnlyList<string> DefaultNamespaceDirectories = ["/run/netns", "/var/run/docker/netns"];

    /// <summary>More folders of namespace bind mounts to read, in addition to the default ones.</summary>
    public List<string> NamespaceDirectories { get; set; } = [];

    /// <summary>Files in these folders are named by iproute2 (`ip netns add NAME`).</summary>
    public string IprouteDirectory { get; set; } = "/run/netns";

    public IEnumerable<string> AllNamespaceDirectories => DefaultNamespaceDirectories.Concat(NamespaceDirectories).Distinct();

    /// <summary>The procfs mount scanned for namespaces held only by a process.</summary>
    public string ProcPath { get; set; } = "/proc";

    /// <summary>libcni's result cache, which names the pod or container behind a namespace.</summary>
    public string CniResultsDirectory { get; set; } = "/var/lib/cni/results";

    /// <summary>
    /// crictl, which names pods from the CRI runtime (containerd, CRI-O): a path, or a name looked up
    /// on PATH, then in /usr/sbin and /sbin. Not there: no CRI on this node, silently. An empty string
    /// turns the CRI source off. Only the server's own source reads it: discovery made without one
    /// (tests, benches) has no CRI.
    /// </summary>
    public string Crictl { get; set; } = "crictl";

    /// <summary>Passed to crictl as `--runtime-endpoint` when set (e.g. unix:///run/containerd/containerd.sock); else crictl's own configuration decides.</summary>
    public string? CriEndpoint { get; set; }

    /// <summary>How often `crictl pods` is read again (one second at the least); a new namespace no pod source names is read sooner, and a few times.</summary>
    public TimeSpan CriRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Scan every /proc/PID/ns/net. Off only for tests that want just the bind-mounted namespaces.</summary>
    public bool ScanProcesses { get; set; } = true;

    /// <summary>How many processes per namespace are listed with their command lines.</summary>
    public int ProcessesPerNamespace { get; set; } = 5;
}
