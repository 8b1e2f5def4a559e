using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>
/// One test per cause, on real namespaces through the real server: build the layout, break it the seed's
/// way, diagnose (POST /api/diagnoses), check the verdict and the root cause's rule and object, run the
/// fix as given, and diagnose again. Pings go only to addresses of this test's own namespaces.
/// Timings are printed, not asserted.
/// </summary>
public sealed class DiagnosisCauseTests(SharedServer server, ITestOutputHelper output) : IClassFixture<SharedServer>, IDisposable
{
    private readonly TestNet _net = new();

    private HttpClient Client => server.Client;

    private Task<Shared.Diagnosis> Diagnose(string source, string destination) => Diagnosis.Diagnose.Run(Client, output, source, destination);

    [Fact]
    public async Task A_healthy_veth_pair_is_reachable_and_every_step_passes()
    {
        var (red, blue) = _net.AddSeedPair();

        var d = await Diagnose(red, $"{blue}/veth-blue");

        Diagnosis.Diagnose.AssertReachable(d);
        Assert.Equal("10.0.1.2", d.Destination);
        Assert.Equal($"{blue}/veth-blue", d.DestinationReference);
        Assert.Equal((TestNet.Id(red), red), (d.Source.NamespaceId, d.Source.Name));
        Assert.DoesNotContain(d.Steps, s => s.Status is StepStatus.Fail or StepStatus.Warn);
        var route = d.Steps.First(s => s.Name == "route-lookup");
        Assert.Equal($"ip -n {red} route get 10.0.1.2", route.Command);
        Assert.StartsWith("10.0.1.2 dev veth-red src 10.0.1.1", route.Output, StringComparison.Ordinal);
        var peer = d.Steps.Single(s => s.Name == "veth-peer");
        Assert.Contains("peer_ifindex", peer.Output, StringComparison.Ordinal);
        Assert.Contains($"veth-blue (ifindex {Oracle.EthtoolPeerIndex(red, "veth-red")}) in {blue}", peer.Detail, StringComparison.Ordinal);
        Assert.Equal([HopKinds.Source, HopKinds.Destination], d.Path.Select(h => h.Kind));
        Assert.Equal(("veth-red", "veth-blue"), (d.Path[0].Out, d.Path[1].In));
        Assert.Contains(d.Steps, s => s.Name == "neighbour" && s.Status == StepStatus.Pass);
    }

    [Fact]
    public async Task The_peer_down_is_interface_down_on_the_peer_and_its_fix_makes_it_reachable()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "down");
        _net.Settle();

        var d = await Diagnose(red, "10.0.1.2");

        var cause = Diagnosis.Diagnose.AssertRootCause(d, FindingRules.InterfaceDown, blue, "veth-blue");
        Assert.Equal([$"ip -n {blue} link set veth-blue up"], cause.Fix);
        Diagnosis.Diagnose.RunFix(output, cause.Fix);
        _net.Settle();
        Diagnosis.Diagnose.AssertReachable(await Diagnose(red, "10.0.1.2"));
    }

    [Fact]
    public async Task No_address_at_the_source_is_no_ip_address_and_the_planned_address_fixes_it()
    {
        var red = _net.AddNamespace("pod-red");
        var blue = _net.AddNamespace("pod-blue");
        _net.AddVeth(red, "veth-red", blue, "veth-blue");
        _net.Address(blue, "veth-blue", "10.0.1.2/24");
        _net.Up(red, "veth-red");
        _net.Up(blue, "veth-blue");
        _net.Up(red, "lo");

        var d = await Diagnose(red, "10.0.1.2");

        var cause = Diagnosis.Diagnose.AssertRootCause(d, FindingRules.NoIpAddress, red, "veth-red");
        Assert.Equal([$"ip -n {red} addr add 10.0.1.1/24 dev veth-red"], cause.Fix);
        Assert.Equal("route-lookup", cause.Step);
        Diagnosis.Diagnose.RunFix(output, cause.Fix);
        Diagnosis.Diagnose.AssertReachable(await Diagnose(red, "10.0.1.2"));
    }

    [Fact]
    public async Task The_wrong_subnet_is_subnet_mismatch_and_renumbering_fixes_it()
    {
        var red = _net.AddNamespace("pod-red");
        var blue = _net.AddNamespace("pod-blue");
        _net.AddVeth(red, "veth-red", blue, "veth-blue");
        _net.Address(red, "veth-red", "10.0.1.1/24");
        _net.Address(blue, "veth-blue", "10.0.2.2/24");
        _net.Up(red, "veth-red");
        _net.Up(blue, "veth-blue");

        var d = await Diagnose(red, $"{blue}/veth-blue");

        var cause = Diagnosis.Diagnose.AssertRootCause(d, FindingRules.SubnetMismatch, red, "veth-red");
        Assert.Equal([$"ip -n {red} addr del 10.0.1.1/24 dev veth-red", $"ip -n {red} addr add 10.0.2.1/24 dev veth-red"], cause.Fix);
        Diagnosis.Diagnose.RunFix(output, cause.Fix);
        Diagnosis.Diagnose.AssertReachable(await Diagnose(red, "10.0.2.2"));
    }

    [Fact]
    public async Task Through_a_cni_bridge_healthy_then_the_pods_host_side_veth_down_then_the_bridge_down()
    {
        var node = _net.AddNamespace("node");
        var pod1 = _net.AddNamespace("pod1");
        var pod2 = _net.AddNamespace("pod2");
        _net.CniAdd(node, pod1, "10.86.0.0/24");
        var result = _net.CniAdd(node, pod2, "10.86.0.0/24");
        var pod2Address = result["ips"]![0]!["address"]!.GetValue<string>().Split('/')[0];
        var nsids = Oracle.NsidNames(node);
        var hostEnd = Oracle.Links(node).Single(l => l.Master == "cni0" && l.LinkNetnsId is { } id && nsids.GetValueOrDefault(id) == pod2).Name;

        var healthy = await Diagnose(pod1, $"{pod2}/eth0");
        Diagnosis.Diagnose.AssertReachable(healthy);
        Assert.Equal(pod2Address, healthy.Destination);
        Assert.Equal([HopKinds.Source, HopKinds.Bridge, HopKinds.Destination], healthy.Path.Select(h => h.Kind));
        Assert.Equal((node, hostEnd), (healthy.Path[1].NamespaceName, healthy.Path[1].Out));
        Assert.Equal(StepStatus.Pass, healthy.Steps.Single(s => s.Name == "bridge").Status);

        Run.Ip("-n", node, "link", "set", hostEnd, "down");
        _net.Settle();
        var portDown = await Diagnose(pod1, pod2Address);
        var cause = Diagnosis.Diagnose.AssertRootCause(portDown, FindingRules.InterfaceDown, node, hostEnd);
        Assert.Equal("bridge-port", cause.Step);
        Assert.Equal([$"ip -n {node} link set {hostEnd} up"], cause.Fix);
        Diagnosis.Diagnose.RunFix(output, cause.Fix);
        _net.Settle();
        Diagnosis.Diagnose.AssertReachable(await Diagnose(pod1, pod2Address));

        Run.Ip("-n", node, "link", "set", "cni0", "down");
        _net.Settle();
        var bridgeDown = await Diagnose(pod1, pod2Address);
        cause = Diagnosis.Diagnose.AssertRootCause(bridgeDown, FindingRules.InterfaceDown, node, "cni0");
        Assert.Equal("bridge", cause.Step);
        Assert.Equal([$"ip -n {node} link set cni0 up"], cause.Fix);
        Diagnosis.Diagnose.RunFix(output, cause.Fix);
        _net.Settle();
        Diagnosis.Diagnose.AssertReachable(await Diagnose(pod1, pod2Address));
    }

    [Fact]
    public async Task An_mtu_mismatch_warns_small_pings_pass_and_large_ones_do_not_until_fixed()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "mtu", "1400");

        var d = await Diagnose(red, "10.0.1.2");

        Diagnosis.Diagnose.AssertReachable(d);
        var mtu = d.Steps.Single(s => s.Name == "mtu");
        Assert.Equal((StepStatus.Warn, FindingRules.MtuMismatch, TestNet.Id(red), "veth-red"), (mtu.Status, mtu.Rule, mtu.NamespaceId, mtu.Interface));
        Assert.Equal([$"ip -n {red} link set veth-red mtu 1400"], mtu.Fix);
        var large = d.Steps.Single(s => s.Name == "ping-large");
        Assert.Equal(StepStatus.Warn, large.Status);
        Assert.Equal($"ip netns exec {red} ping -n -M do -s 1472 -c 1 -W 1 -w 1 10.0.1.2", large.Command);
        Assert.Contains(d.Warnings, w => w.StartsWith(FindingRules.MtuMismatch, StringComparison.Ordinal));

        Diagnosis.Diagnose.RunFix(output, mtu.Fix);
        var after = await Diagnose(red, "10.0.1.2");
        Diagnosis.Diagnose.AssertReachable(after);
        Assert.Equal(StepStatus.Pass, after.Steps.Single(s => s.Name == "mtu").Status);
        Assert.DoesNotContain(after.Steps, s => s.Name == "ping-large");
        var check = Run.Try("ip", ["netns", "exec", red, "ping", "-n", "-M", "do", "-s", "1372", "-c", "1", "-W", "1", "10.0.1.2"]);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
    }

    [Fact]
    public async Task An_nftables_drop_in_the_destination_is_firewall_drop_and_deleting_the_rule_fixes_it()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("netns", "exec", blue, "nft", "add", "table", "inet", "ndtfw");
        Run.Ip("netns", "exec", blue, "nft", "add", "chain", "inet", "ndtfw", "input", "{ type filter hook input priority 0 ; policy accept ; }");
        Run.Ip("netns", "exec", blue, "nft", "add", "rule", "inet", "ndtfw", "input", "ip", "daddr", "10.0.1.2", "icmp", "type", "echo-request", "counter", "drop");

        var d = await Diagnose(red, "10.0.1.2");

        var cause = Diagnosis.Diagnose.AssertRootCause(d, DiagnosisRules.FirewallDrop, blue, "veth-blue");
        Assert.Equal("firewall", cause.Step);
        Assert.Contains("table inet ndtfw, chain input, handle", cause.Detail, StringComparison.Ordinal);
        var fix = Assert.Single(cause.Fix);
        Assert.Matches($"^ip netns exec {blue} nft delete rule inet ndtfw input handle [0-9]+$", fix);
        Diagnosis.Diagnose.RunFix(output, cause.Fix);
        Diagnosis.Diagnose.AssertReachable(await Diagnose(red, "10.0.1.2"));
    }

    [Fact]
    public async Task A_routed_two_hop_path_with_forwarding_off_in_the_middle_is_forwarding_disabled()
    {
        var a = _net.AddNamespace("a");
        var r = _net.AddNamespace("r");
        var b = _net.AddNamespace("b");
        _net.AddVeth(a, "a0", r, "r0");
        _net.AddVeth(r, "r1", b, "b0");
        _net.Address(a, "a0", "10.91.1.1/24");
        _net.Address(r, "r0", "10.91.1.254/24");
        _net.Address(r, "r1", "10.91.2.254/24");
        _net.Address(b, "b0", "10.91.2.2/24");
        foreach (var (ns, dev) in new[] { (a, "a0"), (r, "r0"), (r, "r1"), (b, "b0") }) _net.Up(ns, dev);
        Run.Ip("-n", a, "route", "add", "10.91.2.0/24", "via", "10.91.1.254");
        Run.Ip("-n", b, "route", "add", "10.91.1.0/24", "via", "10.91.2.254");
        Run.Ip("netns", "exec", r, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0");

        var d = await Diagnose(a, $"{b}/b0");

        var cause = Diagnosis.Diagnose.AssertRootCause(d, DiagnosisRules.ForwardingDisabled, r, null);
        Assert.Equal([$"ip netns exec {r} sysctl -w net.ipv4.ip_forward=1"], cause.Fix);
        Assert.Equal([HopKinds.Source, HopKinds.Router, HopKinds.Destination], d.Path.Select(h => h.Kind));
        Assert.Equal(("r0", "r1"), (d.Path[1].In, d.Path[1].Out));
        Diagnosis.Diagnose.RunFix(output, cause.Fix);
        var after = await Diagnose(a, "10.91.2.2");
        Diagnosis.Diagnose.AssertReachable(after);
        Assert.Equal(StepStatus.Pass, after.Steps.Single(s => s.Name == "return-route").Status);
    }

    [Fact]
    public async Task An_ipv6_destination_is_walked_the_same_way()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", red, "addr", "add", "fd00:91::1/64", "dev", "veth-red", "nodad");
        Run.Ip("-n", blue, "addr", "add", "fd00:91::2/64", "dev", "veth-blue", "nodad");

        var d = await Diagnose(red, "fd00:91::2");

        Diagnosis.Diagnose.AssertReachable(d);
        Assert.Equal("fd00:91::2", d.Destination);
        Assert.Equal([HopKinds.Source, HopKinds.Destination], d.Path.Select(h => h.Kind));
        Assert.Equal(StepStatus.Pass, d.Steps.Single(s => s.Name == "return-route").Status);
        Assert.Contains("fd00:91::1/64 covers the destination", d.Steps.Single(s => s.Name == "egress-interface").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cause_the_walk_does_not_know_is_followed_with_tcpdump()
    {
        // The destination does not answer ARP: every checked step passes, ping does not.
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "arp", "off");

        var d = await Diagnose(red, "10.0.1.2");

        Assert.Equal(Verdicts.Unreachable, d.Verdict);
        Assert.Null(d.RootCause);
        var captures = d.Steps.Where(s => s.Name == "capture").ToList();
        Assert.Equal(["veth-red", "veth-blue"], captures.Select(c => c.Interface));
        Assert.StartsWith($"ip netns exec {red} tcpdump -i veth-red -n", captures[0].Command, StringComparison.Ordinal);
        Assert.Contains(d.Warnings, w => w.Contains("No step of the walk explains", StringComparison.Ordinal));
        Assert.Contains(d.Steps, s => s.Name == "neighbour" && s.Status == StepStatus.Warn);
        Assert.Equal(StepStatus.Fail, d.Steps.Single(s => s.Name == "ping-again").Status);
    }

    public void Dispose() => _net.Dispose();
}
