using Dashboard.Server.Analysis;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Analysis;

/// <summary>
/// The rules on what discovery reads from real namespaces (kernel operstates, connected and local
/// routes, link-local addresses): each failure mode of the seed document gives exactly its finding,
/// and the healthy layouts give none. Only the findings in this test's namespaces are looked at.
/// </summary>
public sealed class RealNamespaceTests : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public void The_seed_pair_and_a_cni_bridge_give_no_findings()
    {
        _net.AddSeedPair();
        var node = _net.AddNamespace("node");
        for (int i = 1; i <= 2; i++)
        {
            var pod = _net.AddNamespace($"pod{i}");
            _net.CniAdd(node, pod, "10.79.0.0/16");
            Run.Ip("-n", pod, "link", "set", "lo", "up");
        }
        Run.Ip("-n", node, "link", "set", "lo", "up");
        _net.Settle();

        Assert.Empty(Findings());
    }

    [Fact]
    public void A_downed_veth_is_one_finding_on_it()
    {
        var (_, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "down");
        _net.Settle();

        var f = Assert.Single(Findings());
        Assert.Equal((FindingRules.InterfaceDown, TestNet.Id(blue), "veth-blue"), (f.Rule, f.NamespaceId, f.Interface));
        Assert.Equal([$"ip -n {blue} link set veth-blue up"], f.Fix);
    }

    [Fact]
    public void A_missing_address_is_one_finding_with_the_address_to_add()
    {
        var (red, _) = _net.AddSeedPair();
        Run.Ip("-n", red, "addr", "del", "10.0.1.1/24", "dev", "veth-red");

        var f = Assert.Single(Findings());
        Assert.Equal((FindingRules.NoIpAddress, TestNet.Id(red), "veth-red"), (f.Rule, f.NamespaceId, f.Interface));
        Assert.Equal([$"ip -n {red} addr add 10.0.1.1/24 dev veth-red"], f.Fix);
    }

    [Fact]
    public void A_wrong_subnet_is_one_finding_with_the_replacement()
    {
        var (red, _) = _net.AddSeedPair();
        Run.Ip("-n", red, "addr", "del", "10.0.1.1/24", "dev", "veth-red");
        Run.Ip("-n", red, "addr", "add", "10.0.2.1/24", "dev", "veth-red");

        var f = Assert.Single(Findings());
        Assert.Equal((FindingRules.SubnetMismatch, TestNet.Id(red), "veth-red"), (f.Rule, f.NamespaceId, f.Interface));
        Assert.Equal([$"ip -n {red} addr del 10.0.2.1/24 dev veth-red", $"ip -n {red} addr add 10.0.1.1/24 dev veth-red"], f.Fix);
    }

    [Fact]
    public void Mtu_lo_and_route_problems_are_one_finding_each()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "mtu", "1400");
        Run.Ip("-n", blue, "link", "set", "lo", "down");
        Run.Ip("-n", red, "route", "del", "10.0.1.0/24");
        _net.Settle();

        var findings = Findings().OrderBy(f => f.Rule, StringComparer.Ordinal).ToList();

        Assert.Equal(
            [(FindingRules.LoopbackDown, TestNet.Id(blue), "lo"), (FindingRules.MtuMismatch, TestNet.Id(red), "veth-red"), (FindingRules.NoRoute, TestNet.Id(red), "veth-red")],
            findings.Select(f => (f.Rule, f.NamespaceId, f.Interface)));
        Assert.Equal([$"ip -n {blue} link set lo up"], findings[0].Fix);
        Assert.Equal([$"ip -n {red} link set veth-red mtu 1400"], findings[1].Fix);
        Assert.Equal([$"ip -n {red} route add 10.0.1.0/24 dev veth-red"], findings[2].Fix);
    }

    [Fact]
    public void A_deleted_pair_and_a_deleted_namespace_are_remembered()
    {
        var (red, blue) = _net.AddSeedPair();
        var other = _net.AddNamespace("other");
        _net.AddVeth(red, "veth-o", other, "veth-r");
        var tracker = new FindingsTracker();
        var t0 = DateTimeOffset.UtcNow;
        tracker.Update(Discover.Now(), t0);
        var (redId, blueId, otherId) = (TestNet.Id(red), TestNet.Id(blue), TestNet.Id(other));

        Run.Ip("-n", red, "link", "del", "veth-red");
        Run.Ip("netns", "delete", other);
        // The kernel tears a deleted namespace down asynchronously: wait until its pair is gone too.
        Oracle.WaitFor(() => Oracle.Links(red).All(l => l.Name != "veth-o"));
        var findings = Mine(tracker.Update(Discover.Now(), t0.AddSeconds(1)), redId, blueId, otherId);

        Assert.True(findings.Count == 2, FindingAssert.Describe(findings));
        var pair = findings.Single(f => f.Rule == FindingRules.VethPairRemoved);
        Assert.Equal([$"ip -n {blue} link add veth-blue type veth peer name veth-red netns {red}", $"ip -n {blue} addr add 10.0.1.2/24 dev veth-blue",
            $"ip -n {blue} link set veth-blue up", $"ip -n {red} addr add 10.0.1.1/24 dev veth-red", $"ip -n {red} link set veth-red up"], pair.Fix);
        var ns = findings.Single(f => f.Rule == FindingRules.NamespaceRemoved);
        Assert.Equal(otherId, ns.NamespaceId);
        Assert.Equal($"ip netns add {other}", ns.Fix[0]);
        Assert.Contains("veth-o", ns.Evidence, StringComparison.Ordinal);
    }

    private List<Finding> Findings() => Mine(Rules.Evaluate(Discover.Now()), [.. _net.Namespaces.Select(TestNet.Id)]);

    private static List<Finding> Mine(IEnumerable<Finding> findings, params string[] ids) =>
        findings.Where(f => ids.Contains(f.NamespaceId)).ToList();

    public void Dispose() => _net.Dispose();
}
