using Dashboard.Shared;
using static Dashboard.Server.Tests.Analysis.FindingAssert;

namespace Dashboard.Server.Tests.Analysis;

/// <summary>mtu-mismatch, loopback-down, peer-missing and no-route.</summary>
public sealed class OtherRuleTests
{
    [Fact]
    public void A_pair_with_different_mtus_brings_the_larger_down()
    {
        var b = new TopologyBuilder();
        var (_, blue, _, vethBlue) = b.SeedPair();
        vethBlue.WithMtu(9000);

        var f = Only(b, FindingRules.MtuMismatch, blue, "veth-blue");

        Assert.Equal(Severities.Warning, f.Severity);
        Assert.Equal("Large packets are dropped or fragmented; small pings work", f.Symptom);
        Assert.Equal("veth-blue mtu 9000; its peer veth-red in pod-red mtu 1500", f.Evidence);
        Assert.Equal(["ip -n pod-blue link set veth-blue mtu 1500"], f.Fix);
    }

    [Fact]
    public void A_bridge_port_takes_its_bridges_mtu_and_its_pod_is_not_reported_too()
    {
        var b = new TopologyBuilder();
        var (node, _, pods) = b.CniBridge(pods: 2);
        pods[0].HostEnd.WithMtu(9000);

        var f = Only(b, FindingRules.MtuMismatch, node, "veth0001");
        Assert.Equal(["ip -n node link set veth0001 mtu 1500"], f.Fix);
    }

    [Fact]
    public void A_pod_whose_mtu_differs_from_its_bridge_side_takes_the_bridges()
    {
        var b = new TopologyBuilder();
        var (_, _, pods) = b.CniBridge(pods: 2);
        pods[1].Eth0.WithMtu(1400);

        var f = Only(b, FindingRules.MtuMismatch, pods[1].Pod, "eth0");
        Assert.Equal([$"nsenter -t {pods[1].Pod.Pids[0]} -n ip link set eth0 mtu 1500"], f.Fix);
    }

    [Fact]
    public void Lo_down_where_there_are_addresses_is_a_warning()
    {
        var b = new TopologyBuilder();
        var (red, _, _, _) = b.SeedPair();
        red.Interface("lo").Down();

        var f = Only(b, FindingRules.LoopbackDown, red, "lo");

        Assert.Equal(Severities.Warning, f.Severity);
        Assert.Contains("veth-red (10.0.1.1/24", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(["ip -n pod-red link set lo up"], f.Fix);
    }

    [Fact]
    public void A_veth_whose_peer_is_nowhere_is_recreated_with_its_addresses()
    {
        var b = new TopologyBuilder();
        var red = b.Netns("pod-red");
        var veth = b.VethWithoutPeer(red, "veth-red", peerIfindex: 6, peerName: "veth-blue").Addr("10.0.1.1/24");
        veth.OperState = "LOWERLAYERDOWN";

        var f = Only(b, FindingRules.PeerMissing, red, "veth-red");

        Assert.Equal(Severities.Error, f.Severity);
        Assert.Contains("ifindex 6", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(
        [
            "ip -n pod-red link del veth-red",
            "ip -n pod-red link add veth-red type veth peer name veth-blue netns <peer-namespace>",
            "ip -n pod-red addr add 10.0.1.1/24 dev veth-red",
            "ip -n pod-red link set veth-red up",
        ], f.Fix);
    }

    [Fact]
    public void A_peer_in_a_known_namespace_without_that_ifindex_is_missing_too()
    {
        var b = new TopologyBuilder();
        var blue = b.Netns("pod-blue");
        var red = b.Netns("pod-red");
        b.VethWithoutPeer(red, "veth-red", peerIfindex: 42, peerNamespaceId: blue.Id, peerName: "veth-blue");

        var f = Only(b, FindingRules.PeerMissing, red, "veth-red");
        Assert.Equal("ip -n pod-red link add veth-red type veth peer name veth-blue netns pod-blue", f.Fix[1]);
    }

    [Fact]
    public void A_deleted_connected_route_is_no_route_with_the_route_to_add()
    {
        var b = new TopologyBuilder();
        var (red, _, _, _) = b.SeedPair();
        red.DeleteRoute("10.0.1.0/24");

        var f = Only(b, FindingRules.NoRoute, red, "veth-red");

        Assert.Equal(Severities.Error, f.Severity);
        Assert.Equal("pod-red has no route to 10.0.1.2 (veth-blue in pod-blue)", f.Title);
        Assert.Equal("ping: connect: Network is unreachable", f.Symptom);
        Assert.StartsWith("no route in any table matches 10.0.1.2", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(["ip -n pod-red route add 10.0.1.0/24 dev veth-red"], f.Fix);
    }

    [Fact]
    public void A_blackhole_route_is_no_route_with_the_route_to_delete()
    {
        var b = new TopologyBuilder();
        var (red, _, _, _) = b.SeedPair();
        red.Route("10.0.1.2/32", type: "blackhole");

        var f = Only(b, FindingRules.NoRoute, red, "veth-red");
        Assert.StartsWith("10.0.1.2 matches blackhole 10.0.1.2/32", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(["ip -n pod-red route del blackhole 10.0.1.2/32"], f.Fix);
    }

    [Fact]
    public void A_node_without_the_bridges_route_gets_it_back_over_the_bridge()
    {
        var b = new TopologyBuilder();
        var (node, _, _) = b.CniBridge(pods: 1);
        node.DeleteRoute("10.88.0.0/16");

        var f = Only(b, FindingRules.NoRoute, node, "veth0001");
        Assert.Equal(["ip -n node route add 10.88.0.0/16 dev cni0"], f.Fix);
    }

    [Fact]
    public void A_default_route_counts_as_a_route()
    {
        var b = new TopologyBuilder();
        var (red, _, _, _) = b.SeedPair();
        red.DeleteRoute("10.0.1.0/24");
        red.Route("default", gateway: "10.0.1.2", device: "veth-red");
        None(b);
    }
}
