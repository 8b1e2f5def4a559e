using Dashboard.Server.Analysis;
using Dashboard.Shared;
using static Dashboard.Server.Tests.Analysis.FindingAssert;

namespace Dashboard.Server.Tests.Analysis;

public sealed class FindingsTrackerTests
{
    private static readonly DateTimeOffset T0 = TopologyBuilder.T0;

    [Fact]
    public void The_same_problem_keeps_the_same_url_safe_id()
    {
        var b = new TopologyBuilder();
        var (_, _, vethRed, vethBlue) = b.SeedPair();
        vethBlue.Down();
        vethRed.WithMtu(1400);

        var first = Rules.Evaluate(b.Build(T0));
        var second = Rules.Evaluate(b.Build(T0.AddMinutes(1)));

        Assert.Equal(2, first.Count);
        Assert.Equal(first.Select(f => f.Id), second.Select(f => f.Id));
        Assert.Equal(first.Count, first.Select(f => f.Id).Distinct().Count());
        Assert.All(first, f => Assert.Matches("^[a-z0-9-]+$", f.Id));
        Assert.All(first, f => Assert.StartsWith(f.Rule + "-", f.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void Findings_are_sorted_errors_first_then_by_namespace_and_interface()
    {
        var b = new TopologyBuilder();
        var (red, blue, vethRed, vethBlue) = b.SeedPair();
        red.Interface("lo").Down();        // warning in pod-red
        vethBlue.WithMtu(9000);            // warning in pod-blue
        vethRed.Down();                    // error in pod-red

        var findings = Rules.Evaluate(b.Build());

        Assert.Equal(
            [(FindingRules.InterfaceDown, "pod-red"), (FindingRules.MtuMismatch, "pod-blue"), (FindingRules.LoopbackDown, "pod-red")],
            findings.Select(f => (f.Rule, f.NamespaceName!)));
    }

    [Fact]
    public void Since_is_the_first_time_a_finding_was_seen_until_it_goes_away()
    {
        var b = new TopologyBuilder();
        var (_, _, _, vethBlue) = b.SeedPair();
        var tracker = new FindingsTracker();
        vethBlue.Down();

        Assert.Equal(T0, tracker.Update(b.Build(T0), T0).Single().Since);
        Assert.Equal(T0, tracker.Update(b.Build(T0.AddSeconds(5)), T0.AddSeconds(5)).Single().Since);

        vethBlue.AdminUp = true;
        Assert.Empty(tracker.Update(b.Build(T0.AddSeconds(10)), T0.AddSeconds(10)));

        vethBlue.Down();
        var again = tracker.Update(b.Build(T0.AddSeconds(15)), T0.AddSeconds(15)).Single();
        Assert.Equal(T0.AddSeconds(15), again.Since);
        Assert.Same(tracker.Current[0], again);
    }

    [Fact]
    public void Nothing_counts_as_removed_on_the_first_topology()
    {
        var b = new TopologyBuilder();
        b.Root();
        b.SeedPair();
        var tracker = new FindingsTracker();

        Assert.Empty(tracker.Update(b.Build(), T0));
    }

    [Fact]
    public void A_deleted_namespace_is_remembered_with_its_pairs_and_forgotten_after_the_retention()
    {
        var b = new TopologyBuilder();
        b.Root();
        var (red, blue, _, _) = b.SeedPair();
        var tracker = new FindingsTracker(TimeSpan.FromMinutes(10));
        tracker.Update(b.Build(T0), T0);

        b.Remove(blue);
        var t1 = T0.AddSeconds(30);
        var f = Assert.Single(tracker.Update(b.Build(t1), t1));

        Assert.Equal(FindingRules.NamespaceRemoved, f.Rule);
        Assert.Equal(Severities.Warning, f.Severity);
        Assert.Equal(blue.Id, f.NamespaceId);
        Assert.Equal("pod-blue", f.NamespaceName);
        Assert.Null(f.Interface);
        Assert.Equal("Namespace pod-blue was deleted", f.Title);
        Assert.Contains("/run/netns/pod-blue", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("veth-red (pod-red) ↔ veth-blue (pod-blue)", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(t1, f.Since);
        Assert.Equal(
        [
            "ip netns add pod-blue",
            "ip -n pod-blue link set lo up",
            "ip -n pod-red link add veth-red type veth peer name veth-blue netns pod-blue",
            "ip -n pod-red addr add 10.0.1.1/24 dev veth-red",
            "ip -n pod-red link set veth-red up",
            "ip -n pod-blue addr add 10.0.1.2/24 dev veth-blue",
            "ip -n pod-blue link set veth-blue up",
        ], f.Fix);

        var t2 = T0.AddMinutes(10);
        Assert.Equal(f.Id, Assert.Single(tracker.Update(b.Build(t2), t2)).Id);
        var t3 = t1.AddMinutes(10);
        Assert.Empty(tracker.Update(b.Build(t3), t3));
        Assert.NotNull(red);
    }

    [Fact]
    public void A_deleted_pair_is_remembered_with_the_commands_to_recreate_it()
    {
        var b = new TopologyBuilder();
        var (_, blue, vethRed, _) = b.SeedPair();
        var tracker = new FindingsTracker();
        tracker.Update(b.Build(T0), T0);

        b.Delete(vethRed);
        var t1 = T0.AddSeconds(2);
        var f = Assert.Single(tracker.Update(b.Build(t1), t1));

        Assert.Equal(FindingRules.VethPairRemoved, f.Rule);
        Assert.Equal(Severities.Warning, f.Severity);
        Is(f, FindingRules.VethPairRemoved, blue, "veth-blue");
        Assert.Contains("veth-red had 10.0.1.1/24", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(
        [
            "ip -n pod-blue link add veth-blue type veth peer name veth-red netns pod-red",
            "ip -n pod-blue addr add 10.0.1.2/24 dev veth-blue",
            "ip -n pod-blue link set veth-blue up",
            "ip -n pod-red addr add 10.0.1.1/24 dev veth-red",
            "ip -n pod-red link set veth-red up",
        ], f.Fix);

        // Still listed on the next read, with its first time.
        var t2 = t1.AddSeconds(5);
        Assert.Equal(t1, Assert.Single(tracker.Update(b.Build(t2), t2)).Since);
    }

    [Fact]
    public void A_removed_pair_that_is_recreated_is_no_longer_listed()
    {
        var b = new TopologyBuilder();
        var (red, blue, vethRed, _) = b.SeedPair();
        var tracker = new FindingsTracker();
        tracker.Update(b.Build(T0), T0);
        b.Delete(vethRed);
        Assert.Single(tracker.Update(b.Build(T0.AddSeconds(1)), T0.AddSeconds(1)));

        var (r, bl) = b.Veth(red, "veth-red", blue, "veth-blue");
        r.Addr("10.0.1.1/24");
        bl.Addr("10.0.1.2/24");

        Assert.Empty(tracker.Update(b.Build(T0.AddSeconds(2)), T0.AddSeconds(2)));
    }

    [Fact]
    public void A_renamed_veth_is_not_a_removed_pair()
    {
        var b = new TopologyBuilder();
        var (_, _, vethRed, _) = b.SeedPair();
        var tracker = new FindingsTracker();
        tracker.Update(b.Build(T0), T0);

        vethRed.Name = "eth0";

        Assert.Empty(tracker.Update(b.Build(T0.AddSeconds(1)), T0.AddSeconds(1)));
    }

    [Fact]
    public void A_pod_namespace_that_goes_reports_the_namespace_not_its_pair()
    {
        var b = new TopologyBuilder();
        var (_, _, pods) = b.CniBridge(pods: 2);
        var tracker = new FindingsTracker();
        tracker.Update(b.Build(T0), T0);

        b.Remove(pods[0].Pod);
        var f = Assert.Single(tracker.Update(b.Build(T0.AddSeconds(1)), T0.AddSeconds(1)));

        Assert.Equal(FindingRules.NamespaceRemoved, f.Rule);
        Assert.Equal("default/pod1", f.NamespaceName);
        Assert.Contains("veth0001 (node) ↔ eth0 (default/pod1)", f.Evidence, StringComparison.Ordinal);
        Assert.Empty(f.Fix); // held by a process, not by a name: its owner recreates it
    }

    [Fact]
    public void A_namespace_that_could_not_be_read_is_not_taken_for_removed()
    {
        var b = new TopologyBuilder();
        b.Root();
        var (_, blue, _, _) = b.SeedPair();
        var tracker = new FindingsTracker();
        tracker.Update(b.Build(T0), T0);

        b.Remove(blue);
        b.Warnings.Add($"Namespace {blue.Id} (pod-blue) could not be entered: Operation not permitted");

        Assert.DoesNotContain(tracker.Update(b.Build(T0.AddSeconds(1)), T0.AddSeconds(1)), f => f.Rule == FindingRules.NamespaceRemoved);
    }

    [Fact]
    public void A_failed_read_without_the_root_namespace_removes_nothing()
    {
        var b = new TopologyBuilder();
        b.Root();
        b.SeedPair();
        var tracker = new FindingsTracker();
        var before = b.Build(T0);
        tracker.Update(before, T0);

        Assert.Empty(tracker.Update(before with { Namespaces = [], Links = [] }, T0.AddSeconds(1)));
        Assert.Empty(tracker.Update(before, T0.AddSeconds(2)));
    }

    [Fact]
    public void Removals_come_after_errors()
    {
        var b = new TopologyBuilder();
        var (_, _, vethRed, _) = b.SeedPair();
        var other = b.Netns("aaa");
        var tracker = new FindingsTracker();
        tracker.Update(b.Build(T0), T0);

        b.Remove(other);
        vethRed.Down();
        var findings = tracker.Update(b.Build(T0.AddSeconds(1)), T0.AddSeconds(1));

        Assert.Equal([FindingRules.InterfaceDown, FindingRules.NamespaceRemoved], findings.Select(f => f.Rule));
    }

    [Fact]
    public void A_negative_retention_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FindingsTracker(TimeSpan.FromSeconds(-1)));
}
