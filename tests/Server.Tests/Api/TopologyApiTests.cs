using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Api;

/// <summary>GET /api/topology through the real HTTP pipeline, on real namespaces.</summary>
public sealed class TopologyApiTests : IDisposable
{
    private readonly TestNet _net = new();
    private readonly DashboardFactory _factory = new();

    [Fact]
    public async Task A_client_holding_the_current_read_gets_304_and_a_fresh_read_or_a_change_answers_in_full()
    {
        using var client = _factory.AuthorizedClient();
        using var first = await client.GetAsync("/api/topology");
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        var topology = await first.Content.ReadFromJsonAsync<Topology>();
        Assert.Equal($"\"{topology!.TakenAt.UtcTicks}\"", etag!.Tag);

        // Other tests change the node meanwhile: a full answer is right when it is a newer read (a
        // new ETag); the node is quiet often enough for a 304 within a few tries.
        var notModified = false;
        for (var attempt = 0; attempt < 20 && !notModified; attempt++)
        {
            using var again = new HttpRequestMessage(HttpMethod.Get, "/api/topology");
            again.Headers.IfNoneMatch.Add(etag);
            using var answer = await client.SendAsync(again);
            if (answer.StatusCode == HttpStatusCode.NotModified)
            {
                Assert.Empty(await answer.Content.ReadAsByteArrayAsync());
                notModified = true;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.NotEqual(etag, answer.Headers.ETag);
                etag = answer.Headers.ETag!;
            }
        }
        Assert.True(notModified, "No 304 for the ETag of the current read.");

        using var fresh = new HttpRequestMessage(HttpMethod.Get, "/api/topology?fresh=true");
        fresh.Headers.IfNoneMatch.Add(etag);
        using var full = await client.SendAsync(fresh);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.NotEqual(etag, full.Headers.ETag);
    }

    [Fact]
    public async Task The_topology_is_compressed_for_a_client_that_accepts_brotli()
    {
        using var client = _factory.AuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/topology");
        request.Headers.AcceptEncoding.ParseAdd("br");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["br"], response.Content.Headers.ContentEncoding);
        await using var brotli = new System.IO.Compression.BrotliStream(await response.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        var topology = await JsonSerializer.DeserializeAsync<Topology>(brotli, JsonSerializerOptions.Web);
        Assert.Contains(topology!.Namespaces, n => n.IsRoot);
    }

    [Fact]
    public async Task Fresh_topology_lists_a_new_pair_in_the_documented_shape()
    {
        var (red, blue) = _net.AddSeedPair();
        using var client = _factory.AuthorizedClient();

        using var response = await client.GetAsync("/api/topology?fresh=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        foreach (var field in new[] { "takenAt", "hostname", "namespaces", "links", "warnings" })
            Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        var redId = TestNet.Id(red);
        var ns = root.GetProperty("namespaces").EnumerateArray().Single(n => n.GetProperty("id").GetString() == redId);
        Assert.Equal(red, ns.GetProperty("name").GetString());
        Assert.False(ns.GetProperty("isRoot").GetBoolean());
        Assert.Equal("netns", ns.GetProperty("owner").GetProperty("kind").GetString());
        var veth = ns.GetProperty("interfaces").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "veth-red");
        foreach (var field in new[] { "ifindex", "kind", "mac", "mtu", "adminUp", "operState", "master", "addresses", "peer" })
            Assert.True(veth.TryGetProperty(field, out _), $"interface misses {field}");
        Assert.Equal(JsonValueKind.Null, veth.GetProperty("master").ValueKind);
        Assert.Equal(TestNet.Id(blue), veth.GetProperty("peer").GetProperty("namespaceId").GetString());
        Assert.Equal("veth-blue", veth.GetProperty("peer").GetProperty("name").GetString());
        Assert.Contains(ns.GetProperty("routes").EnumerateArray(), r =>
            r.GetProperty("destination").GetString() == "10.0.1.0/24" && r.GetProperty("device").GetString() == "veth-red"
            && r.GetProperty("table").GetString() == "main" && r.GetProperty("gateway").ValueKind == JsonValueKind.Null);
        Assert.Contains(root.GetProperty("links").EnumerateArray(), l =>
            l.GetProperty("kind").GetString() == "veth" &&
            new[] { l.GetProperty("a"), l.GetProperty("b") }.Any(e => e.GetProperty("namespaceId").GetString() == redId && e.GetProperty("interface").GetString() == "veth-red"));
    }

    [Fact]
    public async Task Fresh_rereads_the_kernel_at_once()
    {
        using var client = _factory.AuthorizedClient();
        var before = await client.GetFromJsonAsync<Topology>("/api/topology");
        var ns = _net.AddNamespace("late");

        var fresh = await client.GetFromJsonAsync<Topology>("/api/topology?fresh=true");

        Assert.NotNull(fresh!.FindNamespace(TestNet.Id(ns)));
        Assert.True(fresh.TakenAt > before!.TakenAt);
    }

    [Theory]
    [InlineData("/api/topology?fresh=banana")]
    [InlineData("/api/topology?fresh=")]
    public async Task Bad_query_values_get_a_400_problem(string url)
    {
        using var client = _factory.AuthorizedClient();

        using var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    public void Dispose()
    {
        _factory.Dispose();
        _net.Dispose();
    }
}
