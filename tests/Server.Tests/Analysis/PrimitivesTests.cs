using Dashboard.Server.Analysis;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Analysis;

/// <summary>Addresses, free-host picking and how commands reach a namespace.</summary>
public sealed class PrimitivesTests
{
    [Fact]
    public void Cidrs_parse_as_ip_prints_them()
    {
        var a = Ipv4Cidr.Parse("10.0.1.7/24")!.Value;
        Assert.Equal("10.0.1.0/24", a.Subnet);
        Assert.Equal("10.0.1.7", a.Ip);
        Assert.Equal(32, Ipv4Cidr.Parse("10.0.1.7")!.Value.PrefixLength);
        Assert.Equal(0, Ipv4Cidr.Parse("default")!.Value.PrefixLength);
        Assert.Null(Ipv4Cidr.Parse("fe80::1/64"));
        Assert.Null(Ipv4Cidr.Parse("10.0.1.7/33"));
        Assert.True(a.SharesSubnetWith(Ipv4Cidr.Parse("10.0.1.200/16")!.Value));
        Assert.False(a.SharesSubnetWith(Ipv4Cidr.Parse("10.0.2.2/24")!.Value));
    }

    [Theory]
    [InlineData("10.0.1.1/24", new[] { "10.0.1.1" }, null, "10.0.1.2/24")]
    [InlineData("10.0.1.9/24", new[] { "10.0.1.9" }, "10.0.2.5", "10.0.1.5/24")]
    [InlineData("10.0.1.9/24", new[] { "10.0.1.5" }, "10.0.2.5", "10.0.1.1/24")]
    [InlineData("10.0.0.0/31", new[] { "10.0.0.0" }, null, "10.0.0.1/31")]
    [InlineData("10.0.0.1/32", new string[0], null, null)]
    [InlineData("10.0.0.1/30", new[] { "10.0.0.1", "10.0.0.2" }, null, null)]
    public void A_free_host_is_picked_in_the_subnet(string subnet, string[] used, string? preferred, string? expected)
    {
        var free = AddressPlanner.FreeHost(
            Ipv4Cidr.Parse(subnet)!.Value,
            used.Select(u => Ipv4Cidr.ParseAddress(u)!.Value).ToHashSet(),
            preferred is null ? null : Ipv4Cidr.ParseAddress(preferred));
        Assert.Equal(expected, free?.ToString());
    }

    [Fact]
    public void Commands_reach_a_namespace_by_name_root_pid_or_path()
    {
        NetworkNamespace Ns(string? name, bool root, int[] pids, string[] paths) =>
            new("4026532999", name, root, paths, pids, new NamespaceOwner("process", null), [], []);

        Assert.Equal("ip -n pod-red link set veth-red up", Commands.LinkUp(Ns("pod-red", false, [42], ["/run/netns/pod-red"]), "veth-red"));
        Assert.Equal("ip link set veth0 up", Commands.LinkUp(Ns(null, true, [1], []), "veth0"));
        Assert.Equal("nsenter -t 42 -n ip link set eth0 up", Commands.LinkUp(Ns(null, false, [42, 43], ["/proc/42/ns/net"]), "eth0"));
        Assert.Equal("nsenter --net=/var/run/docker/netns/abc ip link set eth0 up", Commands.LinkUp(Ns(null, false, [], ["/var/run/docker/netns/abc"]), "eth0"));
        Assert.Equal("nsenter --net='/run/my netns' ip link set eth0 up", Commands.LinkUp(Ns(null, false, [], ["/run/my netns"]), "eth0"));
    }

    [Fact]
    public void Ids_depend_on_every_part()
    {
        var id = FindingIds.For("no-route", "1", "eth0", "2", "veth0");
        Assert.Equal(id, FindingIds.For("no-route", "1", "eth0", "2", "veth0"));
        Assert.NotEqual(id, FindingIds.For("no-route", "1", "eth0", "2", "veth1"));
        Assert.NotEqual(FindingIds.For("mtu-mismatch", "1", "a-b", "c"), FindingIds.For("mtu-mismatch", "1", "a", "b-c"));
    }
}
