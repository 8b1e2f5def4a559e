using System.Net;
using Dashboard.Client.Pages;
using Dashboard.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client.Tests.Snapshots;

public sealed class SnapshotsPageTests : DashboardTestContext
{
    private static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly FakeApi _api = new();
    private readonly List<SnapshotSummary> _list =
    [
        new("s2", "after the upgrade", Noon.AddMinutes(5), 3, 2) { Hostname = "node-1", TakenBy = "alice", ErrorCount = 1 },
        new("s1", "before the upgrade", Noon, 3, 0) { Hostname = "node-1", TakenBy = "alice" },
        new("s0", "from the other node", Noon.AddDays(-1), 7, 0) { Hostname = "node-2", Origin = SnapshotOrigins.Import },
    ];

    public SnapshotsPageTests()
    {
        _api.On("GET", "/api/snapshots", (_, _) => FakeApi.Ok<IReadOnlyList<SnapshotSummary>>(_list.ToList(), WireJsonContext.Default.IReadOnlyListSnapshotSummary));
        _api.Serve(Services);
    }

    [Fact]
    public void Lists_each_snapshot_with_its_label_origin_counts_errors_and_the_node_when_it_is_another()
    {
        var page = Render<SnapshotsPage>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid='snapshot-row']").Count));
        var rows = page.FindAll("[data-testid='snapshot-row']");
        Assert.Equal(["after the upgrade", "before the upgrade", "from the other node"], rows.Select(r => r.GetAttribute("data-label")));
        Assert.Equal("by alice", rows[0].QuerySelector("[data-testid='snapshot-origin']")!.TextContent);
        Assert.Equal("imported", rows[2].QuerySelector("[data-testid='snapshot-origin']")!.TextContent);
        Assert.Contains("1 error · 1 other", rows[0].QuerySelector("[data-testid='snapshot-findings']")!.TextContent);
        Assert.Equal("3", rows[0].QuerySelector("[data-testid='snapshot-namespaces']")!.TextContent);
        page.WaitForAssertion(() => Assert.Equal("node-2", page.Find("[data-testid='snapshot-hostname']").TextContent.Trim()));
        Assert.Single(page.FindAll("[data-testid='snapshot-hostname']"));
        Assert.Equal("snapshots/s1", rows[1].QuerySelector("[data-testid='snapshot-open']")!.GetAttribute("href"));
        Assert.Equal("compare/s1/live", rows[1].QuerySelector("[data-testid='snapshot-compare-now']")!.GetAttribute("href"));
        Assert.Equal("api/snapshots/s1/export", rows[1].QuerySelector("[data-testid='snapshot-export']")!.GetAttribute("href"));
    }

    [Fact]
    public void An_empty_store_says_how_to_take_the_first()
    {
        _list.Clear();

        var page = Render<SnapshotsPage>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid='snapshots-empty']")));
    }

    [Fact]
    public void A_broken_store_shows_the_servers_reason_prominently()
    {
        _api.Problem("GET", "/api/snapshots", HttpStatusCode.ServiceUnavailable, "The data directory /var/lib/netns-dashboard is read-only.");

        var page = Render<SnapshotsPage>();

        page.WaitForAssertion(() => Assert.Contains("read-only", page.Find("[data-testid='snapshots-unavailable']").TextContent));
        Assert.Contains("unavailable", page.Find("[data-testid='snapshots-unavailable']").TextContent);
        Assert.Empty(page.FindAll("[data-testid='snapshot-row']"));
        Assert.Empty(page.FindAll("[data-testid='snapshots-empty']"));
    }

    [Fact]
    public void Taking_one_posts_the_label_on_enter_and_shows_the_new_row()
    {
        _api.On("POST", "/api/snapshots", (_, body) =>
        {
            _list.Insert(0, new SnapshotSummary("s3", "mtu change", Noon.AddMinutes(9), 3, 0) { Hostname = "node-1" });
            return FakeApi.Ok(new SnapshotCreated("s3", "mtu change", Noon.AddMinutes(9), "/snapshots/s3"), WireJsonContext.Default.SnapshotCreated, HttpStatusCode.Created);
        });
        var page = Render<SnapshotsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid='snapshot-row']").Count));

        page.Find("[data-testid='snapshot-label']").Input("  mtu change ");
        page.Find("[data-testid='snapshot-take-form']").Submit();

        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid='snapshot-row']").Count));
        var post = Assert.Single(_api.Requests, r => r.Method == "POST");
        Assert.Contains("\"label\":\"mtu change\"", post.Body);
        var created = page.Find("[data-testid='snapshot-row'][data-id='s3']");
        Assert.Equal("true", created.GetAttribute("data-new"));
        Assert.Equal("", page.Find("[data-testid='snapshot-label']").GetAttribute("value") ?? "");
    }

    [Fact]
    public void A_refused_label_shows_the_servers_reason()
    {
        _api.Problem("POST", "/api/snapshots", HttpStatusCode.BadRequest, "The label must be one line of at most 200 characters.");
        var page = Render<SnapshotsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid='snapshot-row']").Count));

        page.Find("[data-testid='snapshot-label']").Input("x");
        page.Find("[data-testid='snapshot-take-form']").Submit();

        page.WaitForAssertion(() => Assert.Contains("at most 200 characters", page.Find("[data-testid='snapshots-problem']").TextContent));
    }

    [Fact]
    public void Delete_asks_first_then_deletes_and_the_row_goes()
    {
        _api.On("DELETE", "/api/snapshots/s1", (_, _) => new HttpResponseMessage(HttpStatusCode.NoContent));
        var page = Render<SnapshotsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid='snapshot-row']").Count));

        page.Find("[data-testid='snapshot-row'][data-id='s1'] [data-testid='snapshot-delete']").Click();
        Assert.DoesNotContain(_api.Requests, r => r.Method == "DELETE");
        page.Find("[data-testid='snapshot-row'][data-id='s1'] [data-testid='snapshot-delete-cancel']").Click();
        Assert.Empty(page.FindAll("[data-testid='snapshot-delete-confirm']"));
        page.Find("[data-testid='snapshot-row'][data-id='s1'] [data-testid='snapshot-delete']").Click();
        page.Find("[data-testid='snapshot-row'][data-id='s1'] [data-testid='snapshot-delete-confirm']").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid='snapshot-row']").Count));
        Assert.Single(_api.Requests, r => r.Method == "DELETE" && r.Path == "/api/snapshots/s1");
    }

    [Fact]
    public void An_import_the_server_refuses_shows_its_reason_and_a_good_one_shows_the_new_row()
    {
        _api.On("POST", "/api/snapshots/import", (_, body) => body!.Contains("\"format\"", StringComparison.Ordinal)
            ? AddImported()
            : FakeApi.Problem(HttpStatusCode.BadRequest, "Not a snapshot: the topology is missing."));
        var page = Render<SnapshotsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid='snapshot-row']").Count));

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("{\"hello\":1}", "notes.json"));

        page.WaitForAssertion(() => Assert.Contains("Not a snapshot: the topology is missing.", page.Find("[data-testid='snapshots-problem']").TextContent));
        Assert.Contains("notes.json", page.Find("[data-testid='snapshots-problem']").TextContent);
        Assert.Equal("{\"hello\":1}", _api.Requests.Single(r => r.Path == "/api/snapshots/import").Body);

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("{\"format\":1}", "good.json"));

        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid='snapshot-row'][data-id='imp']").GetAttribute("data-new")));
        Assert.Empty(page.FindAll("[data-testid='snapshots-problem']"));
    }

    private HttpResponseMessage AddImported()
    {
        _list.Insert(0, new SnapshotSummary("imp", "imported one", Noon, 2, 0) { Hostname = "node-9", Origin = SnapshotOrigins.Import });
        return FakeApi.Ok(new SnapshotCreated("imp", "imported one", Noon, "/snapshots/imp"), WireJsonContext.Default.SnapshotCreated, HttpStatusCode.Created);
    }

    [Fact]
    public void Two_picked_rows_open_their_comparison_older_first()
    {
        var page = Render<SnapshotsPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid='snapshot-row']").Count));
        Assert.True(page.Find("[data-testid='snapshot-compare-selected']").HasAttribute("disabled"));

        page.Find("[data-testid='snapshot-row'][data-id='s2'] [data-testid='snapshot-pick']").Change(true);
        page.Find("[data-testid='snapshot-row'][data-id='s1'] [data-testid='snapshot-pick']").Change(true);
        page.Find("[data-testid='snapshot-compare-selected']").Click();

        Assert.EndsWith("/compare/s1/s2", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }
}
