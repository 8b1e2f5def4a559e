using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dashboard.Server.Metrics;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Metrics;

/// <summary>GET /metrics: who may read it, that it is Prometheus text, and that its numbers follow the node and the app.</summary>
public sealed class MetricsTests(ITestOutputHelper output) : IDisposable
{
    private const string MetricsToken = "scrape-token-0123456789abcdef";
    private const string P = MetricsEndpoint.Prefix;

    private readonly TestNet _net = new();
    private readonly DashboardFactory _factory = new(settings: new() { ["Dashboard:MetricsToken"] = MetricsToken });

    private async Task<IReadOnlyList<Sample>> Scrape(HttpClient? client = null)
    {
        using var own = client is null ? _factory.AuthorizedClient() : null;
        using var response = await (client ?? own!).GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Exposition.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds: patience for the live state, not a speed limit.</summary>
    private async Task<IReadOnlyList<Sample>> ScrapeUntil(Func<IReadOnlyList<Sample>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var samples = await Scrape();
            if (condition(samples)) return samples;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"/metrics never showed {what}");
            await Task.Delay(50);
        }
    }

    private async Task<Topology> LiveUntil(Func<Topology, bool> condition, string what)
    {
        using var client = _factory.AuthorizedClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var topology = (await client.GetFromJsonAsync<Topology>("/api/topology"))!;
            if (condition(topology)) return topology;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"the live state never showed {what}");
            await Task.Delay(50);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789")]
    public async Task Without_a_right_token_it_is_401(string? bearer)
    {
        using var client = _factory.RawClient();
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(P, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_access_token_reads_prometheus_text_with_help_and_type_for_every_metric()
    {
        using var client = _factory.AuthorizedClient();

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine(text);
        var samples = Exposition.Parse(text);
        foreach (var name in new[]
        {
            "discovery_duration_seconds_count", "discovery_last_duration_seconds", "namespaces", "veth_pairs", "interfaces",
            "hub_clients", "diagnoses_started_total", "process_uptime_seconds", "process_resident_memory_bytes", "process_open_fds",
        })
            Assert.Contains(samples, s => s.Name == P + name);
        Assert.True(samples.Value(P + "discovery_duration_seconds_count") >= 1);
        Assert.Equal(samples.Value(P + "discovery_duration_seconds_count"), samples.Value(P + "discovery_duration_seconds_bucket", ("le", "+Inf")));
        Assert.True(samples.Value(P + "process_resident_memory_bytes") > 1_000_000);
        Assert.True(samples.Value(P + "process_open_fds") > 0);
        Assert.True(samples.Value(P + "process_uptime_seconds") > 0);
        foreach (var rule in FindingRules.All)
            Assert.Contains(samples, s => s.Name == P + "findings" && s.Labels["rule"] == rule && s.Labels.ContainsKey("severity"));
    }

    [Fact]
    public async Task The_metrics_token_reads_metrics_and_nothing_else()
    {
        using var scraper = _factory.AuthorizedClient(MetricsToken);

        await Scrape(scraper);
        using var topology = await scraper.GetAsync("/api/topology");
        Assert.Equal(HttpStatusCode.Unauthorized, topology.StatusCode);
        using var page = await scraper.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
    }

    [Fact]
    public async Task The_namespace_gauge_is_the_topologys_namespace_count()
    {
        using var client = _factory.AuthorizedClient();
        await client.GetAsync("/api/topology"); // the first state is there

        // Read at the same moment: the gauge before and after the topology agree, or the node changed in between; again.
        for (int attempt = 0; ; attempt++)
        {
            var before = (await Scrape()).Value(P + "namespaces");
            var topology = (await client.GetFromJsonAsync<Topology>("/api/topology"))!;
            var after = await Scrape();
            if (before == after.Value(P + "namespaces"))
            {
                Assert.Equal(topology.Namespaces.Count, before);
                break;
            }
            Assert.True(attempt < 50, "the node never held still");
        }

        var added = _net.AddNamespace("metrics");
        var id = TestNet.Id(added);
        var live = await LiveUntil(t => t.FindNamespace(id) is not null, added);
        var samples = await Scrape();
        Assert.True(samples.Value(P + "namespaces") >= 2);
        Assert.Contains(samples, s => s.Name == P + "interfaces" && s.Value >= live.FindNamespace(id)!.Interfaces.Count);
    }

    [Fact]
    public async Task The_interface_down_gauge_rises_when_a_pair_end_goes_down()
    {
        var (red, blue) = _net.AddSeedPair();
        _net.Settle();
        var redId = TestNet.Id(red);
        var blueId = TestNet.Id(blue);
        await LiveUntil(t => t.FindNamespace(redId) is not null && t.FindNamespace(blueId) is not null, "the seed pair");
        var before = (await Scrape()).Sum(P + "findings", ("rule", FindingRules.InterfaceDown));

        Run.Ip("-n", red, "link", "set", "veth-red", "down");

        var after = await ScrapeUntil(s => s.Sum(P + "findings", ("rule", FindingRules.InterfaceDown)) > before, "an interface-down finding");
        Assert.True(after.Value(P + "veth_pairs") >= 1);
    }

    [Fact]
    public async Task A_diagnosis_counts_as_started_and_then_by_its_verdict()
    {
        var (red, _) = _net.AddSeedPair();
        _net.Settle();
        var before = await Scrape();
        Assert.Equal(0, before.Value(P + "diagnoses_started_total"));
        using var client = _factory.AuthorizedClient();

        using var response = await client.PostAsJsonAsync("/api/diagnoses", new DiagnosisRequest(red, "10.0.1.2"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var diagnosis = (await response.Content.ReadFromJsonAsync<Shared.Diagnosis>())!;
        var after = await Scrape();
        Assert.Equal(1, after.Value(P + "diagnoses_started_total"));
        Assert.Equal(1, after.Value(P + "diagnoses_completed_total", ("verdict", diagnosis.Verdict!)));
        Assert.Equal(1, after.Sum(P + "diagnoses_completed_total"));
    }

    [Fact]
    public async Task A_hub_connection_counts_as_a_client_until_it_goes()
    {
        Assert.Equal(0, (await Scrape()).Value(P + "hub_clients"));
        var hub = _factory.HubConnection();

        await hub.StartAsync();
        await ScrapeUntil(s => s.Value(P + "hub_clients") == 1, "one hub client");

        await hub.DisposeAsync();
        await ScrapeUntil(s => s.Value(P + "hub_clients") == 0, "no hub client");
    }

    [Fact]
    public void Label_values_and_help_are_escaped()
    {
        var text = new PrometheusText()
            .Metric("x_total", "counter", "a \\ help\nline")
            .Sample("x_total", 1.5, ("path", "a\"b\\c\nd"))
            .ToString();

        Assert.Equal("# HELP x_total a \\\\ help\\nline\n# TYPE x_total counter\nx_total{path=\"a\\\"b\\\\c\\nd\"} 1.5\n", text);
        var sample = Assert.Single(Exposition.Parse(text));
        Assert.Equal("a\"b\\c\nd", sample.Labels["path"]);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _net.Dispose();
    }
}
