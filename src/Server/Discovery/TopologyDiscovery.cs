using System.Collections.Concurrent;
using System.Diagnostics;
using Dashboard.Server.Netlink;
using Dashboard.Shared;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Discovery;

/// <summary>
/// Discovery over rtnetlink in three steps that the live monitor also uses one by one:
/// <see cref="Enumerate"/> finds the namespaces; <see cref="ReadNamespaces"/> reads some of them
/// (one socket each, opened inside it in one trip of the <see cref="NamespaceHopper"/>, four
/// dumps); <see cref="Build"/> places the veth peers and assembles the <see cref="Topology"/>.
/// </summary>
internal sealed class TopologyDiscovery : IDisposable
{
    private readonly DiscoveryOptions _options;
    private readonly ILogger<TopologyDiscovery> _logger;
    private readonly TimeProvider _time;
    private readonly ulong _ownInode;

    /// <param name="cri">
    /// The node's CRI source (the server's singleton, which its owner disposes); without one there is
    /// no CRI (<see cref="CriPodSource.Off"/>): discovery built by hand (tests, benches) never starts
    /// a background poller nor runs a crictl it happens to find on the machine.
    /// </param>
    public TopologyDiscovery(IOptions<DiscoveryOptions> options, ILogger<TopologyDiscovery> logger, TimeProvider time, CriPodSource? cri = null)
    {
        _options = options.Value;
        _logger = logger;
        _time = time;
        _ownInode = NamespaceEnumerator.ReadNsLink("/proc/thread-self/ns/net") ?? 0;
        Cri = cri ?? CriPodSource.Off(time);
    }

    /// <summary>The pods of the node's CRI runtime, as last read by crictl (in the background).</summary>
    internal CriPodSource Cri { get; }

    public NamespaceHopper Hopper { get; } = new();

    /// <summary>The inode of the namespace the dashboard itself runs in.</summary>
    public ulong OwnInode => _ownInode;

    /// <summary>Reads the whole node from the kernel into one immutable <see cref="Topology"/>, all three steps at once.</summary>
    public Topology Discover(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var warnings = new List<string>();
        var scan = Enumerate(warnings);
        return Read(scan, warnings, started, cancellationToken);
    }

    /// <summary>Step one: find the namespaces (bind mounts and processes), without entering any.</summary>
    internal NamespaceScan Enumerate(List<string> warnings)
    {
        var enumerator = new NamespaceEnumerator(_options);
        var candidates = enumerator.Enumerate(warnings);
        return new NamespaceScan(_time.GetUtcNow(), candidates.Values.ToList(), enumerator.RootInode);
    }

    /// <summary>Steps two and three on every namespace of the scan. One that vanished in between is a warning, not an error.</summary>
    internal Topology Read(NamespaceScan scan, List<string> warnings, long started, CancellationToken cancellationToken = default)
    {
        var reads = OpenAndDump(scan.Candidates, warnings, cancellationToken);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The sockets are still open: the nsid questions go over them, not through another hop.
            var open = reads.ToDictionary(r => r.Candidate.Inode, r => r.Client!);
            return Build(scan, reads.Select(r => r.Snapshot!).ToList(), new NsidCache(Hopper), warnings, started, open);
        }
        finally
        {
            foreach (var r in reads) r.Dispose();
        }
    }

    /// <summary>Step two: reads the given namespaces and closes them again. Problems become warnings.</summary>
    internal List<NamespaceSnapshot> ReadNamespaces(IEnumerable<NamespaceCandidate> candidates, List<string> warnings, CancellationToken cancellationToken = default)
    {
        var reads = OpenAndDump(candidates, warnings, cancellationToken);
        foreach (var r in reads) r.Dispose();
        return reads.Select(r => r.Snapshot!).ToList();
    }

    /// <summary>Step three: places the veth peers, names the owners, and assembles the topology.</summary>
    internal Topology Build(NamespaceScan scan, IReadOnlyCollection<NamespaceSnapshot> snapshots, NsidCache nsids, List<string> warnings,
        long started, IReadOnlyDictionary<ulong, RtnlClient>? openClients = null)
    {
        var peers = new PeerResolver(snapshots, nsids).Resolve(openClients);
        var cni = CniResultCache.Read(_options.CniResultsDirectory, warnings);
        // The CRI's latest answer as it is: crictl never runs on this path.
        var cri = Cri.Latest;
        if (cri.Warning is not null) warnings.Add(cri.Warning);
        var resolver = new OwnerResolver(_options, Hopper, scan.RootInode, cni, cri.Pods);
        var owners = resolver.Resolve(snapshots.Select(s => s.Candidate).ToList());
        Cri.RefreshIfDue(resolver.Unnamed);
        var topology = TopologyBuilder.Build(scan.TakenAt, Environment.MachineName, snapshots, peers, owners, warnings) with
        {
            DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        };
        _logger.LogDebug("Built {Namespaces} namespaces and {Links} veth pairs in {Duration:F1} ms with {Warnings} warnings",
            topology.Namespaces.Count, topology.Links.Count, topology.DurationMs, warnings.Count);
        return topology;
    }

    private List<NamespaceRead> OpenAndDump(IEnumerable<NamespaceCandidate> candidates, List<string> warnings, CancellationToken ct)
    {
        var problems = new ConcurrentBag<string>();
        var opened = new List<NamespaceRead>();
        foreach (var c in candidates)
        {
            int fd = NamespaceFiles.TryOpen(c, out var error);
            if (fd >= 0) opened.Add(new NamespaceRead(c, fd));
            else problems.Add($"Namespace {c.Id}{NamespaceFiles.Label(c)} vanished before it could be read ({error}).");
        }
        OpenSockets(opened, problems);
        var reads = new ConcurrentBag<NamespaceRead>();
        // The dumps run on pool threads: a socket stays in its namespace whoever reads it.
        Parallel.ForEach(opened, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, read =>
        {
            if (read.Client is not null && TryDump(read, problems)) reads.Add(read);
            else read.Dispose();
        });
        warnings.AddRange(problems.Order(StringComparer.Ordinal));
        return [.. reads];
    }

    /// <summary>One socket inside each namespace: the own one directly, all others in a single trip of the hopper.</summary>
    private void OpenSockets(List<NamespaceRead> opened, ConcurrentBag<string> problems)
    {
        var elsewhere = new List<NamespaceRead>(opened.Count);
        foreach (var read in opened)
        {
            if (read.Candidate.Inode == _ownInode)
                read.Client = new RtnlClient(NetlinkSocket.Open());
            else
                elsewhere.Add(read);
        }
        var sockets = Hopper.RunInEach(elsewhere.Select(r => r.Fd).ToArray(), NetlinkSocket.Open);
        for (int i = 0; i < elsewhere.Count; i++)
        {
            var (socket, error) = sockets[i];
            if (socket is not null)
                elsewhere[i].Client = new RtnlClient(socket);
            else
                problems.Add($"Namespace {elsewhere[i].Candidate.Id}{NamespaceFiles.Label(elsewhere[i].Candidate)} could not be entered: {error?.Message}");
        }
    }

    private static bool TryDump(NamespaceRead read, ConcurrentBag<string> problems)
    {
        try
        {
            var client = read.Client!;
            read.Snapshot = new NamespaceSnapshot(read.Candidate, client.GetLinks(), client.GetAddresses(), client.GetRoutes(), client.GetNeighbours());
            return true;
        }
        catch (NetlinkException e)
        {
            problems.Add($"Namespace {read.Candidate.Id}{NamespaceFiles.Label(read.Candidate)} could not be read: {e.Message}");
            return false;
        }
    }

    public void Dispose()
    {
        Hopper.Dispose();
    }
}

/// <summary>The namespaces found at <see cref="TakenAt"/>, not yet read.</summary>
internal sealed record NamespaceScan(DateTimeOffset TakenAt, IReadOnlyList<NamespaceCandidate> Candidates, ulong RootInode);

/// <summary>One namespace being read: its fd and socket, open until the read is done.</summary>
internal sealed class NamespaceRead(NamespaceCandidate candidate, int fd) : IDisposable
{
    public NamespaceCandidate Candidate { get; } = candidate;
    public int Fd { get; private set; } = fd;
    public RtnlClient? Client { get; set; }
    public NamespaceSnapshot? Snapshot { get; set; }

    public void Dispose()
    {
        Client?.Dispose();
        Client = null;
        if (Fd >= 0)
        {
            Native.close(Fd);
            Fd = -1;
        }
    }
}
