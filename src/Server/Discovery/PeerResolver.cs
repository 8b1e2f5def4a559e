using Dashboard.Server.Netlink;
using Dashboard.Shared;

namespace Dashboard.Server.Discovery;

/// <summary>
/// Places the other end of every veth. IFLA_LINK gives the peer's ifindex and IFLA_LINK_NETNSID
/// the peer's namespace as an id local to the namespace being read; ifindexes repeat across
/// namespaces, so a candidate is accepted only when it points back at this end and the nsids
/// check out in both directions (RTM_GETNSID, through the <see cref="NsidCache"/>).
/// A peer that cannot be placed stays unresolved: ifindex only.
/// </summary>
internal sealed class PeerResolver(IReadOnlyCollection<NamespaceSnapshot> snapshots, NsidCache nsids)
{
    private readonly Dictionary<int, List<(NamespaceSnapshot Ns, LinkMessage Link)>> _vethByIndex = Index(snapshots);

    /// <summary>Every veth end's peer, keyed by the end's namespace inode and ifindex.</summary>
    public Dictionary<(ulong Inode, int Ifindex), VethPeer> Resolve(IReadOnlyDictionary<ulong, RtnlClient>? openClients = null)
    {
        // First the nsids the decisions will need, fetched in one batch.
        var pairs = new List<(NamespaceCandidate, NamespaceCandidate)>();
        foreach (var (ns, end) in VethEnds())
            foreach (var (other, _) in Candidates(ns, end))
            {
                pairs.Add((ns.Candidate, other.Candidate));
                pairs.Add((other.Candidate, ns.Candidate));
            }
        nsids.Fetch(pairs, openClients);

        var peers = new Dictionary<(ulong, int), VethPeer>();
        foreach (var (ns, end) in VethEnds())
            peers[(ns.Inode, end.Index)] = Place(ns, end);
        return peers;
    }

    private IEnumerable<(NamespaceSnapshot Ns, LinkMessage End)> VethEnds() =>
        from ns in snapshots
        from l in ns.Links
        where IsVeth(l) && l.Link is > 0
        select (ns, l);

    /// <summary>Veth ends in other namespaces with the peer's ifindex that point back at <paramref name="end"/>.</summary>
    private IEnumerable<(NamespaceSnapshot Ns, LinkMessage Link)> Candidates(NamespaceSnapshot ns, LinkMessage end)
    {
        if (end.LinkNetnsId is null || !_vethByIndex.TryGetValue(end.Link!.Value, out var list)) return [];
        return list.Where(c => c.Ns != ns && c.Link.Link == end.Index && c.Link.LinkNetnsId is not null);
    }

    private VethPeer Place(NamespaceSnapshot ns, LinkMessage end)
    {
        int peerIndex = end.Link!.Value;
        if (end.LinkNetnsId is null)
        {
            // No IFLA_LINK_NETNSID: the peer lives in the same namespace.
            return ns.ByIndex.TryGetValue(peerIndex, out var same) && IsVeth(same) && same.Link == end.Index
                ? new VethPeer(peerIndex, ns.Candidate.Id, same.Name)
                : new VethPeer(peerIndex, null, null);
        }
        foreach (var (other, link) in Candidates(ns, end))
        {
            // This side's id for the other namespace must be the one the kernel gave for the peer,
            // and the other side's id for this namespace the one its end carries.
            if (nsids.TryGet(ns.Inode, other.Inode, out var there) && there == end.LinkNetnsId
                && nsids.TryGet(other.Inode, ns.Inode, out var back) && back == link.LinkNetnsId)
                return new VethPeer(peerIndex, other.Candidate.Id, link.Name);
        }
        return new VethPeer(peerIndex, null, null);
    }

    private static Dictionary<int, List<(NamespaceSnapshot, LinkMessage)>> Index(IReadOnlyCollection<NamespaceSnapshot> snapshots)
    {
        var byIndex = new Dictionary<int, List<(NamespaceSnapshot, LinkMessage)>>();
        foreach (var ns in snapshots)
            foreach (var l in ns.Links.Where(IsVeth))
            {
                if (!byIndex.TryGetValue(l.Index, out var list))
                    byIndex[l.Index] = list = [];
                list.Add((ns, l));
            }
        return byIndex;
    }

    private static bool IsVeth(LinkMessage l) => l.Kind == "veth";
}
