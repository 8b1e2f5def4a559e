using Dashboard.Server.Netlink;
using Dashboard.Shared;

namespace Dashboard.Server.Discovery;

/// <summary>
/// Places the other end of every veth. IFLA_LINK gives the peer's ifindex and IFLA_LINK_NETNSID
/// the peer's namespace as an id local to the namespace being read; ifindexes repeat across
/// namespaces, so a candidate is accepted only when it points back at this end and the nsids
/// check out in both directions (RTM_GETNSID with NETNSA_FD on each side's own socket).
/// A peer that cannot be placed stays unresolved: ifindex only.
/// </summary>
internal sealed class PeerResolver(List<NamespaceRead> reads)
{
    private readonly Dictionary<(NamespaceRead From, NamespaceRead To), int> _nsids = [];

    public Dictionary<(NamespaceRead, int), VethPeer> Resolve()
    {
        // Every veth end by ifindex, across all namespaces.
        var vethByIndex = new Dictionary<int, List<(NamespaceRead Read, LinkMessage Link)>>();
        foreach (var r in reads)
            foreach (var l in r.Links.Where(IsVeth))
            {
                if (!vethByIndex.TryGetValue(l.Index, out var list))
                    vethByIndex[l.Index] = list = [];
                list.Add((r, l));
            }

        var peers = new Dictionary<(NamespaceRead, int), VethPeer>();
        foreach (var r in reads)
        {
            foreach (var end in r.Links.Where(IsVeth))
            {
                if (end.Link is not { } peerIndex || peerIndex == 0)
                {
                    continue;
                }
                peers[(r, end.Index)] = Place(r, end, peerIndex, vethByIndex);
            }
        }
        return peers;
    }

    private VethPeer Place(NamespaceRead r, LinkMessage end, int peerIndex, Dictionary<int, List<(NamespaceRead Read, LinkMessage Link)>> vethByIndex)
    {
        if (end.LinkNetnsId is null)
        {
            // No IFLA_LINK_NETNSID: the peer lives in the same namespace.
            return r.ByIndex.TryGetValue(peerIndex, out var same) && IsVeth(same) && same.Link == end.Index
                ? new VethPeer(peerIndex, r.Candidate.Id, same.Name)
                : new VethPeer(peerIndex, null, null);
        }
        if (!vethByIndex.TryGetValue(peerIndex, out var candidates))
            return new VethPeer(peerIndex, null, null);
        foreach (var (other, link) in candidates)
        {
            if (other == r || link.Link != end.Index || link.LinkNetnsId is null) continue;
            // This side's id for the other namespace must be the one the kernel gave for the peer,
            // and the other side's id for this namespace the one its end carries.
            if (Nsid(r, other) == end.LinkNetnsId && Nsid(other, r) == link.LinkNetnsId)
                return new VethPeer(peerIndex, other.Candidate.Id, link.Name);
        }
        return new VethPeer(peerIndex, null, null);
    }

    private int Nsid(NamespaceRead from, NamespaceRead to)
    {
        if (_nsids.TryGetValue((from, to), out var id)) return id;
        try
        {
            id = from.Client!.GetNsid(to.Fd);
        }
        catch (NetlinkException)
        {
            id = Rtnl.NETNSA_NSID_NOT_ASSIGNED;
        }
        _nsids[(from, to)] = id;
        return id;
    }

    private static bool IsVeth(LinkMessage l) => l.Kind == "veth";
}
