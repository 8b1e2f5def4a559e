using Dashboard.Server.Netlink;
using Dashboard.Shared;
using Route = Dashboard.Shared.Route;

namespace Dashboard.Server.Discovery;

/// <summary>Turns namespace snapshots, placed peers and owners into the wire <see cref="Topology"/>. Pure.</summary>
internal static class TopologyBuilder
{
    public static Topology Build(DateTimeOffset takenAt, string hostname, IReadOnlyCollection<NamespaceSnapshot> snapshots,
        IReadOnlyDictionary<(ulong Inode, int Ifindex), VethPeer> peers, IReadOnlyDictionary<ulong, NamespaceOwnerInfo> owners, IReadOnlyList<string> warnings)
    {
        var namespaces = snapshots
            .OrderByDescending(s => s.Candidate.IsRoot)
            .ThenBy(s => s.Inode)
            .Select(s => Namespace(s, peers, owners[s.Inode]))
            .ToList();
        return new Topology(takenAt, hostname, namespaces, Links(snapshots, peers), warnings.ToArray());
    }

    private static NetworkNamespace Namespace(NamespaceSnapshot s, IReadOnlyDictionary<(ulong, int), VethPeer> peers, NamespaceOwnerInfo owner)
    {
        var c = s.Candidate;
        var addressesByIndex = s.Addresses
            .GroupBy(a => a.Index)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(a => Formatting.Cidr(a.Address, a.PrefixLength)).ToArray());
        var interfaces = s.Links
            .OrderBy(l => l.Index)
            .Select(l => new NetworkInterface(
                l.Index,
                l.Name,
                Formatting.InterfaceKind(l.Kind, l.HardwareType),
                Formatting.Mac(l.Address),
                l.Mtu,
                (l.Flags & Formatting.IFF_UP) != 0,
                Formatting.OperState(l.OperState),
                l.Master is { } m ? s.NameOf(m) : null,
                addressesByIndex.GetValueOrDefault(l.Index, []),
                peers.GetValueOrDefault((s.Inode, l.Index)))
            {
                LinkKind = l.Kind,
                MasterIfindex = l.Master,
                LowerUp = (l.Flags & Formatting.IFF_LOWER_UP) != 0,
                Flags = Formatting.Flags(l.Flags),
            })
            .ToList();
        var routes = s.Routes
            .Select(rt => new Route(
                Formatting.Destination(rt.Family, rt.Destination, rt.DestinationLength),
                rt.Gateway?.ToString(),
                rt.OutputIndex is { } oif ? s.NameOf(oif) : null,
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
        var neighbours = s.Neighbours
            .Where(n => n.Destination is not null)
            .Select(n => new Neighbour(n.Destination!.ToString(), Formatting.Mac(n.LinkAddress), s.NameOf(n.Index), Formatting.NeighbourState(n.State)))
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
    private static List<Link> Links(IReadOnlyCollection<NamespaceSnapshot> snapshots, IReadOnlyDictionary<(ulong Inode, int Ifindex), VethPeer> peers)
    {
        var byId = snapshots.ToDictionary(s => s.Candidate.Id);
        var links = new List<Link>();
        foreach (var ((inode, ifindex), peer) in peers)
        {
            if (peer.NamespaceId is null || !byId.TryGetValue(peer.NamespaceId, out var other)) continue;
            // Only pairs confirmed from both ends; listed once, from the end that sorts first.
            if (!peers.TryGetValue((other.Inode, peer.Ifindex), out var back) || back.Ifindex != ifindex || back.NamespaceId is null) continue;
            var here = byId[back.NamespaceId];
            if (here.Inode != inode) continue;
            if ((inode, ifindex).CompareTo((other.Inode, peer.Ifindex)) > 0) continue;
            links.Add(new Link("veth",
                new LinkEnd(here.Candidate.Id, here.NameOf(ifindex) ?? "?") { Ifindex = ifindex },
                new LinkEnd(other.Candidate.Id, peer.Name ?? "?") { Ifindex = peer.Ifindex }));
        }
        return links.OrderBy(l => l.A.NamespaceId, StringComparer.Ordinal).ThenBy(l => l.A.Ifindex).ToList();
    }
}
