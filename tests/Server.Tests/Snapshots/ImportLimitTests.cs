using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dashboard.Server.Tests.Api;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>The import's size limit is a setting (Dashboard:Snapshots:MaxImportBytes): a document over it is 413 and stores nothing.</summary>
public sealed class ImportLimitTests : IDisposable
{
    private readonly DashboardFactory _factory = new(settings: new() { ["Dashboard:Snapshots:MaxImportBytes"] = "65536" });

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task An_import_over_MaxImportBytes_is_413_and_one_under_it_is_stored()
    {
        using var client = _factory.AuthorizedClient();
        using (var created = await client.PostAsJsonAsync("/api/snapshots", new SnapshotRequest("small")))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await client.GetFromJsonAsync<List<SnapshotSummary>>("/api/snapshots"))![0].Id;
        var document = JsonNode.Parse(await client.GetStringAsync($"/api/snapshots/{id}"))!;
        // Keep it small: the machine's own namespace only (other tests' namespaces come and go).
        document["topology"]!["namespaces"] = new JsonArray(document["topology"]!["namespaces"]!.AsArray().First(n => (bool)n!["isRoot"]!)!.DeepClone());
        document["topology"]!["links"] = new JsonArray();
        document["findings"] = new JsonArray();
        var small = document.ToJsonString();
        document["topology"]!["warnings"] = new JsonArray(Enumerable.Range(0, 10).Select(_ => (JsonNode)JsonValue.Create(new string('w', 8000))!).ToArray());
        var large = document.ToJsonString();
        Assert.True(small.Length < 65536, $"the small document is {small.Length} bytes");
        Assert.True(large.Length > 65536);

        using (var response = await client.PostAsync("/api/snapshots/import", new StringContent(large, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("65536 bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Single((await client.GetFromJsonAsync<List<SnapshotSummary>>("/api/snapshots"))!);

        using (var response = await client.PostAsync("/api/snapshots/import", new StringContent(small, Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, (await client.GetFromJsonAsync<List<SnapshotSummary>>("/api/snapshots"))!.Count);
    }
}
