using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Server.Tests.Api;
using Dashboard.Shared;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// /api/snapshots over HTTP against the real server: what each endpoint answers, and that bad input gets a clear
/// 4xx ProblemDetails and changes nothing.
/// </summary>
public sealed class SnapshotApiTests(SharedServer server) : IClassFixture<SharedServer>
{
    private HttpClient Client => server.Client;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private async Task<SnapshotCreated> Take(string label, string? by = null)
    {
        using var response = await Client.PostAsJsonAsync("/api/snapshots", new SnapshotRequest(label, by));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<SnapshotCreated>())!;
        Assert.Equal($"/api/snapshots/{created.Id}", response.Headers.Location?.OriginalString);
        return created;
    }

    private async Task<List<SnapshotSummary>> List() => (await Client.GetFromJsonAsync<List<SnapshotSummary>>("/api/snapshots?limit=10000"))!;

    private static async Task<ProblemDetails> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail), $"a {(int)status} without a detail");
        return problem;
    }

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_snapshot_is_taken_listed_first_and_read_back_whole()
    {
        var created = await Take("  before upgrade  ", "alice");

        Assert.Equal("before upgrade", created.Label);
        Assert.Equal($"/snapshots/{created.Id}", created.Url);
        Assert.Equal(22, created.Id.Length);
        Assert.True(created.TakenAt > DateTimeOffset.UtcNow.AddMinutes(-1));
        var first = (await List())[0];
        Assert.Equal((created.Id, "before upgrade", "alice", SnapshotOrigins.Manual), (first.Id, first.Label, first.TakenBy, first.Origin));
        Assert.Equal(created.TakenAt, first.TakenAt);
        Assert.Equal(Environment.MachineName, first.Hostname);

        var snapshot = (await Client.GetFromJsonAsync<Snapshot>($"/api/snapshots/{created.Id}"))!;
        Assert.Equal(created.Id, snapshot.Id);
        Assert.Equal(created.TakenAt, snapshot.TakenAt);
        Assert.Contains(snapshot.Topology.Namespaces, n => n.IsRoot);
        Assert.Equal(first.NamespaceCount, snapshot.Topology.Namespaces.Count);
        Assert.Equal(first.FindingCount, snapshot.Findings.Count);
        Assert.Equal(first.LinkCount, snapshot.Topology.Links.Count);
        Assert.Equal(SnapshotLimits.Format, snapshot.Format);
    }

    [Fact]
    public async Task Without_by_the_callers_address_is_who_took_it()
    {
        var created = await Take("no by");

        var summary = (await List()).Single(s => s.Id == created.Id);
        Assert.False(string.IsNullOrWhiteSpace(summary.TakenBy));
    }

    [Fact]
    public async Task The_list_is_newest_first_and_honours_limit()
    {
        var a = await Take("list a");
        var b = await Take("list b");

        var all = await List();
        Assert.True(all.FindIndex(s => s.Id == b.Id) < all.FindIndex(s => s.Id == a.Id));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.TakenAt >= p.Second.TakenAt), "newest first");
        var one = (await Client.GetFromJsonAsync<List<SnapshotSummary>>("/api/snapshots?limit=1"))!;
        Assert.Equal(all[0].Id, Assert.Single(one).Id);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("10001")]
    [InlineData("abc")]
    [InlineData("1.5")]
    public async Task A_bad_limit_is_400(string limit)
    {
        using var response = await Client.GetAsync($"/api/snapshots?limit={limit}");
        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains("limit", problem.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { """{}""", "label is required" },
        { """{"label":null}""", "label is required" },
        { """{"label":""}""", "label must not be empty" },
        { """{"label":"   "}""", "label must not be empty" },
        { """{"label":"two\nlines"}""", "one line" },
        { """{"label":"bell\u0007"}""", "one line" },
        { $$"""{"label":"{{new string('x', SnapshotLimits.LabelLength + 1)}}"}""", "at most 200" },
        { """{"label":"ok","by":"x\ty"}""", "by must be one line" },
        { $$"""{"label":"ok","by":"{{new string('b', SnapshotLimits.ByLength + 1)}}"}""", "by must be at most 100" },
        { """{"label":"half \ud800 a pair"}""", "not a snapshot request" },
        { """{"label":42}""", "not a snapshot request" },
        { """{"label":""", "not a snapshot request" },
        { """null""", "must be a JSON object with a label" },
        { """["label"]""", "not a snapshot request" },
        { "", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_get_400_with_the_reason_and_take_nothing(string body, string reason)
    {
        var before = (await List()).Count;

        using var response = await Client.PostAsync("/api/snapshots", JsonBody(body));

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, (await List()).Count);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415_and_an_oversized_one_413()
    {
        var before = (await List()).Count;

        using (var response = await Client.PostAsync("/api/snapshots", new StringContent("""{"label":"x"}""", Encoding.UTF8, "text/plain")))
            await Problem(response, HttpStatusCode.UnsupportedMediaType);
        var huge = $$"""{"label":"ok","padding":"{{new string('p', 17 * 1024)}}"}""";
        using (var response = await Client.PostAsync("/api/snapshots", JsonBody(huge)))
            Assert.Contains("16384 bytes", (await Problem(response, HttpStatusCode.RequestEntityTooLarge)).Detail, StringComparison.Ordinal);
        // Without a Content-Length (chunked): cut off as it arrives.
        using (var response = await Client.PostAsync("/api/snapshots", new ChunkedJson(huge)))
            await Problem(response, HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(before, (await List()).Count);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("%3Cscript%3Ealert(1)%3C%2Fscript%3E")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAA")] // 23 characters
    [InlineData("AAAAAAAAAAAAAAAAAAAA.A")]
    [InlineData("%27%20OR%201%3D1%20--")]
    public async Task Malformed_ids_are_404_without_being_echoed(string id)
    {
        var raw = Uri.UnescapeDataString(id);
        foreach (var (method, url) in new[]
        {
            (HttpMethod.Get, $"/api/snapshots/{id}"),
            (HttpMethod.Get, $"/api/snapshots/{id}/export"),
            (HttpMethod.Delete, $"/api/snapshots/{id}"),
            (HttpMethod.Get, $"/api/snapshots/{id}/compare/live"),
            (HttpMethod.Get, $"/api/snapshots/live/compare/{id}"),
        })
        {
            using var response = await Client.SendAsync(new HttpRequestMessage(method, url));
            var problem = await Problem(response, HttpStatusCode.NotFound);
            Assert.DoesNotContain(raw, problem.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unknown_ids_are_404_and_delete_is_204_then_404()
    {
        var unknown = Storage.RandomIds.New();
        using (var response = await Client.GetAsync($"/api/snapshots/{unknown}"))
            Assert.Contains(unknown, (await Problem(response, HttpStatusCode.NotFound)).Detail, StringComparison.Ordinal);

        var created = await Take("to delete");
        var other = await Take("to keep");
        using (var response = await Client.DeleteAsync($"/api/snapshots/{created.Id}"))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using (var response = await Client.DeleteAsync($"/api/snapshots/{created.Id}"))
            await Problem(response, HttpStatusCode.NotFound);
        using (var response = await Client.GetAsync($"/api/snapshots/{created.Id}"))
            await Problem(response, HttpStatusCode.NotFound);
        // Not even from the copy kept in memory for comparisons.
        using (var response = await Client.GetAsync($"/api/snapshots/{created.Id}/compare/live"))
            await Problem(response, HttpStatusCode.NotFound);
        using (var response = await Client.GetAsync($"/api/snapshots/{other.Id}/compare/{created.Id}"))
            await Problem(response, HttpStatusCode.NotFound);
        var ids = (await List()).Select(s => s.Id).ToList();
        Assert.DoesNotContain(created.Id, ids);
        Assert.Contains(other.Id, ids);
    }

    [Fact]
    public async Task Export_is_the_snapshot_document_as_a_named_attachment_and_import_stores_a_copy_under_a_new_id()
    {
        var created = await Take("exported");

        using var export = await Client.GetAsync($"/api/snapshots/{created.Id}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var disposition = export.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Matches(@"^snapshot-[A-Za-z0-9._-]+-\d{8}T\d{4}Z\.json$", disposition.FileName!.Trim('"'));
        Assert.Equal($"snapshot-{Environment.MachineName}-{created.TakenAt.UtcDateTime:yyyyMMdd'T'HHmm'Z'}.json", disposition.FileName!.Trim('"'));
        var document = await export.Content.ReadAsStringAsync();
        Assert.Equal(document, await Client.GetStringAsync($"/api/snapshots/{created.Id}"));

        using var import = await Client.PostAsync("/api/snapshots/import", JsonBody(document));
        Assert.Equal(HttpStatusCode.Created, import.StatusCode);
        var copy = (await import.Content.ReadFromJsonAsync<SnapshotCreated>())!;
        Assert.NotEqual(created.Id, copy.Id);
        Assert.Equal(("exported", created.TakenAt), (copy.Label, copy.TakenAt));
        Assert.Equal($"/api/snapshots/{copy.Id}", import.Headers.Location?.OriginalString);

        var original = JsonNode.Parse(document)!;
        var stored = JsonNode.Parse(await Client.GetStringAsync($"/api/snapshots/{copy.Id}"))!;
        Assert.Equal(SnapshotOrigins.Import, (string?)stored["origin"]);
        Assert.True(JsonNode.DeepEquals(original["topology"], stored["topology"]), "the topology is kept as it was");
        Assert.True(JsonNode.DeepEquals(original["findings"], stored["findings"]), "the findings are kept as they were");
        Assert.Equal((string?)original["takenBy"], (string?)stored["takenBy"]);
        var summary = (await List()).Single(s => s.Id == copy.Id);
        Assert.Equal(SnapshotOrigins.Import, summary.Origin);

        // The same state on both sides: nothing changed.
        var comparison = (await Client.GetFromJsonAsync<TopologyComparison>($"/api/snapshots/{created.Id}/compare/{copy.Id}"))!;
        Assert.True(comparison.IsEmpty);
    }

    [Fact]
    public async Task Another_nodes_export_is_imported_with_its_host_and_time_and_compares_with_ours()
    {
        var ours = await Take("ours");
        var document = JsonNode.Parse(await Client.GetStringAsync($"/api/snapshots/{ours.Id}"))!;
        document["id"] = "whatever-the-other-node-called-it";
        document["label"] = "node-2 before the upgrade";
        document["takenAt"] = "2026-11-20T08:30:00Z";
        document["origin"] = "manual";
        document["topology"]!["hostname"] = "node-2";
        var namespaces = document["topology"]!["namespaces"]!.AsArray();
        namespaces.Add(JsonNode.Parse("""
            { "id": "4026539999", "name": "only-on-node-2", "isRoot": false, "paths": ["/run/netns/only-on-node-2"], "pids": [],
              "owner": { "kind": "netns", "name": "only-on-node-2" }, "interfaces": [], "routes": [] }
            """));

        using var import = await Client.PostAsync("/api/snapshots/import", JsonBody(document.ToJsonString()));

        Assert.True(import.StatusCode == HttpStatusCode.Created, await import.Content.ReadAsStringAsync());
        var created = (await import.Content.ReadFromJsonAsync<SnapshotCreated>())!;
        Assert.True(Storage.RandomIds.IsWellFormed(created.Id));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero), created.TakenAt);
        var summary = (await List()).Single(s => s.Id == created.Id);
        Assert.Equal(("node-2", SnapshotOrigins.Import, "node-2 before the upgrade"), (summary.Hostname, summary.Origin, summary.Label));
        var comparison = (await Client.GetFromJsonAsync<TopologyComparison>($"/api/snapshots/{created.Id}/compare/{ours.Id}"))!;
        Assert.Equal("node-2", comparison.FromHostname);
        Assert.Equal(Environment.MachineName, comparison.ToHostname);
        Assert.Equal("only-on-node-2", Assert.Single(comparison.Namespaces.Removed).Name);
        Assert.Empty(comparison.Namespaces.Added);
    }

    public static TheoryData<string, string> BadImports() => new()
    {
        { "null", "not null" },
        { """{"label":"x"}""", "topology is required" },
        { """{"id":"x","label":"x","takenAt":"2026-11-27T12:00:00Z","topology":{"takenAt":"2026-11-27T12:00:00Z","hostname":"h","namespaces":[{"id":"1"}],"links":[],"warnings":[]},"findings":[]}""", "topology.namespaces[0].paths is required" },
        { """{"id":"x","label":"x","takenAt":"2026-11-27T12:00:00Z","topology":{"takenAt":"2026-11-27T12:00:00Z","hostname":"h","namespaces":[],"links":[null],"warnings":[]},"findings":[]}""", "topology.links[0] is null" },
        { """{"id":"x","label":"x","takenAt":"2026-11-27T12:00:00Z","format":7,"topology":{"takenAt":"2026-11-27T12:00:00Z","hostname":"h","namespaces":[],"links":[],"warnings":[]},"findings":[]}""", "format 7 is newer" },
        { """{"id":"x","label":"x\ny","takenAt":"2026-11-27T12:00:00Z","topology":{"takenAt":"2026-11-27T12:00:00Z","hostname":"h","namespaces":[],"links":[],"warnings":[]},"findings":[]}""", "label must be one line" },
        { """{"id":"x","label":"x","takenAt":"1999-12-31T00:00:00Z","topology":{"takenAt":"2026-11-27T12:00:00Z","hostname":"h","namespaces":[],"links":[],"warnings":[]},"findings":[]}""", "takenAt must be a date" },
        { """{"id":"x","label":"x","takenAt":"2026-11-27T12:00:00Z","topology":{"takenAt":"2026-11-27T12:00:00Z","hostname":"h","namespaces":[],"links":[],"warnings":[]},"findings":[{"id":"f"}]}""", "findings[0].rule is required" },
        { """{"label":"x","topology":{"namespaces":"many"}}""", "not a snapshot document" },
        { """{"label":"x",""", "not a snapshot document" },
    };

    [Theory]
    [MemberData(nameof(BadImports))]
    public async Task Bad_imports_get_400_naming_the_problem_and_store_nothing(string body, string reason)
    {
        var before = (await List()).Count;

        using var response = await Client.PostAsync("/api/snapshots/import", JsonBody(body));

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, (await List()).Count);
    }

    [Fact]
    public async Task A_snapshot_compared_with_itself_or_live_with_live_is_empty_and_with_live_names_both_sides()
    {
        var created = await Take("compare");

        var self = (await Client.GetFromJsonAsync<TopologyComparison>($"/api/snapshots/{created.Id}/compare/{created.Id}"))!;
        Assert.True(self.IsEmpty);
        Assert.Equal((created.Id, created.Id), (self.From, self.To));
        var live = (await Client.GetFromJsonAsync<TopologyComparison>("/api/snapshots/live/compare/live"))!;
        Assert.True(live.IsEmpty);
        var withLive = (await Client.GetFromJsonAsync<TopologyComparison>($"/api/snapshots/{created.Id}/compare/live"))!;
        Assert.Equal((created.Id, "live"), (withLive.From, withLive.To));
        Assert.Equal(created.TakenAt, withLive.FromTakenAt);
        Assert.True(withLive.ToTakenAt >= created.TakenAt);
        using var unknown = await Client.GetAsync($"/api/snapshots/{created.Id}/compare/{Storage.RandomIds.New()}");
        await Problem(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Every_snapshot_endpoint_needs_the_token()
    {
        using var anonymous = server.Factory.RawClient();
        var id = Storage.RandomIds.New();
        foreach (var (method, url) in new[]
        {
            (HttpMethod.Get, "/api/snapshots"), (HttpMethod.Post, "/api/snapshots"), (HttpMethod.Post, "/api/snapshots/import"),
            (HttpMethod.Get, $"/api/snapshots/{id}"), (HttpMethod.Get, $"/api/snapshots/{id}/export"), (HttpMethod.Delete, $"/api/snapshots/{id}"),
            (HttpMethod.Get, $"/api/snapshots/{id}/compare/live"),
        })
        {
            using var request = new HttpRequestMessage(method, url) { Content = method == HttpMethod.Post ? JsonBody("""{"label":"x"}""") : null };
            using var response = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    /// <summary>A JSON body sent without a Content-Length.</summary>
    private sealed class ChunkedJson : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedJson(string json)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
