using System.Net;
using Dashboard.Client.Pages;
using Dashboard.Client.Tests.Diagram;
using Dashboard.Shared;

namespace Dashboard.Client.Tests.Snapshots;

public sealed class ComparePageTests : DashboardTestContext
{
    private static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly FakeApi _api = new();

    public ComparePageTests() => _api.Serve(Services);

    /// <summary>Serves two snapshots and their comparison as the server computes it.</summary>
    private void Serve(Topology before, IReadOnlyList<Finding> beforeFindings, Topology after, IReadOnlyList<Finding> afterFindings, string to = "s2")
    {
        _api.Json("GET", "/api/snapshots/s1", new Snapshot("s1", "before", Noon, before with { TakenAt = Noon }, beforeFindings), WireJsonContext.Default.Snapshot);
        if (to == SnapshotLimits.Live)
            _api.Json("GET", "/api/topology", after, WireJsonContext.Default.Topology);
        else
            _api.Json("GET", "/api/snapshots/s2", new Snapshot("s2", "after", Noon.AddMinutes(5), after, afterFindings), WireJsonContext.Default.Snapshot);
        _api.Json("GET", $"/api/snapshots/s1/compare/{to}", TopologyComparer.Compare("s1", before, beforeFindings, to, after, afterFindings), WireJsonContext.Default.TopologyComparison);
    }

    private static string State(IRenderedComponent<ComparePage> page, string ns) =>
        page.Find($"[data-testid='diagram-ns'][data-ns-name='{ns}']").GetAttribute("data-state")!;

    [Fact]
    public void A_deleted_namespace_shows_removed_in_the_diagram_and_in_the_change_list_with_its_pair_and_finding()
    {
        var before = ComparisonPictureTests.Seed();
        var after = ComparisonPictureTests.BlueDeleted(before);
        var removed = new Finding("namespace-removed:pod-blue", FindingRules.NamespaceRemoved, Severities.Error, "101", "pod-blue", null,
            "pod-blue was deleted", "Veth pair destroyed", "netns pod-blue gone", [], Noon);
        Serve(before, [], after, [removed]);

        var page = Render<ComparePage>(p => p.Add(c => c.From, "s1").Add(c => c.To, "s2"));

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid='change']")));
        Assert.Contains("before (", page.Find("[data-testid='compare-from']").TextContent);
        Assert.Contains("after (", page.Find("[data-testid='compare-to']").TextContent);
        Assert.Equal("compare/s2/s1", page.Find("[data-testid='compare-swap']").GetAttribute("href"));
        Assert.Equal("comparison", page.Find("[data-testid='diagram-legend']").GetAttribute("data-mode"));

        Assert.Equal("removed", State(page, "pod-blue"));
        Assert.Equal("changed", State(page, "pod-red"));
        Assert.Equal("removed", page.Find("[data-testid='diagram-edge'][data-kind='veth']").GetAttribute("data-state"));

        var changes = page.FindAll("[data-testid='change']").Select(c => (c.GetAttribute("data-kind"), c.GetAttribute("data-place"))).ToList();
        Assert.Contains(("namespace-removed", "pod-blue"), changes);
        Assert.Contains(("interface-removed", "pod-red/veth-red"), changes);
        Assert.Contains(("link-removed", "pod-red/veth-red ⇄ pod-blue/veth-blue"), changes);
        Assert.Contains(("finding-new", "pod-blue"), changes);
        Assert.Equal("namespace-removed", page.Find("[data-testid='change'][data-kind='finding-new']").GetAttribute("data-rule"));
        Assert.Empty(page.FindAll("[data-testid='compare-same']"));
    }

    [Fact]
    public void A_changed_interface_is_amber_with_each_field_from_and_to_and_an_added_namespace_green()
    {
        var before = ComparisonPictureTests.Seed();
        var after = ComparisonPictureTests.SetInterface(before, "pod-blue", "veth-blue", i => i with { Mtu = 1400 });
        after = after with { Namespaces = [.. after.Namespaces, new NetworkNamespace("300", "pod-green", false, [], [], new NamespaceOwner(NamespaceOwner.Netns, "pod-green"), [], [])] };
        var mtu = new Finding("mtu", FindingRules.MtuMismatch, Severities.Warning, "101", "pod-blue", "veth-blue", "veth-blue MTU 1400, peer 1500",
            "Large packets are dropped", "mtu 1400 vs 1500", [], Noon);
        Serve(before, [], after, [mtu], to: SnapshotLimits.Live);

        var page = Render<ComparePage>(p => p.Add(c => c.From, "s1").Add(c => c.To, "live"));

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid='change']")));
        Assert.StartsWith("now", page.Find("[data-testid='compare-to']").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("changed", State(page, "pod-blue"));
        Assert.Equal("same", State(page, "pod-red"));
        Assert.Equal("added", State(page, "pod-green"));
        Assert.Equal("changed", page.Find("[data-testid='diagram-edge'][data-kind='veth']").GetAttribute("data-state"));

        var changed = page.Find("[data-testid='change'][data-kind='interface-changed']");
        Assert.Equal("pod-blue/veth-blue", changed.GetAttribute("data-place"));
        var field = changed.QuerySelector("[data-testid='change-field']")!;
        Assert.Equal(("mtu", "1500", "1400"), (field.GetAttribute("data-field"), field.GetAttribute("data-from"), field.GetAttribute("data-to")));
        Assert.Equal("pod-green", page.Find("[data-testid='change'][data-kind='namespace-added']").GetAttribute("data-place"));
        Assert.Equal("mtu-mismatch", page.Find("[data-testid='change'][data-kind='finding-new']").GetAttribute("data-rule"));
        Assert.Contains(_api.Requests, r => r.Path == "/api/topology");
    }

    [Fact]
    public void The_same_node_twice_says_no_differences_and_everything_is_the_same()
    {
        var seed = ComparisonPictureTests.Seed();
        Serve(seed, [], seed, []);

        var page = Render<ComparePage>(p => p.Add(c => c.From, "s1").Add(c => c.To, "s2"));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid='compare-same']")));
        Assert.Empty(page.FindAll("[data-testid='change']"));
        Assert.All(page.FindAll("[data-testid='diagram-ns']"), n => Assert.Equal("same", n.GetAttribute("data-state")));
    }

    [Fact]
    public void An_unknown_snapshot_says_what_the_server_said()
    {
        _api.Problem("GET", "/api/snapshots/gone/compare/live", HttpStatusCode.NotFound, "There is no snapshot gone.");

        var page = Render<ComparePage>(p => p.Add(c => c.From, "gone").Add(c => c.To, "live"));

        page.WaitForAssertion(() => Assert.Contains("There is no snapshot gone.", page.Find("[data-testid='compare-problem']").TextContent));
    }
}
