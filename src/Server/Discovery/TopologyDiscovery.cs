using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Dashboard.Server.Netlink;
using Dashboard.Shared;
using Route = Dashboard.Shared.Route;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Discovery;

/// <summary>Reads the whole node from the kernel into one immutable <see cref="Topology"/>.</summary>
public interface ITopologyDiscovery
{
    Topology Discover(CancellationToken cancellationToken = default);
}

/// <summary>
/// Discovery over rtnetlink: one socket per namespace (opened inside it by the
/// <see cref="NamespaceHopper"/>), four dumps per namespace, and RTM_GETNSID to place veth peers.
/// </summary>
internal sealed class TopologyDiscovery : ITopologyDiscovery, IDisposable
{
    private readonly DiscoveryOptions _options;
    private readonly ILogger<TopologyDiscovery> _logger;
    private readonly TimeProvider _time;
    private readonly NamespaceHopper _hopper = new();
    private readonly ulong _ownInode;

    public TopologyDiscovery(IOptions<DiscoveryOptions> options, ILogger<TopologyDiscovery> logger, TimeProvider time)
    {
        _options = options.Value;
        _logger = logger;
        _time = time;
        _ownInode = NamespaceEnumerator.ReadNsLink("/proc/thread-self/ns/net") ?? 0;
    }

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

    /// <summary>Step two: read every namespace found. One that vanished in between is a warning, not an error.</summary>
    internal Topology Read(NamespaceScan scan, List<string> warnings, long started, CancellationToken cancellationToken = default)
    {
        var reads = ReadAll(scan.Candidates, warnings, cancellationToken);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var peers = new PeerResolver(reads).Resolve();
            var cni = CniResultCache.Read(_options.CniResultsDirectory, warnings);
            var owners = new OwnerResolver(_options, _hopper, scan.RootInode, cni).Resolve(reads);
            var namespaces = reads
                .OrderByDescending(r => r.Candidate.IsRoot)
                .ThenBy(r => r.Candidate.Inode)
                .Select(r => Build(r, peers, owners[r]))
                .ToList();
            var links = BuildLinks(reads, peers);
            var topology = new Topology(scan.TakenAt, Environment.MachineName, namespaces, links, warnings)
            {
                DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            };
            _logger.LogDebug("Discovered {Namespaces} namespaces and {Links} veth pairs in {Duration:F1} ms with {Warnings} warnings",
                namespaces.Count, links.Count, topology.DurationMs, warnings.Count);
            return topology;
        }
        finally
        {
            foreach (var r in reads) r.Dispose();
        }
    }

    private List<NamespaceRead> ReadAll(IEnumerable<NamespaceCandidate> candidates, List<string> warnings, CancellationToken ct)
    {
        var problems = new ConcurrentBag<string>();
        var opened = candidates.Select(c => Open(c, problems)).OfType<NamespaceRead>().ToList();
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

    /// <summary>Opens the namespace, checking that the path still names the namespace that was found.</summary>
    private static NamespaceRead? Open(NamespaceCandidate candidate, ConcurrentBag<string> problems)
    {
        string? lastError = null;
        foreach (var path in candidate.OpenPaths)
        {
            int fd = Native.open(path, Native.O_RDONLY | Native.O_CLOEXEC);
            if (fd < 0)
            {
                lastError = $"{path}: {Native.Describe(Marshal.GetLastPInvokeError())}";
                continue;
            }
            // The path may now name another namespace (a reused pid, a re-added name): check the inode.
            if (Native.TryFstat(fd, out _, out var inode) && inode == candidate.Inode)
                return new NamespaceRead(candidate, fd);
            Native.close(fd);
            lastError = $"{path} now refers to another namespace";
        }
        problems.Add($"Namespace {candidate.Id}{Label(candidate)} vanished before it could be read ({lastError ?? "no path to open it"}).");
        return null;
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
        var sockets = _hopper.RunInEach(elsewhere.Select(r => r.Fd).ToArray(), NetlinkSocket.Open);
        for (int i = 0; i < elsewhere.Count; i++)
        {
            var (socket, error) = sockets[i];
            if (socket is not null)
                elsewhere[i].Client = new RtnlClient(socket);
            else
                problems.Add($"Namespace {elsewhere[i].Candidate.Id}{Label(elsewhere[i].Candidate)} could not be entered: {error?.Message}");
        }
    }

    private static bool TryDump(NamespaceRead read, ConcurrentBag<string> problems)
    {
        try
        {
            read.Links = read.Client!.GetLinks();
            read.Addresses = read.Client.GetAddresses();
            read.Routes = read.Client.GetRoutes();
            read.Neighbours = read.Client.GetNeighbours();
            read.Index();
            return true;
        }
        catch (NetlinkException e)
        {
            problems.Add($"Namespace {read.Candidate.Id}{Label(read.Candidate)} could not be read: {e.Message}");
            return false;
        }
    }

    private static string Label(NamespaceCandidate c) =>
        c.IprouteName is not null ? $" ({c.IprouteName})" : c.Pids.Count > 0 ? $" (pid {c.Pids[0]})" : "";

    private static NetworkNamespace Build(NamespaceRead r, Dictionary<(NamespaceRead, int), VethPeer> peers, Owner owner)
    {
        var c = r.Candidate;
        var addressesByIndex = r.Addresses
            .GroupBy(a => a.Index)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(a => Formatting.Cidr(a.Address, a.PrefixLength)).ToArray());
        var interfaces = r.Links
            .OrderBy(l => l.Index)
            .Select(l => new NetworkInterface(
                l.Index,
                l.Name,
                Formatting.InterfaceKind(l.Kind, l.HardwareType),
                Formatting.Mac(l.Address),
                l.Mtu,
                (l.Flags & Formatting.IFF_UP) != 0,
                Formatting.OperState(l.OperState),
                l.Master is { } m && r.ByIndex.TryGetValue(m, out var master) ? master.Name : null,
                addressesByIndex.GetValueOrDefault(l.Index, []),
                peers.GetValueOrDefault((r, l.Index)))
            {
                LinkKind = l.Kind,
                MasterIfindex = l.Master,
                LowerUp = (l.Flags & Formatting.IFF_LOWER_UP) != 0,
                Flags = Formatting.Flags(l.Flags),
            })
            .ToList();
        var routes = r.Routes
            .Select(rt => new Route(
                Formatting.Destination(rt.Family, rt.Destination, rt.DestinationLength),
                rt.Gateway?.ToString(),
                rt.OutputIndex is { } oif ? r.NameOf(oif) : null,
                Formatting.Table(rt.Table))
            {
                Family = rt.Family == Rtnl.AF_INET6 ? "inet6" : "inet",
                Type = Formatting.RouteType(rt.Type),
                Scope = Formatting.Scope(rt.Scope),
                Protocol = Formatting.Protocol(rt.Protocol),
                PreferredSource = rt.PreferredSource?.ToString(),
                Metric = rt.Priority,
            })
            .ToList();
        var neighbours = r.Neighbours
            .Where(n => n.Destination is not null)
            .Select(n => new Neighbour(n.Destination!.ToString(), Formatting.Mac(n.LinkAddress), r.NameOf(n.Index), Formatting.NeighbourState(n.State)))
            .ToList();
        return new NetworkNamespace(c.Id, c.IprouteName, c.IsRoot, c.Paths.ToArray(), c.Pids.Take(20).ToArray(),
            new NamespaceOwner(owner.Kind, owner.Name), interfaces, routes)
        {
            DisplayName = owner.DisplayName,
            Processes = owner.Processes,
            Neighbours = neighbours,
        };
    }

    /// <summary>Each veth pair once, when both ends were placed and point at each other.</summary>
    private static List<Link> BuildLinks(List<NamespaceRead> reads, Dictionary<(NamespaceRead, int), VethPeer> peers)
    {
        var byId = reads.ToDictionary(r => r.Candidate.Id);
        var links = new List<Link>();
        foreach (var ((read, ifindex), peer) in peers)
        {
            if (peer.NamespaceId is null || !byId.TryGetValue(peer.NamespaceId, out var other)) continue;
            // Only pairs confirmed from both ends; listed once, from the end that sorts first.
            if (!peers.TryGetValue((other, peer.Ifindex), out var back) || back.NamespaceId != read.Candidate.Id || back.Ifindex != ifindex) continue;
            var a = (read.Candidate.Inode, ifindex);
            var b = (other.Candidate.Inode, peer.Ifindex);
            if (a.CompareTo(b) > 0) continue;
            links.Add(new Link("veth",
                new LinkEnd(read.Candidate.Id, read.NameOf(ifindex) ?? "?") { Ifindex = ifindex },
                new LinkEnd(other.Candidate.Id, peer.Name ?? "?") { Ifindex = peer.Ifindex }));
        }
        return links.OrderBy(l => l.A.NamespaceId, StringComparer.Ordinal).ThenBy(l => l.A.Ifindex).ToList();
    }

    public void Dispose() => _hopper.Dispose();

    internal sealed record Owner(string Kind, string? Name, string DisplayName, IReadOnlyList<NamespaceProcess> Processes);
}

/// <summary>The namespaces found at <see cref="TakenAt"/>, not yet read.</summary>
internal sealed record NamespaceScan(DateTimeOffset TakenAt, IReadOnlyList<NamespaceCandidate> Candidates, ulong RootInode);

/// <summary>What was read of one namespace; holds its fd and socket open until discovery ends.</summary>
internal sealed class NamespaceRead(NamespaceCandidate candidate, int fd) : IDisposable
{
    public NamespaceCandidate Candidate { get; } = candidate;
    public int Fd { get; private set; } = fd;
    public RtnlClient? Client { get; set; }
    public List<LinkMessage> Links { get; set; } = [];
    public List<AddressMessage> Addresses { get; set; } = [];
    public List<RouteMessage> Routes { get; set; } = [];
    public List<NeighbourMessage> Neighbours { get; set; } = [];
    public Dictionary<int, LinkMessage> ByIndex { get; private set; } = [];

    public void Index() => ByIndex = Links.ToDictionary(l => l.Index);

    public string? NameOf(int ifindex) => ByIndex.TryGetValue(ifindex, out var l) ? l.Name : null;

    public override string ToString() => Candidate.Id;

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
