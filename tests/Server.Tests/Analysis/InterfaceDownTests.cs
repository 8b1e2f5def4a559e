using Dashboard.Shared;
using static Dashboard.Server.Tests.Analysis.FindingAssert;

namespace Dashboard.Server.Tests.Analysis;

public sealed class InterfaceDownTests
{
    [Fact]
    public void An_admin_down_veth_is_reported_on_itself_and_not_again_on_its_peer()
    {
        var b = new TopologyBuilder();
        var (_, blue, _, vethBlue) = b.SeedPair();
        vethBlue.Down();

        var f = Only(b, FindingRules.InterfaceDown, blue, "veth-blue");

        Assert.Equal(Severities.Error, f.Severity);
        Assert.Equal("veth-blue is DOWN", f.Title);
        Assert.Equal("ping: Network is unreachable", f.Symptom);
        Assert.StartsWith("operstate DOWN, IFF_UP not set", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("veth-red in pod-red is up but LOWERLAYERDOWN", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(["ip -n pod-blue link set veth-blue up"], f.Fix);
        Assert.Equal(TopologyBuilder.T0, f.Since);
    }

    [Fact]
    public void Both_ends_down_are_two_causes()
    {
        var b = new TopologyBuilder();
        var (red, blue, vethRed, vethBlue) = b.SeedPair();
        vethRed.Down();
        vethBlue.Down();

        var findings = Evaluate(b);

        Assert.Equal(2, findings.Count);
        Is(findings.Single(f => f.NamespaceId == red.Id), FindingRules.InterfaceDown, red, "veth-red");
        Is(findings.Single(f => f.NamespaceId == blue.Id), FindingRules.InterfaceDown, blue, "veth-blue");
    }

    [Fact]
    public void A_host_side_veth_down_is_reported_on_the_host_side_not_in_the_pod()
    {
        var b = new TopologyBuilder();
        var (node, _, pods) = b.CniBridge(pods: 2);
        pods[0].HostEnd.Down();

        var f = Only(b, FindingRules.InterfaceDown, node, "veth0001");
        Assert.Equal(["ip -n node link set veth0001 up"], f.Fix);
        Assert.Contains("eth0 in default/pod1 is up but LOWERLAYERDOWN", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bridge_without_carrier_because_its_only_pod_is_down_is_not_reported_again()
    {
        var b = new TopologyBuilder();
        var (_, _, pods) = b.CniBridge(pods: 1);
        pods[0].Eth0.Down();
        Assert.Equal("DOWN", b.Build().FindNamespace(pods[0].HostEnd.Namespace.Id)!.Interfaces.Single(i => i.Name == "cni0").OperState);

        var f = Only(b, FindingRules.InterfaceDown, pods[0].Pod, "eth0");
        Assert.Equal([$"nsenter -t {pods[0].Pod.Pids[0]} -n ip link set eth0 up"], f.Fix);
    }

    [Fact]
    public void An_admin_down_bridge_is_reported_and_its_lost_routes_are_not()
    {
        var b = new TopologyBuilder();
        var (node, bridge, _) = b.CniBridge(pods: 2);
        bridge.Down();

        var f = Only(b, FindingRules.InterfaceDown, node, "cni0");
        Assert.Equal("cni0 is DOWN", f.Title);
        Assert.Equal(["ip -n node link set cni0 up"], f.Fix);
        Assert.Contains("ports: veth0001 (UP), veth0002 (UP)", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bridge_port_that_is_not_a_veth_is_judged()
    {
        var b = new TopologyBuilder();
        var root = b.Root();
        var br0 = root.Bridge("br0", "10.10.0.1/24");
        root.Device("eth1").Enslave(br0).Down();

        var f = Only(b, FindingRules.InterfaceDown, root, "eth1");
        Assert.Equal(["ip link set eth1 up"], f.Fix);
    }

    [Fact]
    public void A_veth_up_without_carrier_while_its_peer_is_up_is_reported_on_itself()
    {
        var b = new TopologyBuilder();
        var (red, _, vethRed, _) = b.SeedPair();
        vethRed.OperState = "DOWN";

        var f = Only(b, FindingRules.InterfaceDown, red, "veth-red");
        Assert.Equal("veth-red is DOWN", f.Title);
        Assert.Equal(["ip -n pod-red link set veth-red down", "ip -n pod-red link set veth-red up"], f.Fix);
    }
}
