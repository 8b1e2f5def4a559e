using Dashboard.Shared;

namespace Dashboard.Client.Tests.Diagram;

/// <summary>Plain topology records for the diagram's tests: namespaces, bridges, pods, pairs.</summary>
internal sealed class NodeBuilder
{
    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<Link> _links = [];
    private int _next = 100;
    private int _ifindex = 10;

    public NodeBuilder()
    {
        Root = Add("1", null, isRoot: true, kind: NamespaceOwner.Host, Iface("eth0", InterfaceKinds.Device, "192.0.2.2/24"));
    }

    public string Root { get; }

    public static NetworkInterface Iface(string name, string kind, string? address = null, string? master = null, bool up = true) =>
        new(0, name, kind, "02:00:00:00:00:01", 1500, up, up ? "UP" : "DOWN", master, address is null ? [] : [address], null);

    public string Add(string? id, string? name, bool isRoot = false, string kind = NamespaceOwner.Netns, params NetworkInterface[] interfaces)
    {
        id ??= (_next++).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _namespaces.Add(new NetworkNamespace(id, name, isRoot, name is null ? [] : [$"/run/netns/{name}"], [], new NamespaceOwner(kind, name),
            [.. interfaces.Select(i => i with { Ifindex = _ifindex++ })], []));
        return id;
    }

    /// <summary>A namespace holding bridge <paramref name="bridge"/>.</summary>
    public string Node(string name, string bridge = "cni0") =>
        Add(null, name, interfaces: Iface(bridge, InterfaceKinds.Bridge, "10.88.0.1/16"));

    /// <summary>A pod with eth0 whose peer sits in <paramref name="nodeId"/>, enslaved to <paramref name="bridge"/>.</summary>
    public string Pod(string name, string nodeId, string bridge = "cni0", string? address = null)
    {
        var host = "veth" + name;
        var id = Add(null, name, kind: NamespaceOwner.Pod, interfaces: [Iface("lo", InterfaceKinds.Loopback, "127.0.0.1/8"), Iface("eth0", InterfaceKinds.Veth, address ?? "10.88.0.9/16")]);
        AddInterface(nodeId, Iface(host, InterfaceKinds.Veth, master: bridge));
        Pair(id, "eth0", nodeId, host);
        return id;
    }

    /// <summary>Two namespaces joined by a pair, the seed's way.</summary>
    public (string Red, string Blue) Seed(string red = "pod-red", string blue = "pod-blue")
    {
        var r = Add(null, red, interfaces: Iface("veth-red", InterfaceKinds.Veth, "10.0.1.1/24"));
        var b = Add(null, blue, interfaces: Iface("veth-blue", InterfaceKinds.Veth, "10.0.1.2/24"));
        Pair(r, "veth-red", b, "veth-blue");
        return (r, b);
    }

    public void Pair(string aId, string aIf, string bId, string bIf)
    {
        _links.Add(new Link("veth", new LinkEnd(aId, aIf), new LinkEnd(bId, bIf)));
        SetPeer(aId, aIf, new VethPeer(0, bId, bIf));
        SetPeer(bId, bIf, new VethPeer(0, aId, aIf));
    }

    public void AddInterface(string nsId, NetworkInterface iface)
    {
        var i = _namespaces.FindIndex(n => n.Id == nsId);
        _namespaces[i] = _namespaces[i] with { Interfaces = [.. _namespaces[i].Interfaces, iface with { Ifindex = _ifindex++ }] };
    }

    public void Remove(string nsId)
    {
        _namespaces.RemoveAll(n => n.Id == nsId);
        _links.RemoveAll(l => l.A.NamespaceId == nsId || l.B.NamespaceId == nsId);
    }

    private void SetPeer(string nsId, string name, VethPeer peer)
    {
        var i = _namespaces.FindIndex(n => n.Id == nsId);
        _namespaces[i] = _namespaces[i] with
        {
            Interfaces = [.. _namespaces[i].Interfaces.Select(f => f.Name == name ? f with { Peer = peer } : f)],
        };
    }

    public Topology Build() => new(DateTimeOffset.UnixEpoch, "node-1", [.. _namespaces], [.. _links], []);

    public static Finding Down(string nsId, string ns, string iface) =>
        new($"interface-down:{nsId}:{iface}", FindingRules.InterfaceDown, Severities.Error, nsId, ns, iface,
            $"{iface} is DOWN", "ping: Network is unreachable", "operstate DOWN", [$"ip -n {ns} link set {iface} up"], DateTimeOffset.UnixEpoch);
}
