using System.Net;
using Dashboard.Client.Pages;
using Dashboard.Client.Tests.Diagram;
using Dashboard.Shared;

namespace Dashboard.Client.Tests.Snapshots;

public sealed class SnapshotPageTests : DashboardTestContext
{
    private static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly FakeApi _api = new();

    public SnapshotPageTests() => _api.Serve(Services);

    [Fact]
    public void Shows_the_banner_the_diagram_and_the_failure_modes_as_they_were()
    {
        var topology = ComparisonPictureTests.SetInterface(ComparisonPictureTests.Seed(), "pod-blue", "veth-blue", i => i with { AdminUp = false, OperState = "DOWN" });
        _api.Json("GET", "/api/snapshots/s1", new Snapshot("s1", "blue down", Noon, topology, [NodeBuilder.Down("101", "pod-blue", "veth-blue")]) { TakenBy = "alice" },
            WireJsonContext.Default.Snapshot);

        var page = Render<SnapshotPage>(p => p.Add(c => c.Id, "s1"));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid='snapshot-banner']")));
        var banner = page.Find("[data-testid='snapshot-banner']");
        Assert.Equal("blue down", page.Find("[data-testid='snapshot-label']").TextContent);
        Assert.Equal("node-1", page.Find("[data-testid='snapshot-node']").TextContent);
        Assert.Contains("by alice", banner.TextContent);
        Assert.Contains("nothing on this page changes", banner.TextContent);
        Assert.Equal("compare/s1/live", page.Find("[data-testid='snapshot-compare-now']").GetAttribute("href"));
        Assert.Equal("snapshots", page.Find("[data-testid='snapshot-list-link']").GetAttribute("href"));

        Assert.Equal("error", page.Find("[data-testid='diagram-ns'][data-ns-name='pod-blue']").GetAttribute("data-state"));
        Assert.Equal("error", page.Find("[data-testid='diagram-edge'][data-kind='veth']").GetAttribute("data-state"));
        Assert.Equal("health", page.Find("[data-testid='diagram-legend']").GetAttribute("data-mode"));

        var panel = page.Find("[data-testid='failure-modes']");
        Assert.Equal("true", panel.GetAttribute("data-frozen"));
        Assert.Equal("error", page.Find("[data-testid='failure-mode'][data-rule='interface-down']").GetAttribute("data-level"));
        Assert.Equal("pod-blue / veth-blue", page.Find("[data-testid='finding-where']").TextContent);
        Assert.Equal("SPAN", page.Find("[data-testid='finding-where']").TagName); // no link to the live pages
        Assert.Contains("Then", panel.TextContent);

        // Only the snapshot was read for the page itself.
        Assert.Single(_api.Requests, r => r.Path.StartsWith("/api/snapshots", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_id_says_so()
    {
        var page = Render<SnapshotPage>(p => p.Add(c => c.Id, "nope"));

        page.WaitForAssertion(() => Assert.Contains("nope", page.Find("[data-testid='snapshot-missing']").TextContent));
        Assert.Empty(page.FindAll("[data-testid='snapshot-banner']"));
    }

    [Fact]
    public void A_broken_store_shows_the_reason()
    {
        _api.Problem("GET", "/api/snapshots/s1", HttpStatusCode.ServiceUnavailable, "The snapshot database is corrupt (file is not a database).");

        var page = Render<SnapshotPage>(p => p.Add(c => c.Id, "s1"));

        page.WaitForAssertion(() => Assert.Contains("corrupt", page.Find("[data-testid='snapshot-problem']").TextContent));
        Assert.Contains("unavailable", page.Find("[data-testid='snapshot-problem']").TextContent);
    }
}
