using System.Net;
using Dashboard.Server.Analysis;
using Dashboard.Server.Diagnosis;
using Dashboard.Server.Tests.Analysis;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>The walk's decisions on hand-built topologies and captured command output (no kernel).</summary>
public sealed class DiagnosisWalkTests
{
    private const string OwnId = "4026531840";

    private static async Task<(WalkResult Result, List<DiagnosisStep> Streamed)> Walk(Topology topology, string sourceId, string destination, FakeRunner runner, DiagnosisTools? tools = null)
    {
        var streamed = new List<DiagnosisStep>();
        var walk = new DiagnosisWalk(topology, Rules.Evaluate(topology), topology.FindNamespace(sourceId)!, IPAddress.Parse(destination),
            new NamespaceExec(OwnId), runner, tools ?? DiagnosisTools.All, s => { streamed.Add(s); return Task.CompletedTask; },
            TimeProvider.System, CancellationToken.None);
        var result = await walk.RunAsync();
        return (result, streamed);
    }

    private static async Task<WalkResult> WalkWith(Topology topology, IReadOnlyList<Finding> findings, string sourceId, string destination, FakeRunner runner)
    {
        var walk = new DiagnosisWalk(topology, findings, topology.FindNamespace(sourceId)!, IPAddress.Parse(destination),
            new NamespaceExec(OwnId), runner, DiagnosisTools.All, _ => Task.CompletedTask, TimeProvider.System, CancellationToken.None);
        return await walk.RunAsync();
    }

    private static FakeRunner Unreachable() => new FakeRunner()
        .On("route get", "", 2, "RTNETLINK answers: Network is unreachable\n")
        .On("ping", "", 2, "ping: connect: Network is unreachable\n");

    [Fact]
    public async Task A_route_gone_with_a_removed_pair_or_namespace_is_that_removal_not_no_route()
    {
        var b = new TopologyBuilder();
        var (red, blue, _, vethBlue) = b.SeedPair();
        var before = b.Build();
        b.Delete(vethBlue);
        var endDeleted = b.Build(TopologyBuilder.T0.AddSeconds(1));
        var pairRemoved = Removals.Between(before, endDeleted).Select(r => r.Finding).ToList();
        Assert.Equal(FindingRules.VethPairRemoved, Assert.Single(pairRemoved).Rule);

        var result = await WalkWith(endDeleted, [.. Rules.Evaluate(endDeleted), .. pairRemoved], red.Id, "10.0.1.2", Unreachable());
        Assert.Equal((Verdicts.Unreachable, FindingRules.VethPairRemoved), (result.Verdict, result.RootCause?.Rule));
        Assert.Equal(pairRemoved[0].Fix, result.RootCause!.Fix);

        b.Remove(blue);
        var namespaceDeleted = b.Build(TopologyBuilder.T0.AddSeconds(2));
        var nsRemoved = Removals.Between(before, namespaceDeleted).Select(r => r.Finding).ToList();
        Assert.Equal(FindingRules.NamespaceRemoved, Assert.Single(nsRemoved).Rule);
        result = await WalkWith(namespaceDeleted, [.. Rules.Evaluate(namespaceDeleted), .. nsRemoved], red.Id, "10.0.1.2", Unreachable());
        Assert.Equal(FindingRules.NamespaceRemoved, result.RootCause?.Rule);

        // A removal that had nothing to do with the source (another pair with the same subnet) explains nothing.
        var o = new TopologyBuilder();
        var lonely = o.Netns("pod-red");
        lonely.Lo();
        var x = o.Netns("x");
        var y = o.Netns("y");
        var (vx, vy) = o.Veth(x, "vx", y, "vy");
        vx.Addr("10.0.1.1/24");
        vy.Addr("10.0.1.2/24");
        var other = o.Build();
        o.Delete(vx);
        var after = o.Build(TopologyBuilder.T0.AddSeconds(1));
        var elsewhere = Removals.Between(other, after).Select(r => r.Finding).ToList();
        Assert.NotEmpty(elsewhere);
        result = await WalkWith(after, [.. Rules.Evaluate(after), .. elsewhere], lonely.Id, "10.0.1.2", Unreachable());
        Assert.Equal(FindingRules.NoRoute, result.RootCause?.Rule);
    }

    private static FakeRunner HealthySeed() => new FakeRunner()
        .On("-n pod-red route get 10.0.1.2", "10.0.1.2 dev veth-red src 10.0.1.1 uid 0 \n    cache \n")
        .On("-n pod-blue route get 10.0.1.2", "local 10.0.1.2 dev lo table local src 10.0.1.2 uid 0 \n    cache <local> \n")
        .On("-n pod-blue route get 10.0.1.1", "10.0.1.1 dev veth-blue src 10.0.1.2 uid 0 \n    cache \n")
        .On("ethtool -S veth-red", "NIC statistics:\n     peer_ifindex: 2\n     rx_queue_0_xdp_packets: 0\n")
        .On("ping", FakeRunner.PingOk("10.0.1.2"))
        .On("neigh show 10.0.1.2 dev veth-red", "10.0.1.2 lladdr 02:00:00:00:00:01 REACHABLE \n");

    [Fact]
    public async Task A_healthy_pair_passes_every_step_in_the_seed_order()
    {
        var b = new TopologyBuilder();
        var (red, blue, _, _) = b.SeedPair();
        var topology = b.Build();

        var (result, streamed) = await Walk(topology, red.Id, "10.0.1.2", HealthySeed());

        Assert.Equal(Verdicts.Reachable, result.Verdict);
        Assert.Null(result.RootCause);
        Assert.Equal(result.Steps, streamed);
        Assert.All(result.Steps, s => Assert.Equal(StepStatus.Pass, s.Status));
        Assert.Equal(
            ["source", "loopback", "route-lookup", "egress-interface", "veth-peer", "peer-up", "mtu", "route-lookup", "destination", "return-route", "firewall", "firewall", "ping", "neighbour"],
            result.Steps.Select(s => s.Name));
        var route = result.Steps.First(s => s.Name == "route-lookup");
        Assert.Equal("ip -n pod-red route get 10.0.1.2", route.Command);
        Assert.Contains("dev veth-red", route.Detail);
        Assert.Contains("the topology agrees", route.Detail);
        var peer = result.Steps.Single(s => s.Name == "veth-peer");
        Assert.Equal("ip netns exec pod-red ethtool -S veth-red", peer.Command);
        Assert.Contains("peer_ifindex 2", peer.Detail);
        Assert.Contains("veth-blue", peer.Detail);
        Assert.Equal("ip netns exec pod-red ping -n -c 3 -i 0.2 -W 1 10.0.1.2", result.Steps.Single(s => s.Name == "ping").Command);
        Assert.Equal(
            [new DiagnosisHop(HopKinds.Source, red.Id, "pod-red", null, "veth-red"), new DiagnosisHop(HopKinds.Destination, blue.Id, "pod-blue", "veth-blue", null)],
            result.Path);
    }

    [Fact]
    public async Task No_address_at_the_source_is_no_ip_address_with_the_failure_tables_fix()
    {
        var b = new TopologyBuilder();
        var (red, _, vethRed, _) = b.SeedPair();
        vethRed.Addresses.RemoveAll(a => a.StartsWith("10.", StringComparison.Ordinal));
        var topology = b.Build();
        var runner = new FakeRunner()
            .On("route get", "", 2, "RTNETLINK answers: Network is unreachable\n")
            .On("ping", "", 2, "ping: connect: Network is unreachable\n");

        var (result, _) = await Walk(topology, red.Id, "10.0.1.2", runner);

        Assert.Equal(Verdicts.Unreachable, result.Verdict);
        var cause = result.RootCause!;
        Assert.Equal(FindingRules.NoIpAddress, cause.Rule);
        Assert.Equal((red.Id, "veth-red"), (cause.NamespaceId, cause.Interface));
        Assert.Equal(["ip -n pod-red addr add 10.0.1.1/24 dev veth-red"], cause.Fix);
        Assert.Equal("route-lookup", cause.Step);
        Assert.DoesNotContain(result.Steps, s => s.Name == "capture");
    }

    [Fact]
    public async Task A_peer_that_is_down_is_named_and_the_carrierless_end_only_warns()
    {
        var b = new TopologyBuilder();
        var (red, blue, _, vethBlue) = b.SeedPair();
        vethBlue.Down();
        var topology = b.Build();
        var runner = HealthySeed().On("ping", FakeRunner.PingLost("10.0.1.2"), 1);

        var (result, _) = await Walk(topology, red.Id, "10.0.1.2", runner);

        Assert.Equal(StepStatus.Warn, result.Steps.Single(s => s.Name == "egress-interface").Status);
        var cause = result.RootCause!;
        Assert.Equal((FindingRules.InterfaceDown, blue.Id, "veth-blue", "peer-up"), (cause.Rule, cause.NamespaceId, cause.Interface, cause.Step));
        Assert.Equal(["ip -n pod-blue link set veth-blue up"], cause.Fix);
    }

    [Fact]
    public async Task A_router_with_forwarding_off_is_forwarding_disabled_with_a_sysctl_fix()
    {
        var b = new TopologyBuilder();
        var a = b.Netns("a");
        var r = b.Netns("r");
        var c = b.Netns("b");
        var (a0, r0) = b.Veth(a, "a0", r, "r0");
        var (r1, b0) = b.Veth(r, "r1", c, "b0");
        a0.Addr("10.91.1.1/24");
        r0.Addr("10.91.1.254/24");
        r1.Addr("10.91.2.254/24");
        b0.Addr("10.91.2.2/24");
        a.Route("10.91.2.0/24", gateway: "10.91.1.254", device: "a0");
        c.Route("10.91.1.0/24", gateway: "10.91.2.254", device: "b0");
        var topology = b.Build();
        var runner = new FakeRunner()
            .On("-n a route get 10.91.2.2", "10.91.2.2 via 10.91.1.254 dev a0 src 10.91.1.1 uid 0 \n")
            .On("-n r route get 10.91.2.2", "10.91.2.2 dev r1 src 10.91.2.254 uid 0 \n")
            .On("-n b route get 10.91.2.2", "local 10.91.2.2 dev lo table local src 10.91.2.2 uid 0 \n")
            .On("-n b route get 10.91.1.1", "10.91.1.1 via 10.91.2.254 dev b0 src 10.91.2.2 uid 0 \n")
            .On("ip netns exec r sysctl -n net.ipv4.ip_forward", "0\n")
            .On("ping", FakeRunner.PingLost("10.91.2.2"), 1);

        var (result, _) = await Walk(topology, a.Id, "10.91.2.2", runner);

        var cause = result.RootCause!;
        Assert.Equal((DiagnosisRules.ForwardingDisabled, r.Id, (string?)null), (cause.Rule, cause.NamespaceId, cause.Interface));
        Assert.Equal(["ip netns exec r sysctl -w net.ipv4.ip_forward=1"], cause.Fix);
        Assert.Equal([HopKinds.Source, HopKinds.Router, HopKinds.Destination], result.Path.Select(h => h.Kind));
        Assert.Equal(("r0", "r1"), (result.Path[1].In, result.Path[1].Out));
    }

    [Fact]
    public async Task A_namespace_that_vanishes_mid_walk_gives_a_failed_step_and_a_verdict()
    {
        var b = new TopologyBuilder();
        var (red, blue, _, _) = b.SeedPair();
        var topology = b.Build();
        var runner = HealthySeed()
            .On("-n pod-blue route get", "", 1, "Cannot open network namespace \"pod-blue\": No such file or directory\n")
            .On("ping", FakeRunner.PingLost("10.0.1.2"), 1);

        var (result, _) = await Walk(topology, red.Id, "10.0.1.2", runner);

        Assert.Equal(Verdicts.Unreachable, result.Verdict);
        Assert.Equal((FindingRules.NamespaceRemoved, blue.Id), (result.RootCause!.Rule, result.RootCause.NamespaceId));
    }

    [Fact]
    public async Task A_broken_runner_ends_the_walk_with_a_warning_not_an_exception()
    {
        var b = new TopologyBuilder();
        var (red, _, _, _) = b.SeedPair();
        var runner = HealthySeed().Throw("ethtool");

        var (result, _) = await Walk(b.Build(), red.Id, "10.0.1.2", runner);

        Assert.Equal(Verdicts.Unreachable, result.Verdict);
        Assert.Equal("internal", result.Steps[^1].Name);
        Assert.Contains(result.Warnings, w => w.Contains("the runner broke", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unexplained_loss_is_followed_with_tcpdump_on_every_interface_of_the_path()
    {
        var b = new TopologyBuilder();
        var (red, blue, _, _) = b.SeedPair();
        var runner = HealthySeed()
            .On("ping", FakeRunner.PingLost("10.0.1.2"), 1)
            .On("tcpdump -i veth-red", "12:00:00.000001 IP 10.0.1.1 > 10.0.1.2: ICMP echo request, id 1, seq 1, length 64\n", 124)
            .On("tcpdump -i veth-blue", "", 124);

        var (result, _) = await Walk(b.Build(), red.Id, "10.0.1.2", runner);

        Assert.Null(result.RootCause);
        var captures = result.Steps.Where(s => s.Name == "capture").ToList();
        Assert.Equal(["veth-red", "veth-blue"], captures.Select(c => c.Interface));
        Assert.Equal("ip netns exec pod-red tcpdump -i veth-red -n -l -c 20 'icmp and host 10.0.1.2'", captures[0].Command);
        Assert.Equal([StepStatus.Pass, StepStatus.Warn], captures.Select(c => c.Status));
        Assert.Contains(result.Warnings, w => w.Contains("last seen on veth-red in pod-red", StringComparison.Ordinal));
        Assert.Equal(StepStatus.Fail, result.Steps.Single(s => s.Name == "ping-again").Status);
        Assert.Contains(runner.Ran, c => c.Program == "timeout" && c.Arguments[0] == "-s" && c.Arguments[1] == "INT");
        _ = blue;
    }

    [Fact]
    public async Task A_path_that_answers_the_second_ping_is_reachable_with_a_warning_that_it_came_up_meanwhile()
    {
        var b = new TopologyBuilder();
        var (red, _, _, _) = b.SeedPair();
        var runner = HealthySeed()
            .OnCalls("ping -n -c 3", (FakeRunner.PingLost("10.0.1.2"), 1), (FakeRunner.PingOk("10.0.1.2"), 0))
            .On("tcpdump -i veth-red", "12:00:00.000001 IP 10.0.1.1 > 10.0.1.2: ICMP echo request, id 1, seq 1, length 64\n", 124)
            .On("tcpdump -i veth-blue", "12:00:00.000002 IP 10.0.1.2 > 10.0.1.1: ICMP echo reply, id 1, seq 1, length 64\n", 124);

        var (result, streamed) = await Walk(b.Build(), red.Id, "10.0.1.2", runner);

        Assert.Equal(Verdicts.Reachable, result.Verdict);
        Assert.Null(result.RootCause);
        Assert.Equal(StepStatus.Fail, result.Steps.Single(s => s.Name == "ping").Status);
        var again = result.Steps.Single(s => s.Name == "ping-again");
        Assert.Equal(StepStatus.Pass, again.Status);
        Assert.Equal("ip netns exec pod-red ping -n -c 3 -i 0.2 -W 1 10.0.1.2", again.Command);
        Assert.Equal(2, runner.Ran.Count(c => c.Display.Contains("ping -n -c 3", StringComparison.Ordinal)));
        Assert.Contains(result.Warnings, w => w.StartsWith("The first ping got no answer, the second (3 of 3 answered) did", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("No step of the walk explains", StringComparison.Ordinal) || w.Contains("last seen", StringComparison.Ordinal));
        Assert.Equal(result.Steps.Select(s => s.Name), streamed.Select(s => s.Name));
    }

    [Fact]
    public async Task Without_tcpdump_an_unexplained_loss_is_still_pinged_again_and_the_capture_is_skipped()
    {
        var b = new TopologyBuilder();
        var (red, _, _, _) = b.SeedPair();
        var runner = HealthySeed().On("ping -n -c 3", FakeRunner.PingLost("10.0.1.2"), 1);

        var (result, _) = await Walk(b.Build(), red.Id, "10.0.1.2", runner, DiagnosisTools.All with { Tcpdump = false });

        Assert.Equal(Verdicts.Unreachable, result.Verdict);
        Assert.Equal(StepStatus.Fail, result.Steps.Single(s => s.Name == "ping-again").Status);
        Assert.Equal(StepStatus.Skip, result.Steps.Single(s => s.Name == "capture").Status);
        Assert.DoesNotContain(runner.Ran, c => c.Display.Contains("tcpdump", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w == "No step of the walk explains why ping failed.");
    }

    [Fact]
    public async Task Through_a_bridge_the_destination_pods_host_side_port_is_checked()
    {
        var b = new TopologyBuilder();
        var (node, bridge, pods) = b.CniBridge(3);
        pods[1].HostEnd.Down();
        var topology = b.Build();
        var runner = new FakeRunner()
            .On("route get 10.88.0.3", "10.88.0.3 dev eth0 src 10.88.0.2 uid 0 \n")
            .On($"nsenter -t {pods[1].Pod.Pids[0]} -n ip route get 10.88.0.3", "local 10.88.0.3 dev lo table local src 10.88.0.3 uid 0 \n")
            .On("ping", FakeRunner.PingLost("10.88.0.3"), 1);

        var (result, _) = await Walk(topology, pods[0].Pod.Id, "10.88.0.3", runner);

        var cause = result.RootCause!;
        Assert.Equal((FindingRules.InterfaceDown, node.Id, pods[1].HostEnd.Name, "bridge-port"), (cause.Rule, cause.NamespaceId, cause.Interface, cause.Step));
        Assert.Equal([$"ip -n node link set {pods[1].HostEnd.Name} up"], cause.Fix);
        Assert.Equal(StepStatus.Pass, result.Steps.Single(s => s.Name == "bridge").Status);
        Assert.Equal(StepStatus.Warn, result.Steps.Single(s => s.Name == "far-end").Status);
        Assert.Equal(HopKinds.Bridge, result.Path[1].Kind);
        Assert.Equal((pods[0].HostEnd.Name, pods[1].HostEnd.Name), (result.Path[1].In, result.Path[1].Out));
        _ = bridge;
    }

    [Fact]
    public async Task An_mtu_mismatch_warns_and_runs_a_large_ping_with_dont_fragment()
    {
        var b = new TopologyBuilder();
        var (red, _, _, vethBlue) = b.SeedPair();
        vethBlue.WithMtu(1400);
        var runner = HealthySeed().On("-M do", "PING 10.0.1.2 (10.0.1.2) 1472(1500) bytes of data.\n\n--- 10.0.1.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n", 1);

        var (result, _) = await Walk(b.Build(), red.Id, "10.0.1.2", runner);

        Assert.Equal(Verdicts.Reachable, result.Verdict);
        Assert.Null(result.RootCause);
        var mtu = result.Steps.Single(s => s.Name == "mtu");
        Assert.Equal((StepStatus.Warn, FindingRules.MtuMismatch, "veth-red"), (mtu.Status, mtu.Rule, mtu.Interface));
        Assert.Equal(["ip -n pod-red link set veth-red mtu 1400"], mtu.Fix);
        var large = result.Steps.Single(s => s.Name == "ping-large");
        Assert.Equal(StepStatus.Warn, large.Status);
        Assert.Equal("ip netns exec pod-red ping -n -M do -s 1472 -c 1 -W 1 -w 1 10.0.1.2", large.Command);
        Assert.Contains(result.Warnings, w => w.StartsWith("mtu-mismatch", StringComparison.Ordinal));
    }
}
