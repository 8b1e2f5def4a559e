using System.Net;
using Dashboard.Server.Netlink;

namespace Dashboard.Server.Tests.Netlink;

/// <summary>The rtnetlink parsers on hand-built messages: pure, no kernel.</summary>
public sealed class RtnlParserTests
{
    [Fact]
    public void A_veth_link_message_gives_name_kind_peer_index_and_peer_nsid()
    {
        var msg = new MessageBuilder()
            .Header(MessageBuilder.IfInfo(index: 7, hwType: 1, flags: 0x1 | 0x10000))
            .Attr(3, "veth-red")
            .Attr(4, 1450)
            .Attr(1, [0x4e, 0xd6, 0x72, 0x0c, 0x26, 0xb7])
            .Attr(5, 6)         // IFLA_LINK
            .Attr(37, 2)        // IFLA_LINK_NETNSID
            .Attr(16, [6])      // IFLA_OPERSTATE UP
            .Nested(18, new MessageBuilder().Attr(1, "veth"))
            .ToArray();

        var link = Rtnl.ParseLink(Rtnl.RTM_NEWLINK, msg);

        Assert.NotNull(link);
        Assert.Equal(7, link.Index);
        Assert.Equal("veth-red", link.Name);
        Assert.Equal("veth", link.Kind);
        Assert.Equal(1450, link.Mtu);
        Assert.Equal(6, link.Link);
        Assert.Equal(2, link.LinkNetnsId);
        Assert.Null(link.Master);
        Assert.Equal(6, link.OperState);
        Assert.Equal(new byte[] { 0x4e, 0xd6, 0x72, 0x0c, 0x26, 0xb7 }, link.Address);
    }

    [Fact]
    public void A_link_without_linkinfo_has_no_kind_and_no_peer_nsid()
    {
        var msg = new MessageBuilder().Header(MessageBuilder.IfInfo(1, 772, 0x9)).Attr(3, "lo").Attr(10, 4).ToArray();

        var link = Rtnl.ParseLink(Rtnl.RTM_NEWLINK, msg)!;

        Assert.Null(link.Kind);
        Assert.Null(link.LinkNetnsId);
        Assert.Equal(4, link.Master);
        Assert.Equal((ushort)772, link.HardwareType);
    }

    [Fact]
    public void A_truncated_attribute_ends_the_walk_without_reading_past_the_message()
    {
        var msg = new MessageBuilder().Header(MessageBuilder.IfInfo(3, 1, 0)).Attr(3, "eth0").ToArray().ToList();
        msg.AddRange([40, 0, 4, 0, 1, 2]); // claims 40 bytes, has 6

        var link = Rtnl.ParseLink(Rtnl.RTM_NEWLINK, msg.ToArray())!;

        Assert.Equal("eth0", link.Name);
        Assert.Equal(0, link.Mtu);
    }

    [Fact]
    public void Messages_of_another_type_or_too_short_are_skipped()
    {
        Assert.Null(Rtnl.ParseLink(Rtnl.RTM_NEWADDR, new byte[16]));
        Assert.Null(Rtnl.ParseLink(Rtnl.RTM_NEWLINK, new byte[8]));
        Assert.Null(Rtnl.ParseRoute(Rtnl.RTM_NEWROUTE, new byte[4]));
    }

    [Fact]
    public void An_ipv4_address_prefers_ifa_local_over_the_point_to_point_peer()
    {
        var msg = new MessageBuilder()
            .Header(2, 24, 0, 0, 5, 0, 0, 0) // ifaddrmsg: AF_INET, /24, flags, scope, index 5
            .Attr(1, IPAddress.Parse("10.0.1.2").GetAddressBytes())
            .Attr(2, IPAddress.Parse("10.0.1.1").GetAddressBytes())
            .Attr(3, "veth-red")
            .ToArray();

        var address = Rtnl.ParseAddress(Rtnl.RTM_NEWADDR, msg)!;

        Assert.Equal(IPAddress.Parse("10.0.1.1"), address.Address);
        Assert.Equal(24, address.PrefixLength);
        Assert.Equal(5, address.Index);
    }

    [Fact]
    public void A_route_takes_its_table_from_rta_table_and_skips_other_families()
    {
        var msg = new MessageBuilder()
            .Header(2, 24, 0, 0, 254, 2, 253, 1, 0, 0, 0, 0) // rtmsg: inet /24 table main proto kernel scope link unicast
            .Attr(1, IPAddress.Parse("10.0.1.0").GetAddressBytes())
            .Attr(4, 7)
            .Attr(15, 1000)
            .ToArray();

        var route = Rtnl.ParseRoute(Rtnl.RTM_NEWROUTE, msg)!;

        Assert.Equal(1000u, route.Table);
        Assert.Equal(IPAddress.Parse("10.0.1.0"), route.Destination);
        Assert.Equal(7, route.OutputIndex);
        Assert.Equal((byte)253, route.Scope);
        var mpls = msg.ToArray();
        mpls[0] = 28; // AF_MPLS
        Assert.Null(Rtnl.ParseRoute(Rtnl.RTM_NEWROUTE, mpls));
    }

    [Fact]
    public void The_nsid_request_carries_the_namespace_fd()
    {
        var body = Rtnl.NsidRequest(42);

        Assert.Equal(12, body.Length);
        Assert.Equal(new byte[] { 8, 0, 3, 0, 42, 0, 0, 0 }, body[4..]);
    }
}
