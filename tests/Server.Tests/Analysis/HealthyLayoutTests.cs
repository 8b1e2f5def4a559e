using static Dashboard.Server.Tests.Analysis.FindingAssert;

namespace Dashboard.Server.Tests.Analysis;

/// <summary>Layouts that work must not raise a single finding.</summary>
public sealed class HealthyLayoutTests
{
    [Fact]
    public void The_seed_pair_is_healthy()
    {
        var b = new TopologyBuilder();
        b.SeedPair();
        None(b);
    }

    [Fact]
    public void A_cni_bridge_with_pods_is_healthy()
    {
        var b = new TopologyBuilder();
        b.Root();
        b.CniBridge(pods: 3);
        None(b);
    }

    [Fact]
    public void The_nodes_own_nics_are_not_judged()
    {
        // eth0 (device) and an ifb0 (other) that is admin down, as on any node.
        var b = new TopologyBuilder();
        b.Root();
        None(b);
    }

    [Fact]
    public void A_bridge_without_ports_is_not_judged()
    {
        // docker0 with no container: up, no carrier, an address.
        var b = new TopologyBuilder();
        var root = b.Root();
        root.Bridge("docker0", "172.17.0.1/16");
        Assert.Equal("DOWN", b.Build().Namespaces[0].Interfaces.Single(i => i.Name == "docker0").OperState);
        None(b);
    }

    [Fact]
    public void Lo_down_in_an_empty_namespace_is_nobodys_problem()
    {
        var b = new TopologyBuilder();
        b.Netns("empty").Interface("lo").Down();
        None(b);
    }

    [Fact]
    public void Lo_down_next_to_interfaces_with_only_link_local_addresses_is_not_judged()
    {
        var b = new TopologyBuilder();
        var a = b.Netns("a");
        var c = b.Netns("c");
        var (x, y) = b.Veth(a, "x", c, "y");
        x.Addr("fe80::1/64");
        y.Addr("fe80::2/64");
        a.Interface("lo").Down();
        None(b);
    }

    [Fact]
    public void A_calico_style_routed_pod_is_healthy()
    {
        // Host side without IPv4 and a /32 route to the pod; the pod has a /32 and a default route via a link-local gateway.
        var b = new TopologyBuilder();
        var root = b.Root();
        var pod = b.Process("default/web");
        var (cali, eth0) = b.Veth(root, "cali1234abcd", pod, "eth0");
        cali.Addr("fe80::ecee:eeff:feee:eeee/64");
        eth0.Addr("10.1.2.3/32");
        root.Route("10.1.2.3/32", device: "cali1234abcd");
        pod.Route("169.254.1.1/32", device: "eth0").Route("default", gateway: "169.254.1.1", device: "eth0");
        None(b);
    }

    [Fact]
    public void A_routed_pair_of_host_addresses_is_healthy()
    {
        var b = new TopologyBuilder();
        var a = b.Netns("left");
        var c = b.Netns("right");
        var (x, y) = b.Veth(a, "x", c, "y");
        x.Addr("10.0.0.1/32");
        y.Addr("10.0.0.2/32");
        a.Route("10.0.0.2/32", device: "x");
        c.Route("10.0.0.1/32", device: "y");
        None(b);
    }

    [Fact]
    public void Different_prefix_lengths_that_contain_each_other_are_one_subnet()
    {
        var b = new TopologyBuilder();
        var (_, _, _, blue) = b.SeedPair();
        blue.Addresses[0] = "10.0.1.2/16";
        None(b);
    }

    [Fact]
    public void The_same_address_in_unrelated_pairs_is_no_clash()
    {
        var b = new TopologyBuilder();
        b.SeedPair();
        var (x, y) = b.Veth(b.Netns("other-a"), "veth-a", b.Netns("other-b"), "veth-b");
        x.Addr("10.0.1.1/24");
        y.Addr("10.0.1.2/24");
        None(b);
    }

    [Fact]
    public void A_pod_reaches_a_peer_in_another_subnet_through_its_default_route()
    {
        // A second pair to a namespace whose connected route is gone, but the default route via the bridge's gateway covers it.
        var b = new TopologyBuilder();
        var (_, _, pods) = b.CniBridge(pods: 1);
        var pod = pods[0].Pod;
        var side = b.Netns("sidecar");
        var (net1, peer) = b.Veth(pod, "net1", side, "peer0");
        net1.Addr("10.99.0.2/24");
        peer.Addr("10.99.0.1/24");
        pod.DeleteRoute("10.99.0.0/24");
        pod.Route("10.99.0.0/24", gateway: "10.88.0.1", device: "eth0");
        None(b);
    }
}
