using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>An interface together with the namespace it lives in. One instance per interface of a <see cref="TopologyIndex"/>: compared by identity.</summary>
internal sealed class Endpoint(NetworkNamespace ns, NetworkInterface i)
{
    public NetworkNamespace Namespace { get; } = ns;

    public NetworkInterface Interface { get; } = i;

    public string Name => Interface.Name;

    public IReadOnlyList<Ipv4Cidr> Ipv4 { get; } = Ipv4Cidr.All(i.Addresses);

    /// <summary>"veth-blue in pod-blue".</summary>
    public string Label => $"{Interface.Name} in {Namespace.DisplayName}";

    /// <summary>The order findings use: namespace display name, then interface name, then ids.</summary>
    public static int Compare(Endpoint x, Endpoint y)
    {
        int c = StringComparer.OrdinalIgnoreCase.Compare(x.Namespace.DisplayName, y.Namespace.DisplayName);
        if (c == 0) c = string.CompareOrdinal(x.Namespace.Id, y.Namespace.Id);
        if (c == 0) c = string.CompareOrdinal(x.Interface.Name, y.Interface.Name);
        if (c == 0) c = x.Interface.Ifindex.CompareTo(y.Interface.Ifindex);
        return c;
    }

    public override string ToString() => Label;
}

/// <summary>A veth pair whose two ends were both found.</summary>
internal sealed record VethPair(Endpoint A, Endpoint B)
{
    public Endpoint Other(Endpoint end) => ReferenceEquals(end, A) ? B : A;
}

/// <summary>A bridge and what hangs off it: its ports and, for veth ports, the far ends.</summary>
internal sealed record BridgeSegment(Endpoint Bridge, IReadOnlyList<Endpoint> Members)
{
    /// <summary>The far end of every veth member whose peer was found and is not itself a bridge port.</summary>
    public required IReadOnlyList<Endpoint> FarEnds { get; init; }
}

/// <summary>
/// Lookups the rules share over one <see cref="Topology"/>: veth peers, bridges and their ports.
/// Built once per evaluation; pure.
/// </summary>
internal sealed class TopologyIndex
{
    private readonly Dictionary<string, NetworkNamespace> _namespaces;
    private readonly Dictionary<(string, int), Endpoint> _byIfindex = [];
    private readonly Dictionary<(string, int), Endpoint?> _peers = [];
    private readonly Dictionary<string, IReadOnlyList<RouteLookup.Match>> _routes = [];
    private readonly HashSet<string> _addressed;

    public TopologyIndex(Topology topology)
    {
        Topology = topology;
        _namespaces = topology.Namespaces.GroupBy(n => n.Id).ToDictionary(g => g.Key, g => g.First());
        var endpoints = new List<Endpoint>();
        foreach (var ns in _namespaces.Values)
            foreach (var i in ns.Interfaces)
            {
                var endpoint = new Endpoint(ns, i);
                endpoints.Add(endpoint);
                _byIfindex.TryAdd((ns.Id, i.Ifindex), endpoint);
            }
        Endpoints = endpoints;
        foreach (var e in endpoints.Where(e => IsVeth(e.Interface)))
            _peers[(e.Namespace.Id, e.Interface.Ifindex)] = Resolve(e);
        _addressed = endpoints.Where(e => !IsLoopback(e.Interface) && e.Ipv4.Count > 0).Select(e => e.Namespace.Id).ToHashSet();
        Pairs = BuildPairs(endpoints);
        Bridges = endpoints.Where(e => IsBridge(e.Interface)).Select(BuildSegment).ToList();
    }

    public Topology Topology { get; }

    public IReadOnlyList<Endpoint> Endpoints { get; }

    /// <summary>Every veth pair once, A being the end that sorts first.</summary>
    public IReadOnlyList<VethPair> Pairs { get; }

    public IReadOnlyList<BridgeSegment> Bridges { get; }

    public IEnumerable<Endpoint> VethEnds => Endpoints.Where(e => IsVeth(e.Interface));

    public NetworkNamespace? Namespace(string? id) => id is not null && _namespaces.TryGetValue(id, out var ns) ? ns : null;

    /// <summary>The namespace's IPv4 routes, parsed once.</summary>
    public IReadOnlyList<RouteLookup.Match> Routes(NetworkNamespace ns)
    {
        if (!_routes.TryGetValue(ns.Id, out var routes))
            _routes[ns.Id] = routes = RouteLookup.Ipv4Routes(ns).ToList();
        return routes;
    }

    /// <summary>Whether an interface other than lo has an IPv4 address in the namespace.</summary>
    public bool HasIpv4(NetworkNamespace ns) => _addressed.Contains(ns.Id);

    /// <summary>The other end of a veth, or null when it cannot be found.</summary>
    public Endpoint? Peer(Endpoint end) => _peers.GetValueOrDefault((end.Namespace.Id, end.Interface.Ifindex));

    /// <summary>The bridge an interface is enslaved to, or null (not enslaved, or its master is not a bridge).</summary>
    public Endpoint? Bridge(Endpoint port)
    {
        var i = port.Interface;
        if (i.Master is null && i.MasterIfindex is null) return null;
        var master = i.MasterIfindex is { } index
            ? _byIfindex.GetValueOrDefault((port.Namespace.Id, index))
            : null;
        master ??= Endpoints.FirstOrDefault(e => e.Namespace.Id == port.Namespace.Id && e.Interface.Name == i.Master);
        return master is not null && IsBridge(master.Interface) ? master : null;
    }

    public BridgeSegment? Segment(Endpoint bridge) =>
        Bridges.FirstOrDefault(b => b.Bridge.Namespace.Id == bridge.Namespace.Id && b.Bridge.Interface.Ifindex == bridge.Interface.Ifindex);

    /// <summary>
    /// The IPv4 addresses on the far side of a veth end: its peer's own, or, when the peer is a bridge
    /// port, the bridge's (the peer side's gateway).
    /// </summary>
    public IReadOnlyList<Ipv4Cidr> FarSideIpv4(Endpoint peer) =>
        peer.Ipv4.Count > 0 ? peer.Ipv4 : Bridge(peer)?.Ipv4 ?? [];

    /// <summary>Every IPv4 address on the layer-2 segment a peer belongs to: the pair, or the whole bridge.</summary>
    public HashSet<uint> AddressesOnSegment(Endpoint peer)
    {
        var used = new HashSet<uint>(peer.Ipv4.Select(a => a.Address));
        if (Bridge(peer) is { } bridge && Segment(bridge) is { } segment)
            foreach (var e in segment.Members.Concat(segment.FarEnds).Append(segment.Bridge))
                used.UnionWith(e.Ipv4.Select(a => a.Address));
        return used;
    }

    public static bool IsVeth(NetworkInterface i) => i.Kind == InterfaceKinds.Veth;

    public static bool IsBridge(NetworkInterface i) => i.Kind == InterfaceKinds.Bridge;

    public static bool IsLoopback(NetworkInterface i) => i.Kind == InterfaceKinds.Loopback;

    /// <summary>Kernel operstate DOWN or LOWERLAYERDOWN: no traffic passes.</summary>
    public static bool OperDown(NetworkInterface i) => i.OperState is "DOWN" or "LOWERLAYERDOWN";

    /// <summary>Not admin up, or operstate down.</summary>
    public static bool IsDown(NetworkInterface i) => !i.AdminUp || OperDown(i);

    private Endpoint? Resolve(Endpoint end)
    {
        var peer = end.Interface.Peer;
        if (peer?.NamespaceId is null) return null;
        var candidate = _byIfindex.GetValueOrDefault((peer.NamespaceId, peer.Ifindex));
        if (candidate is null || !IsVeth(candidate.Interface)) return null;
        // A stale name means the ifindex now belongs to something else.
        return peer.Name is null || candidate.Interface.Name == peer.Name ? candidate : null;
    }

    private List<VethPair> BuildPairs(List<Endpoint> endpoints)
    {
        var pairs = new List<VethPair>();
        foreach (var end in endpoints.Where(e => IsVeth(e.Interface)))
        {
            if (Peer(end) is not { } peer) continue;
            if (Endpoint.Compare(end, peer) >= 0) continue;
            pairs.Add(new VethPair(end, peer));
        }
        return pairs;
    }

    private BridgeSegment BuildSegment(Endpoint bridge)
    {
        var members = Endpoints
            .Where(e => e.Namespace.Id == bridge.Namespace.Id && !ReferenceEquals(e, bridge) && Bridge(e) is { } b && ReferenceEquals(b, bridge))
            .ToList();
        var farEnds = members
            .Where(m => IsVeth(m.Interface))
            .Select(Peer)
            .OfType<Endpoint>()
            .Where(p => Bridge(p) is null)
            .ToList();
        return new BridgeSegment(bridge, members) { FarEnds = farEnds };
    }
}
