using Dashboard.Shared;
using Route = Dashboard.Shared.Route;

namespace Dashboard.Server.Tests.Analysis;

/// <summary>
/// Hand-built topologies for the analysis tests. Mutable specs that <see cref="Build"/> turns into the
/// immutable records, with what the kernel would derive filled in: operstates (a veth has carrier when
/// both ends are up, a bridge when one port has), connected and local routes of the addresses of up
/// interfaces, veth peers and the links list.
/// </summary>
internal sealed class TopologyBuilder
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private readonly List<Ns> _namespaces = [];
    private readonly List<(Iface A, Iface B)> _pairs = [];
    private ulong _nextId = 4026532200;
    private int _nextPid = 1000;

    public DateTimeOffset TakenAt { get; set; } = T0;

    public List<string> Warnings { get; } = [];

    /// <summary>The node's own namespace: lo, a physical eth0 with a default route, and an idle ifb0.</summary>
    public Ns Root()
    {
        var ns = Add(new Ns(this, "4026531840", null, isRoot: true) { Display = "host", OwnerKind = NamespaceOwner.Host });
        ns.Pids.Add(1);
        ns.Lo();
        ns.Device("eth0", "192.168.1.10/24").Addr("fe80::1/64");
        ns.Add(new Iface(ns, "ifb0", InterfaceKinds.Other) { AdminUp = false });
        ns.Route("default", gateway: "192.168.1.1", device: "eth0");
        return ns;
    }

    /// <summary>A namespace with an iproute2 name (`ip netns add NAME`), lo up.</summary>
    public Ns Netns(string name)
    {
        var ns = Add(new Ns(this, NextId(), name, isRoot: false));
        ns.Paths.Add($"/run/netns/{name}");
        ns.Lo();
        return ns;
    }

    /// <summary>A namespace held only by a process (no iproute2 name), lo up.</summary>
    public Ns Process(string display, bool withPath = false)
    {
        var ns = Add(new Ns(this, NextId(), null, isRoot: false) { Display = display, OwnerKind = NamespaceOwner.Process });
        if (withPath) ns.Paths.Add($"/var/run/docker/netns/{display}");
        else ns.Pids.Add(_nextPid++);
        ns.Lo();
        return ns;
    }

    /// <summary>A veth pair, both ends up, in two namespaces (or one).</summary>
    public (Iface A, Iface B) Veth(Ns aNs, string aName, Ns bNs, string bName)
    {
        var a = aNs.Add(new Iface(aNs, aName, InterfaceKinds.Veth));
        var b = bNs.Add(new Iface(bNs, bName, InterfaceKinds.Veth));
        a.Peer = b;
        b.Peer = a;
        _pairs.Add((a, b));
        return (a, b);
    }

    /// <summary>A veth whose other end is in no namespace that was read.</summary>
    public Iface VethWithoutPeer(Ns ns, string name, int peerIfindex, string? peerNamespaceId = null, string? peerName = null)
    {
        var i = ns.Add(new Iface(ns, name, InterfaceKinds.Veth));
        i.UnresolvedPeer = new VethPeer(peerIfindex, peerNamespaceId, peerName);
        return i;
    }

    /// <summary>The seed's healthy pair: pod-red veth-red 10.0.1.1/24 ↔ pod-blue veth-blue 10.0.1.2/24, all up.</summary>
    public (Ns Red, Ns Blue, Iface VethRed, Iface VethBlue) SeedPair()
    {
        var red = Netns("pod-red");
        var blue = Netns("pod-blue");
        var (vethRed, vethBlue) = Veth(red, "veth-red", blue, "veth-blue");
        vethRed.Addr("10.0.1.1/24").Addr("fe80::4cd6:72ff:fe0c:26b7/64");
        vethBlue.Addr("10.0.1.2/24").Addr("fe80::8c1a:3eff:fe5b:9d21/64");
        return (red, blue, vethRed, vethBlue);
    }

    /// <summary>
    /// A healthy CNI bridge: cni0 10.88.0.1/16 in a node namespace, one host-side veth per pod enslaved
    /// to it without address, pods with eth0 10.88.0.(i+1)/16 (pod1 = .2, ...) and a default route via 10.88.0.1.
    /// </summary>
    public (Ns Node, Iface Bridge, List<(Ns Pod, Iface Eth0, Iface HostEnd)> Pods) CniBridge(int pods = 3)
    {
        var node = Netns("node");
        var bridge = node.Bridge("cni0", "10.88.0.1/16");
        var list = new List<(Ns, Iface, Iface)>();
        for (int i = 1; i <= pods; i++)
        {
            var pod = Process($"default/pod{i}");
            var (hostEnd, eth0) = Veth(node, $"veth{i:x4}", pod, "eth0");
            hostEnd.Enslave(bridge).Addr($"fe80::{i:x}:1/64");
            eth0.Addr($"10.88.{(i + 1) / 256}.{(i + 1) % 256}/16").Addr($"fe80::{i:x}:2/64");
            pod.Route("default", gateway: "10.88.0.1", device: "eth0");
            list.Add((pod, eth0, hostEnd));
        }
        return (node, bridge, list);
    }

    public void Remove(Ns ns)
    {
        _namespaces.Remove(ns);
        _pairs.RemoveAll(p => p.A.Namespace == ns || p.B.Namespace == ns);
        foreach (var other in _namespaces)
            foreach (var i in other.Interfaces.Where(i => i.Peer?.Namespace == ns).ToList())
                other.Interfaces.Remove(i);
    }

    /// <summary>`ip link del` on one end: both ends go.</summary>
    public void Delete(Iface end)
    {
        var peer = end.Peer;
        end.Namespace.Interfaces.Remove(end);
        peer?.Namespace.Interfaces.Remove(peer);
        _pairs.RemoveAll(p => p.A == end || p.B == end);
    }

    public Topology Build(DateTimeOffset? takenAt = null)
    {
        foreach (var ns in _namespaces)
            foreach (var i in ns.Interfaces)
                i.ComputedOperState = null;
        var namespaces = _namespaces.Select(n => n.Build()).ToList();
        var links = _pairs
            .Where(p => _namespaces.Contains(p.A.Namespace) && _namespaces.Contains(p.B.Namespace))
            .Select(p => new Link(InterfaceKinds.Veth,
                new LinkEnd(p.A.Namespace.Id, p.A.Name) { Ifindex = p.A.Ifindex },
                new LinkEnd(p.B.Namespace.Id, p.B.Name) { Ifindex = p.B.Ifindex }))
            .ToList();
        return new Topology(takenAt ?? TakenAt, "node-1", namespaces, links, [.. Warnings]);
    }

    private Ns Add(Ns ns)
    {
        _namespaces.Add(ns);
        return ns;
    }

    private string NextId() => (_nextId++).ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal sealed class Ns(TopologyBuilder owner, string id, string? name, bool isRoot)
    {
        private int _nextIfindex = 1;

        public string Id { get; } = id;
        public string? Name { get; } = name;
        public bool IsRoot { get; } = isRoot;
        public string? Display { get; init; }
        public string OwnerKind { get; init; } = NamespaceOwner.Netns;
        public List<string> Paths { get; } = [];
        public List<int> Pids { get; } = [];
        public List<Iface> Interfaces { get; } = [];
        public List<Route> Routes { get; } = [];

        /// <summary>Connected routes the kernel would have added but someone deleted: "10.0.1.0/24".</summary>
        public HashSet<string> DeletedRoutes { get; } = [];

        public TopologyBuilder Topology => owner;

        public Iface Lo() => Add(new Iface(this, "lo", InterfaceKinds.Loopback) { Mtu = 65536 }).Addr("127.0.0.1/8").Addr("::1/128");

        public Iface Bridge(string name, params string[] addresses)
        {
            var bridge = Add(new Iface(this, name, InterfaceKinds.Bridge));
            foreach (var a in addresses) bridge.Addr(a);
            return bridge;
        }

        public Iface Device(string name, params string[] addresses)
        {
            var device = Add(new Iface(this, name, InterfaceKinds.Device));
            foreach (var a in addresses) device.Addr(a);
            return device;
        }

        public Iface Interface(string name) => Interfaces.Single(i => i.Name == name);

        public Ns Route(string destination, string? gateway = null, string? device = null, string table = "main", string type = "unicast")
        {
            Routes.Add(new Route(destination, gateway, device, table) { Type = type, Scope = gateway is null ? "link" : "universe" });
            return this;
        }

        public Ns DeleteRoute(string destination)
        {
            DeletedRoutes.Add(destination);
            Routes.RemoveAll(r => r.Destination == destination);
            return this;
        }

        internal Iface Add(Iface i)
        {
            i.Ifindex = _nextIfindex++;
            Interfaces.Add(i);
            return i;
        }

        internal NetworkNamespace Build()
        {
            var interfaces = Interfaces.Select(i => i.Build()).ToList();
            return new NetworkNamespace(Id, Name, IsRoot, [.. Paths], [.. Pids],
                new NamespaceOwner(OwnerKind, Name ?? Display), interfaces, [.. KernelRoutes(), .. Routes])
            {
                DisplayName = Name ?? Display ?? Id,
            };
        }

        /// <summary>What the kernel adds for each IPv4 address of an up interface: the local route and the connected one.</summary>
        private IEnumerable<Route> KernelRoutes()
        {
            foreach (var i in Interfaces.Where(i => i.AdminUp))
                foreach (var address in i.Addresses.Where(a => !a.Contains(':', StringComparison.Ordinal)))
                {
                    var (ip, prefix) = (address.Split('/')[0], int.Parse(address.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture));
                    yield return new Route($"{ip}/32", null, i.Name, "local") { Type = "local", Scope = "host", Protocol = "kernel" };
                    var network = Network(ip, prefix);
                    if (i.Kind == InterfaceKinds.Loopback)
                        yield return new Route(network, null, i.Name, "local") { Type = "local", Scope = "host", Protocol = "kernel" };
                    else if (prefix < 32 && !DeletedRoutes.Contains(network))
                        yield return new Route(network, null, i.Name, "main") { Scope = "link", Protocol = "kernel", PreferredSource = ip };
                }
        }

        private static string Network(string ip, int prefix)
        {
            var b = System.Net.IPAddress.Parse(ip).GetAddressBytes();
            uint value = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
            uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
            value &= mask;
            return $"{value >> 24}.{(value >> 16) & 0xff}.{(value >> 8) & 0xff}.{value & 0xff}/{prefix}";
        }
    }

    internal sealed class Iface(Ns ns, string name, string kind)
    {
        public Ns Namespace { get; } = ns;
        public string Name { get; set; } = name;
        public string Kind { get; } = kind;
        public int Ifindex { get; set; }
        public int Mtu { get; set; } = 1500;
        public bool AdminUp { get; set; } = true;
        public Iface? Master { get; set; }
        public List<string> Addresses { get; } = [];
        public Iface? Peer { get; set; }
        public VethPeer? UnresolvedPeer { get; set; }

        /// <summary>Overrides the operstate the builder would derive.</summary>
        public string? OperState { get; set; }

        internal string? ComputedOperState { get; set; }

        public Iface Addr(string cidr)
        {
            Addresses.Add(cidr);
            return this;
        }

        public Iface Down()
        {
            AdminUp = false;
            return this;
        }

        public Iface WithMtu(int mtu)
        {
            Mtu = mtu;
            return this;
        }

        public Iface Enslave(Iface bridge)
        {
            Master = bridge;
            return this;
        }

        public string State()
        {
            if (OperState is not null) return OperState;
            if (ComputedOperState is not null) return ComputedOperState;
            ComputedOperState = "DOWN"; // guards the bridge ↔ port recursion
            ComputedOperState = Kind switch
            {
                _ when !AdminUp => "DOWN",
                InterfaceKinds.Loopback => "UNKNOWN",
                InterfaceKinds.Veth when Peer is not null && !Peer.AdminUp => "LOWERLAYERDOWN",
                InterfaceKinds.Bridge => Namespace.Interfaces.Any(p => p.Master == this && p.State() == "UP") ? "UP" : "DOWN",
                _ => "UP",
            };
            return ComputedOperState;
        }

        internal NetworkInterface Build()
        {
            var state = State();
            var peer = Peer is not null && Namespace.Topology.Contains(Peer.Namespace)
                ? new VethPeer(Peer.Ifindex, Peer.Namespace.Id, Peer.Name)
                : UnresolvedPeer ?? (Kind == InterfaceKinds.Veth && Peer is not null ? new VethPeer(Peer.Ifindex, null, null) : null);
            return new NetworkInterface(Ifindex, Name, Kind, "02:00:00:00:00:01", Mtu, AdminUp, state, Master?.Name, [.. Addresses], peer)
            {
                LinkKind = Kind is InterfaceKinds.Veth or InterfaceKinds.Bridge ? Kind : null,
                MasterIfindex = Master?.Ifindex,
                LowerUp = state == "UP",
            };
        }
    }

    internal bool Contains(Ns ns) => _namespaces.Contains(ns);
}
