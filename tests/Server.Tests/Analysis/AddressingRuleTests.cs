using Dashboard.Shared;
using static Dashboard.Server.Tests.Analysis.FindingAssert;

namespace Dashboard.Server.Tests.Analysis;

/// <summary>no-ip-address, subnet-mismatch and duplicate-address.</summary>
public sealed class AddressingRuleTests
{
    [Fact]
    public void A_veth_without_ipv4_gets_a_free_address_of_its_peers_subnet()
    {
        var b = new TopologyBuilder();
        var (red, _, vethRed, _) = b.SeedPair();
        vethRed.Addresses.RemoveAll(a => a.StartsWith("10.", StringComparison.Ordinal));

        var f = Only(b, FindingRules.NoIpAddress, red, "veth-red");

        Assert.Equal(Severities.Error, f.Severity);
        Assert.Equal("ping: connect: Network is unreachable", f.Symptom);
        Assert.Contains("veth-blue in pod-blue has 10.0.1.2/24", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(["ip -n pod-red addr add 10.0.1.1/24 dev veth-red"], f.Fix);
    }

    [Fact]
    public void The_address_picked_is_not_the_peers()
    {
        var b = new TopologyBuilder();
        var (_, blue, vethRed, vethBlue) = b.SeedPair();
        vethBlue.Addresses.Clear();
        vethRed.Addresses[0] = "10.0.1.1/24";

        var f = Only(b, FindingRules.NoIpAddress, blue, "veth-blue");
        Assert.Equal(["ip -n pod-blue addr add 10.0.1.2/24 dev veth-blue"], f.Fix);
    }

    [Fact]
    public void Both_ends_without_ipv4_is_not_this_rule()
    {
        var b = new TopologyBuilder();
        var (_, _, vethRed, vethBlue) = b.SeedPair();
        vethRed.Addresses.RemoveAt(0);
        vethBlue.Addresses.RemoveAt(0);
        None(b);
    }

    [Fact]
    public void A_pod_without_ipv4_on_a_bridge_gets_a_free_address_of_the_bridges_subnet()
    {
        var b = new TopologyBuilder();
        var (_, _, pods) = b.CniBridge(pods: 3);
        var (pod, eth0, _) = pods[2];
        eth0.Addresses.RemoveAt(0);
        pod.Routes.Clear();

        var f = Only(b, FindingRules.NoIpAddress, pod, "eth0");
        Assert.Contains("port of bridge cni0, which has 10.88.0.1/16", f.Evidence, StringComparison.Ordinal);
        // .1 is the bridge, .2 and .3 the other pods.
        Assert.Equal([$"nsenter -t {pod.Pids[0]} -n ip addr add 10.88.0.4/16 dev eth0"], f.Fix);
    }

    [Fact]
    public void Ends_in_different_subnets_are_one_finding_with_a_replacement_in_the_peers_subnet()
    {
        // Nothing tells which end is wrong: the end that sorts last (pod-red after pod-blue) moves.
        var b = new TopologyBuilder();
        var (red, _, vethRed, _) = b.SeedPair();
        vethRed.Addresses[0] = "10.0.2.1/24";

        var f = Only(b, FindingRules.SubnetMismatch, red, "veth-red");

        Assert.Equal(Severities.Error, f.Severity);
        Assert.Equal("Packets sent but no reply", f.Symptom);
        Assert.Equal("veth-red (10.0.2.1/24) and its peer veth-blue (10.0.1.2/24) share no subnet", f.Title);
        Assert.Contains("10.0.2.1/24 (subnet 10.0.2.0/24)", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("veth-blue in pod-blue has 10.0.1.2/24 (subnet 10.0.1.0/24)", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(["ip -n pod-red addr del 10.0.2.1/24 dev veth-red", "ip -n pod-red addr add 10.0.1.1/24 dev veth-red"], f.Fix);
    }

    [Fact]
    public void In_a_subnet_mismatch_the_root_namespace_keeps_its_address()
    {
        var b = new TopologyBuilder();
        var root = b.Root();
        var ns = b.Netns("a-lab");
        var (host, inner) = b.Veth(root, "veth-host", ns, "veth-in");
        host.Addr("10.0.9.1/24");
        inner.Addr("10.0.8.1/24");

        var f = Only(b, FindingRules.SubnetMismatch, ns, "veth-in");
        // Same host part (.1) is taken by the root end: the next free host.
        Assert.Equal(["ip -n a-lab addr del 10.0.8.1/24 dev veth-in", "ip -n a-lab addr add 10.0.9.2/24 dev veth-in"], f.Fix);
    }

    [Fact]
    public void Two_pods_on_one_bridge_with_the_same_address_clash_once()
    {
        var b = new TopologyBuilder();
        var (_, _, pods) = b.CniBridge(pods: 3);
        pods[1].Eth0.Addresses[0] = "10.88.0.2/16";

        var f = Only(b, FindingRules.DuplicateAddress, pods[1].Pod, "eth0");

        Assert.Equal(Severities.Error, f.Severity);
        Assert.Equal("10.88.0.2 is on both eth0 in default/pod2 and eth0 in default/pod1", f.Title);
        Assert.Contains("share bridge cni0 in node", f.Evidence, StringComparison.Ordinal);
        var nsenter = $"nsenter -t {pods[1].Pod.Pids[0]} -n ip";
        Assert.Equal([$"{nsenter} addr del 10.88.0.2/16 dev eth0", $"{nsenter} addr add 10.88.0.3/16 dev eth0"], f.Fix);
    }

    [Fact]
    public void A_pod_with_the_bridges_address_gives_it_up()
    {
        var b = new TopologyBuilder();
        var (_, _, pods) = b.CniBridge(pods: 2);
        pods[1].Eth0.Addresses[0] = "10.88.0.1/16";
        pods[1].Pod.Routes.Clear();

        var f = Only(b, FindingRules.DuplicateAddress, pods[1].Pod, "eth0");
        Assert.Contains("cni0 in node", f.Title, StringComparison.Ordinal);
        Assert.EndsWith("addr add 10.88.0.3/16 dev eth0", f.Fix[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Both_ends_of_a_pair_with_one_address_clash_once()
    {
        var b = new TopologyBuilder();
        var (red, _, vethRed, _) = b.SeedPair();
        vethRed.Addresses[0] = "10.0.1.2/24";

        var f = Only(b, FindingRules.DuplicateAddress, red, "veth-red");
        Assert.Contains("the two ends of a veth pair", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(["ip -n pod-red addr del 10.0.1.2/24 dev veth-red", "ip -n pod-red addr add 10.0.1.1/24 dev veth-red"], f.Fix);
    }
}
