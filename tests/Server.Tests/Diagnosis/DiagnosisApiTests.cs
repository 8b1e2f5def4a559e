using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>POST/GET /api/diagnoses through the real HTTP pipeline: validation, 404, 429, storage across a restart, hub progress.</summary>
public sealed class DiagnosisApiTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestNet _net = new();
    private readonly List<DashboardFactory> _factories = [];

    private DashboardFactory Server(Dictionary<string, string>? settings = null, string? dataDirectory = null)
    {
        var factory = new DashboardFactory(settings: settings, dataDirectory: dataDirectory);
        _factories.Add(factory);
        return factory;
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Fact]
    public async Task Bad_requests_are_400_problems_that_say_what_is_wrong_and_run_nothing()
    {
        var (red, _) = _net.AddSeedPair();
        var lonely = _net.AddNamespace("lonely");
        _net.AddVeth(lonely, "bare0", lonely, "bare1");
        using var client = Server().AuthorizedClient();
        await client.GetAsync("/api/topology?fresh=true");

        var cases = new (object Body, string Detail)[]
        {
            (new { source = "", destination = "10.0.1.2" }, "'source' is required"),
            (new { source = _net.Name("nope"), destination = "10.0.1.2" }, $"no namespace is known as '{_net.Name("nope")}'"),
            (new { source = red, destination = "10.0.1" }, "is not an IPv4 address"),
            (new { source = red, destination = "not an address" }, "neither an IP address nor"),
            (new { source = red, destination = $"{_net.Name("nope")}/eth0" }, "no namespace is known as"),
            (new { source = red, destination = $"{lonely}/bare0" }, "has no IPv4 address"),
            (new { source = red }, "'destination' is required"),
        };
        foreach (var (body, detail) in cases)
        {
            using var response = await client.PostAsJsonAsync("/api/diagnoses", body);
            var problem = await Problem(response, HttpStatusCode.BadRequest);
            Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            output.WriteLine($"400: {problem.GetProperty("detail").GetString()}");
        }

        using var malformed = await client.PostAsync("/api/diagnoses", new StringContent("{\"source\":", Encoding.UTF8, "application/json"));
        await Problem(malformed, HttpStatusCode.BadRequest);
        using var badWait = await client.PostAsJsonAsync("/api/diagnoses?wait=banana", new { source = red, destination = "10.0.1.2" });
        await Problem(badWait, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_ids_are_404_problems_and_the_api_needs_the_token()
    {
        var factory = Server();
        using var client = factory.AuthorizedClient();

        foreach (var id in new[] { Storage.RandomIds.New(), "nope", "..%2F..%2Fetc" })
        {
            using var response = await client.GetAsync($"/api/diagnoses/{id}");
            await Problem(response, HttpStatusCode.NotFound);
        }
        using var anonymous = factory.RawClient();
        using var refused = await anonymous.PostAsJsonAsync("/api/diagnoses", new { source = "root", destination = "127.0.0.1" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task More_than_the_limit_in_flight_is_429_and_wait_false_answers_202_at_once()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "down"); // ping waits for its answers: a slow diagnosis
        _net.Settle();
        var factory = Server(new() { ["Dashboard:Diagnosis:MaxConcurrent"] = "1" });
        using var client = factory.AuthorizedClient();

        using var first = await client.PostAsJsonAsync("/api/diagnoses?wait=false", new DiagnosisRequest(red, "10.0.1.2"));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var running = (await first.Content.ReadFromJsonAsync<Shared.Diagnosis>())!;
        Assert.Equal(DiagnosisStatus.Running, running.Status);
        Assert.Null(running.Verdict);
        Assert.Equal($"/api/diagnoses/{running.Id}", first.Headers.Location?.OriginalString);

        using var second = await client.PostAsJsonAsync("/api/diagnoses", new DiagnosisRequest(red, "10.0.1.2"));
        await Problem(second, HttpStatusCode.TooManyRequests);
        Assert.True(second.Headers.RetryAfter is not null);

        var done = await WaitDone(client, running.Id);
        Assert.Equal(Verdicts.Unreachable, done.Verdict);
        using var third = await client.PostAsJsonAsync("/api/diagnoses", new DiagnosisRequest(red, "10.0.1.2"));
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
    }

    [Fact]
    public async Task A_diagnosis_is_stored_and_its_link_still_opens_after_a_restart()
    {
        var (red, _) = _net.AddSeedPair();
        var dataDirectory = Directory.CreateTempSubdirectory("ndt-data-").FullName;
        try
        {
            Shared.Diagnosis created;
            string stored;
            using (var first = new DashboardFactory(dataDirectory: dataDirectory))
            {
                using var client = first.AuthorizedClient();
                created = await Diagnose.Run(client, output, red, "10.0.1.2");
                using var get = await client.GetAsync($"/api/diagnoses/{created.Id}");
                Assert.Equal(HttpStatusCode.OK, get.StatusCode);
                stored = await get.Content.ReadAsStringAsync();
            }
            Assert.True(File.Exists(Path.Combine(dataDirectory, "dashboard.db")));

            using var second = new DashboardFactory(dataDirectory: dataDirectory);
            using var again = second.AuthorizedClient();
            using var response = await again.GetAsync($"/api/diagnoses/{created.Id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(stored, body);
            var back = JsonSerializer.Deserialize(body, WireJsonContext.Default.Diagnosis)!;
            Assert.Equal((created.Id, Verdicts.Reachable, created.Steps.Count), (back.Id, back.Verdict, back.Steps.Count));
            var root = JsonDocument.Parse(body).RootElement;
            foreach (var field in new[] { "id", "source", "destination", "verdict", "rootCause", "steps", "startedAt", "durationMs", "status", "path", "warnings" })
                Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
            Assert.Equal(JsonValueKind.Null, root.GetProperty("rootCause").ValueKind);
            Assert.Equal(TestNet.Id(red), root.GetProperty("source").GetProperty("namespaceId").GetString());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Hub_clients_are_pushed_each_step_as_it_finishes()
    {
        var (red, _) = _net.AddSeedPair();
        var factory = Server();
        using var client = factory.AuthorizedClient();
        await using var hub = factory.HubConnection();
        var pushed = new ConcurrentQueue<(string Id, DiagnosisStep Step)>();
        hub.On<string, DiagnosisStep>(nameof(Shared.ITopologyClient.DiagnosisProgress), (id, step) => pushed.Enqueue((id, step)));
        await hub.StartAsync();

        using var response = await client.PostAsJsonAsync("/api/diagnoses?wait=false", new DiagnosisRequest(red, "10.0.1.2"));
        var id = (await response.Content.ReadFromJsonAsync<Shared.Diagnosis>())!.Id;
        var done = await WaitDone(client, id);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (pushed.Count(p => p.Id == id) < done.Steps.Count && DateTime.UtcNow < deadline) await Task.Delay(50);
        var mine = pushed.Where(p => p.Id == id).Select(p => p.Step).ToList();
        Assert.Equal(done.Steps.Select(s => (s.Name, s.Status, s.Detail)), mine.Select(s => (s.Name, s.Status, s.Detail)));
    }

    private static async Task<Shared.Diagnosis> WaitDone(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var d = (await client.GetFromJsonAsync<Shared.Diagnosis>($"/api/diagnoses/{id}"))!;
            if (d.Status == DiagnosisStatus.Done) return d;
            Assert.True(DateTime.UtcNow < deadline, "the diagnosis did not finish in 30 s");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        foreach (var f in _factories) f.Dispose();
        _net.Dispose();
    }
}
