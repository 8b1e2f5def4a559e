using System.Runtime.CompilerServices;

namespace Dashboard.Server.Netlink;

/// <summary>Typed rtnetlink reads over one socket, i.e. of one network namespace.</summary>
internal sealed class RtnlClient(NetlinkSocket socket) : IDisposable
{
    private static readonly byte[] LinkDump = Rtnl.LinkDumpRequest();
    private static readonly byte[] AddressDump = Rtnl.FamilyDumpRequest(Rtnl.AF_UNSPEC, 8);
    private static readonly byte[] RouteDump = Rtnl.FamilyDumpRequest(Rtnl.AF_UNSPEC, 12);
    private static readonly byte[] NeighbourDump = Rtnl.FamilyDumpRequest(Rtnl.AF_UNSPEC, 12);

    public List<LinkMessage> GetLinks() => socket.Dump(Rtnl.RTM_GETLINK, LinkDump, Rtnl.ParseLink);

    /// <summary>IPv4 and IPv6 addresses.</summary>
    public List<AddressMessage> GetAddresses() => socket.Dump(Rtnl.RTM_GETADDR, AddressDump, Rtnl.ParseAddress);

    /// <summary>IPv4 and IPv6 routes of every table.</summary>
    public List<RouteMessage> GetRoutes() => socket.Dump(Rtnl.RTM_GETROUTE, RouteDump, Rtnl.ParseRoute);

    /// <summary>ARP and NDP entries in one dump (the parser leaves out any bridge FDB entries).</summary>
    public List<NeighbourMessage> GetNeighbours() => socket.Dump(Rtnl.RTM_GETNEIGH, NeighbourDump, Rtnl.ParseNeighbour);

    /// <summary>
    /// The id this namespace gives to the namespace open at <paramref name="nsFd"/>
    /// (what IFLA_LINK_NETNSID refers to), or -1 when it has given it none.
    /// </summary>
    public int GetNsid(int nsFd) =>
        socket.Request(Rtnl.RTM_GETNSID, Rtnl.NsidRequest(nsFd), Rtnl.ParseNsid)?.Value ?? Rtnl.NETNSA_NSID_NOT_ASSIGNED;

    /// <summary>
    /// Gives the namespace open at <paramref name="nsFd"/> an id in this namespace if it has none
    /// (as `ip netns set NAME auto` does), and returns the id. Ids are what kernel events from
    /// other namespaces carry, so every namespace the dashboard watches needs one.
    /// </summary>
    public int EnsureNsid(int nsFd)
    {
        int id = GetNsid(nsFd);
        if (id >= 0) return id;
        try
        {
            socket.Request<StrongBox<int>>(Rtnl.RTM_NEWNSID, Rtnl.NewNsidRequest(nsFd), static (_, _) => null, ack: true);
        }
        catch (NetlinkException e) when (e.Errno == 17)
        {
            // EEXIST: someone else gave it one in between.
        }
        return GetNsid(nsFd);
    }

    public void Dispose() => socket.Dispose();
}
