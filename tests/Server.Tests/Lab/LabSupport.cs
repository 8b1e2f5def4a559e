using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Lab;

/// <summary>A test server with the lab on (its own prefix, so that test processes running at once never meet), and helpers.</summary>
public sealed class LabServer : IDisposable
{
    public LabServer(bool allowAll = false, Dictionary<string, string>? settings = null, string? prefix = null)
    {
        Prefix = prefix ?? TestNet.NewLabPrefix();
        var all = new Dictionary<string, string>
        {
            [allowAll ? "Dashboard:AllowChanges" : "Dashboard:Lab:Enabled"] = "true",
            ["Dashboard:Lab:Prefix"] = Prefix,
        };
        foreach (var (k, v) in settings ?? []) all[k] = v;
        Factory = new DashboardFactory(settings: all);
        Client = Factory.AuthorizedClient();
    }

    public string Prefix { get; }

    public DashboardFactory Factory { get; }

    public HttpClient Client { get; }

    /// <summary>The lab namespaces that exist now, as `ip netns list` says.</summary>
    public IReadOnlyList<string> Namespaces() => Lab.Namespaces(Prefix);

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose(); // the host stops: its lab namespaces are removed
        // Whatever a failed test left (the host's own clean-up is asserted where it is tested).
        foreach (var ns in Namespaces()) Run.Try("ip", ["netns", "delete", ns]);
    }
}

internal static class Lab
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static IReadOnlyList<string> Namespaces(string prefix)
    {
        var list = Run.Ok("ip", "-j", "netns", "list");
        if (string.IsNullOrWhiteSpace(list)) return [];
        using var doc = JsonDocument.Parse(list);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    public static async Task<LabState> State(HttpClient client)
    {
        using var response = await client.GetAsync("/api/lab");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize(body, WireJsonContext.Default.LabState)!;
    }

    /// <summary>A changing lab call that must answer 200 with a LabAction that succeeded.</summary>
    public static async Task<LabAction> Ok(HttpClient client, HttpMethod method, string url)
    {
        var action = await Action(client, method, url);
        Assert.True(action.Succeeded, $"{method} {url} did not succeed: {action.Warning}\n{string.Join("\n", action.Commands.Select(c => $"{c.ExitCode} {c.Command} {c.Error}"))}");
        return action;
    }

    public static async Task<LabAction> Action(HttpClient client, HttpMethod method, string url)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(method, url));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {url}: {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize(body, WireJsonContext.Default.LabAction)!;
    }

    /// <summary>A ProblemDetails answer with <paramref name="status"/>; returns its detail.</summary>
    public static async Task<string> Problem(HttpClient client, HttpMethod method, string url, HttpStatusCode status)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(method, url));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {url}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("detail").GetString() ?? "";
    }

    /// <summary>Polls GET /api/findings (never fresh) until the findings about lab namespaces satisfy <paramref name="condition"/>.</summary>
    public static async Task<List<Finding>> Findings(HttpClient client, string prefix, Func<List<Finding>, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        var seen = new List<string>();
        while (true)
        {
            var all = (await client.GetFromJsonAsync<List<Finding>>("/api/findings"))!;
            var mine = all.Where(f => f.NamespaceName?.StartsWith(prefix, StringComparison.Ordinal) == true).ToList();
            if (condition(mine)) return mine;
            var described = mine.Count == 0 ? "(none)" : string.Join("; ", mine.Select(f => $"{f.Rule} {f.NamespaceName}/{f.Interface}"));
            if (seen.Count == 0 || seen[^1] != described) seen.Add(described);
            if (clock.Elapsed > Timeout)
                throw new Xunit.Sdk.XunitException($"The findings never showed {what}; seen in order:\n  - {string.Join("\n  - ", seen)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Pings until one is answered (a link just set up needs its carrier); fails with the last output after the timeout.</summary>
    public static async Task Ping(string ns, string address)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var r = Run.Try("ip", ["netns", "exec", ns, "ping", "-n", "-c", "1", "-W", "1", address]);
            if (r.ExitCode == 0) return;
            if (clock.Elapsed > Timeout) throw new Xunit.Sdk.XunitException($"ping {address} from {ns} never answered: {r.Stdout}{r.Stderr}");
            await Task.Delay(100);
        }
    }

    public static async Task<Shared.Diagnosis> Diagnose(HttpClient client, string source, string destination)
    {
        using var response = await client.PostAsJsonAsync("/api/diagnoses", new DiagnosisRequest(source, destination));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize(body, WireJsonContext.Default.Diagnosis)!;
    }
}
