using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Monitoring;

/// <summary>
/// Every rule of the failure-mode table against the real server, live (GET /api/findings, never
/// fresh=true): a healthy layout has no findings; broken with `ip` the way the seed document breaks
/// it, it has exactly that finding on exactly that object; the finding's own fix commands, run as
/// given, make it go away. The healthy seed pair and a healthy CNI bridge with pods have no error
/// or warning. Only the findings of each test's own namespaces are looked at.
/// </summary>
public sealed partial class RuleLiveTests : IClassFixture<SharedServer>, IDisposable
{
    // ---- Healthy layouts ------------------------------------------------------------------------

    [Fact]
    public async Task The_healthy_seed_pair_has_no_error_or_warning()
    {
        var (red, _) = _net.AddSeedPair();

        await Expect(f => !f.Any(x => x.Severity is Severities.Error or Severities.Warning), "no error or warning for the seed pair");
        AssertPing(red, "10.0.1.2");
    }

    [Fact]
    public async Task A_healthy_cni_bridge_with_pods_has_no_error_or_warning()
    {
        var (_, pod1, pod2, address1, _) = CniLayout("10.84.0.0/24");

        await Expect(f => !f.Any(x => x.Severity is Severities.Error or Severities.Warning), "no error or warning for the CNI bridge and its pods");
        AssertPing(pod2, Ip(address1));
        AssertPing(pod1, "10.84.0.1");
    }

    // ---- One test per rule: break it, see it, fix it ----------------------------------------------

    [Fact]
    public async Task Interface_down_live_break_and_fix()
    {
        var (red, blue) = Healthy();
        await ExpectNone("the healthy seed pair");

        Run.Ip("-n", red, "link", "set", "veth-red", "down");

        var finding = await ExpectOnly(FindingRules.InterfaceDown, red, "veth-red");
        Assert.Equal([$"ip -n {red} link set veth-red up"], finding.Fix); // the seed's fix
        await FixAndExpectGone(finding);
        AssertPing(red, "10.0.1.2");
        AssertPing(blue, "10.0.1.1");
    }

    [Fact]
    public async Task No_ip_address_live_break_and_fix()
    {
        var (red, _) = Healthy();
        await ExpectNone("the healthy seed pair");

        Run.Ip("-n", red, "addr", "del", "10.0.1.1/24", "dev", "veth-red");

        var finding = await ExpectOnly(FindingRules.NoIpAddress, red, "veth-red");
        Assert.Equal([$"ip -n {red} addr add 10.0.1.1/24 dev veth-red"], finding.Fix); // the seed's fix
        await FixAndExpectGone(finding);
        AssertPing(red, "10.0.1.2");
    }

    [Fact]
    public async Task Subnet_mismatch_live_break_and_fix()
    {
        var (red, _) = Healthy();
        await ExpectNone("the healthy seed pair");

        Run.Ip("-n", red, "addr", "del", "10.0.1.1/24", "dev", "veth-red");
        Run.Ip("-n", red, "addr", "add", "10.0.2.1/24", "dev", "veth-red");

        var finding = await ExpectOnly(FindingRules.SubnetMismatch, red, "veth-red");
        await FixAndExpectGone(finding);
        Assert.Equal(["10.0.1.1/24"], Oracle.Addresses(red)["veth-red"].Where(a => !a.Contains(':', StringComparison.Ordinal)));
        AssertPing(red, "10.0.1.2");
    }

    [Fact]
    public async Task Mtu_mismatch_live_break_and_fix()
    {
        var (red, blue) = Healthy();
        await ExpectNone("the healthy seed pair");

        Run.Ip("-n", blue, "link", "set", "veth-blue", "mtu", "1400");

        // The larger MTU comes down to the smaller one: the finding is on veth-red.
        var finding = await ExpectOnly(FindingRules.MtuMismatch, red, "veth-red");
        await FixAndExpectGone(finding);
        Assert.Equal(1400, Oracle.Links(red).Single(l => l.Name == "veth-red").Mtu);
        AssertPing(red, "10.0.1.2");
    }

    [Fact]
    public async Task Loopback_down_live_break_and_fix()
    {
        var (_, blue) = Healthy();
        await ExpectNone("the healthy seed pair");

        Run.Ip("-n", blue, "link", "set", "lo", "down");

        var finding = await ExpectOnly(FindingRules.LoopbackDown, blue, "lo");
        await FixAndExpectGone(finding);
        AssertPing(blue, "127.0.0.1");
    }

    [Fact]
    public async Task No_route_live_break_and_fix()
    {
        var (red, _) = Healthy();
        await ExpectNone("the healthy seed pair");

        Run.Ip("-n", red, "route", "del", "10.0.1.0/24");

        var finding = await ExpectOnly(FindingRules.NoRoute, red, "veth-red");
        await FixAndExpectGone(finding);
        AssertPing(red, "10.0.1.2");
    }

    [Fact]
    public async Task Duplicate_address_on_a_bridge_live_break_and_fix()
    {
        var (_, pod1, pod2, address1, address2) = CniLayout("10.85.0.0/24");
        await ExpectNone("the healthy CNI bridge with two pods");

        // pod2 takes pod1's address: two interfaces on one bridge with the same address.
        Run.Ip("-n", pod2, "addr", "del", address2, "dev", "eth0");
        Run.Ip("-n", pod2, "addr", "add", address1, "dev", "eth0");

        var finding = await ExpectOnly(FindingRules.DuplicateAddress, pod2, "eth0");
        await FixAndExpectGone(finding);
        var now = Ipv4Of(pod2, "eth0");
        Assert.NotEqual(address1, now);
        AssertPing(pod2, Ip(address1));
        AssertPing(pod1, Ip(now));
    }

    [Fact]
    public async Task Peer_missing_live_break_and_fix()
    {
        var (a, hidden, hiddenId, finding) = await PeerMissing();

        // The peer's namespace is unknown: the recreate command carries placeholders and cannot run as
        // given; it and the commands restoring the end it would create are skipped. Deleting the end runs.
        var skipped = RunFix(finding);
        Assert.Equal(finding.Fix.Skip(1), skipped);
        Assert.Contains("<peer-namespace>", skipped[0], StringComparison.Ordinal);
        await Expect(f => f.Count == 1 && IsRemovalOf(f[0], hidden, hiddenId), $"peer-missing gone (only the removal of {hidden} left)");
        Assert.DoesNotContain(Oracle.Links(a), l => l.Name == "veth-a");
    }

    [Fact]
    public async Task Peer_missing_fix_leaves_its_placeholders_bare()
    {
        var (_, _, _, finding) = await PeerMissing();

        // A quoted '<peer-name>' is a literal to the shell: filling in <peer-namespace> alone would
        // create a peer literally named "<peer-name>" instead of failing on the unfilled placeholder.
        var quoted = finding.Fix.Where(c => FixCommand.Parse(c).QuotedPlaceholders.Count > 0).ToList();
        Assert.True(quoted.Count == 0, $"placeholders written inside quotes (literal text to a shell):\n{string.Join("\n", quoted)}");
    }

    [Fact]
    public async Task Veth_pair_removed_live_break_and_fix()
    {
        var (red, blue) = Healthy();
        await ExpectNone("the healthy seed pair");

        Run.Ip("-n", red, "link", "del", "veth-red");

        // Reported in the namespace that sorts first ("…-pod-blue").
        var finding = await ExpectOnly(FindingRules.VethPairRemoved, blue, "veth-blue");
        Assert.Equal($"ip -n {blue} link add veth-blue type veth peer name veth-red netns {red}", finding.Fix[0]);
        RunFix(finding);

        // The pair is back as it was, and the removal is cleared once the dashboard sees it back.
        await ExpectNone("the removal cleared after the pair was recreated");
        AssertSeedPairBack(red, blue);
    }

    [Fact]
    public async Task Namespace_removed_live_break_and_fix()
    {
        var (red, blue) = Healthy();
        await ExpectNone("the healthy seed pair");
        var blueId = TestNet.Id(blue);

        Run.Ip("netns", "delete", blue);

        // One finding: the namespace (its pair went with it and is named there, not reported again).
        var finding = await ExpectOnly(FindingRules.NamespaceRemoved, blue, null, blueId);
        Assert.Equal($"ip netns add {blue}", finding.Fix[0]);
        Assert.Contains($"ip -n {red} link add veth-red type veth peer name veth-blue netns {blue}", finding.Fix);
        RunFix(finding);

        // The namespace and its pair are back as they were, and the removal is cleared.
        await ExpectNone("the removal cleared after the namespace was recreated");
        AssertSeedPairBack(red, blue);
        Assert.Contains("UP", Oracle.Links(blue).Single(l => l.Name == "lo").Flags);
    }

    [Fact]
    public void Fix_commands_split_like_a_shell_would_without_one()
    {
        Assert.Equal(["ip", "-n", "pod red", "link", "set", "veth-red", "up"], FixCommand.Parse("ip -n 'pod red' link set veth-red up").Arguments);
        Assert.Equal(["ip", "-n", "it's", "link"], FixCommand.Parse(@"ip -n 'it'\''s' link").Arguments);
        Assert.Equal(["nsenter", "--net=/run/docker/netns/x y", "ip"], FixCommand.Parse("nsenter --net='/run/docker/netns/x y' ip").Arguments);
        var p = FixCommand.Parse("ip -n a link add v type veth peer name <peer-name> netns <peer-namespace>");
        Assert.Equal(["<peer-name>", "<peer-namespace>"], p.Placeholders);
        Assert.Equal(["<peer-name>"], FixCommand.Parse("ip link add v type veth peer name '<peer-name>'").QuotedPlaceholders);
        Assert.Throws<FormatException>(() => FixCommand.Parse("ip link; reboot"));
        Assert.Throws<FormatException>(() => FixCommand.Parse("ip -n 'open link"));
    }

    // ---- Layouts and checks ---------------------------------------------------------------------

    /// <summary>
    /// A veth whose peer's namespace still exists but can no longer be found: a healthy pair between
    /// "a" and "hidden", then hidden's name is deleted while a process in the root namespace keeps the
    /// namespace alive through an open descriptor. Waits for exactly one peer-missing, on a/veth-a.
    /// </summary>
    private async Task<(string A, string Hidden, string HiddenId, Finding Finding)> PeerMissing()
    {
        var a = _net.AddNamespace("a");
        var hidden = _net.AddNamespace("hidden");
        _net.AddVeth(a, "veth-a", hidden, "veth-x");
        _net.Address(a, "veth-a", "10.0.5.1/24");
        _net.Address(hidden, "veth-x", "10.0.5.2/24");
        foreach (var (ns, ifName) in new[] { (a, "veth-a"), (hidden, "veth-x"), (a, "lo"), (hidden, "lo") })
            _net.Up(ns, ifName);
        await ExpectNone("a healthy pair between a and hidden");
        var hiddenId = TestNet.Id(hidden);
        var holder = HoldByDescriptor(hidden);

        Run.Ip("netns", "delete", hidden);

        // From the dashboard's side the namespace is gone, so it is also listed as removed (by design:
        // it stays listed for the retention time). Besides that, exactly one peer-missing on veth-a.
        var aId = TestNet.Id(a);
        var findings = await Expect(
            f => f.Count == 2 && f.Count(x => IsRemovalOf(x, hidden, hiddenId)) == 1
                 && f.Any(x => x.Rule == FindingRules.PeerMissing && x.NamespaceId == aId && x.Interface == "veth-a"),
            $"exactly one peer-missing on {a}/veth-a (and the removal of {hidden})");
        var finding = findings.Single(f => f.Rule == FindingRules.PeerMissing);
        _output.WriteLine($"finding: {Describe(finding)}");
        Assert.Equal(a, finding.NamespaceName);
        Assert.True(TestNet.TryNamespaceInode($"/proc/{holder.Id}/fd/3") == hiddenId, "the hidden namespace is still alive");
        return (a, hidden, hiddenId, finding);
    }

    private static bool IsRemovalOf(Finding f, string ns, string id) =>
        f.Rule == FindingRules.NamespaceRemoved && f.NamespaceId == id && f.NamespaceName == ns;

    private (string Red, string Blue) Healthy() => _net.AddSeedPair();

    /// <summary>A node namespace with the CNI bridge plugin's cni0 and two pods on it, lo up everywhere.</summary>
    private (string Node, string Pod1, string Pod2, string Address1, string Address2) CniLayout(string subnet)
    {
        var node = _net.AddNamespace("node");
        var pod1 = _net.AddNamespace("pod1");
        var pod2 = _net.AddNamespace("pod2");
        var address1 = _net.CniAdd(node, pod1, subnet)["ips"]![0]!["address"]!.GetValue<string>();
        var address2 = _net.CniAdd(node, pod2, subnet)["ips"]![0]!["address"]!.GetValue<string>();
        foreach (var ns in new[] { node, pod1, pod2 }) _net.Up(ns, "lo");
        return (node, pod1, pod2, address1, address2);
    }

    /// <summary>Breaks nothing more: runs the fix as given and waits until no finding is left.</summary>
    private async Task FixAndExpectGone(Finding finding)
    {
        Assert.Empty(RunFix(finding));
        await ExpectNone($"{finding.Rule} gone after its fix");
    }

    private void AssertSeedPairBack(string red, string blue)
    {
        Assert.Equal("10.0.1.1/24", Ipv4Of(red, "veth-red"));
        Assert.Equal("10.0.1.2/24", Ipv4Of(blue, "veth-blue"));
        Assert.Contains("UP", Oracle.Links(red).Single(l => l.Name == "veth-red").Flags);
        Assert.Contains("UP", Oracle.Links(blue).Single(l => l.Name == "veth-blue").Flags);
        AssertPing(red, "10.0.1.2");
    }

    private static string Ipv4Of(string ns, string ifName) =>
        Assert.Single(Oracle.Addresses(ns)[ifName], a => !a.Contains(':', StringComparison.Ordinal));

    private static string Ip(string cidr) => cidr.Split('/')[0];
}
