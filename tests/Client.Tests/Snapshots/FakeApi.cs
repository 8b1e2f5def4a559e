using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Client.Services;
using Dashboard.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client.Tests.Snapshots;

/// <summary>The server as the snapshot pages see it: canned answers by method and path, every request kept.</summary>
internal sealed class FakeApi : HttpMessageHandler
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Method, string Path), Func<HttpRequestMessage, string?, HttpResponseMessage>> _routes = new();

    private readonly List<(string Method, string Path, string? Body)> _requests = [];

    /// <summary>Every request so far, as a copy: the page's background reads add to it while a test looks.</summary>
    public IReadOnlyList<(string Method, string Path, string? Body)> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    public FakeApi()
    {
        // What the live state reads; the snapshot pages do not depend on it.
        Json("GET", "/api/topology", new Topology(DateTimeOffset.UnixEpoch, "node-1", [], [], []), WireJsonContext.Default.Topology);
        Json("GET", "/api/findings", (IReadOnlyList<Finding>)[], WireJsonContext.Default.IReadOnlyListFinding);
    }

    public FakeApi Json<T>(string method, string path, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, HttpStatusCode status = HttpStatusCode.OK)
    {
        _routes[(method, path)] = (_, _) => new HttpResponseMessage(status)
        {
            Content = new StringContent(JsonSerializer.Serialize(value, type), Encoding.UTF8, "application/json"),
        };
        return this;
    }

    public FakeApi Problem(string method, string path, HttpStatusCode status, string detail)
    {
        _routes[(method, path)] = (_, _) => Problem(status, detail);
        return this;
    }

    public FakeApi On(string method, string path, Func<HttpRequestMessage, string?, HttpResponseMessage> answer)
    {
        _routes[(method, path)] = answer;
        return this;
    }

    public static HttpResponseMessage Problem(HttpStatusCode status, string detail) => new(status)
    {
        Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, object> { ["status"] = (int)status, ["title"] = status.ToString(), ["detail"] = detail }),
            Encoding.UTF8, "application/problem+json"),
    };

    public static HttpResponseMessage Ok<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, HttpStatusCode status = HttpStatusCode.OK) => new(status)
    {
        Content = new StringContent(JsonSerializer.Serialize(value, type), Encoding.UTF8, "application/json"),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var method = request.Method.Method;
        var path = Uri.UnescapeDataString(request.RequestUri!.AbsolutePath);
        lock (_requests) _requests.Add((method, path, body));
        return _routes.TryGetValue((method, path), out var answer)
            ? answer(request, body)
            : Problem(HttpStatusCode.NotFound, $"no route {method} {path} in the test");
    }

    /// <summary>Registers this as the server of <paramref name="services"/>: the API client and a live state with a quiet hub.</summary>
    public void Serve(IServiceCollection services)
    {
        var api = new DashboardApi(new HttpClient(this) { BaseAddress = new Uri("http://127.0.0.1:5080/") });
        services.AddSingleton(api);
        services.AddSingleton(sp => new DashboardState(api, sp.GetRequiredService<NavigationManager>(),
            TimeProvider.System, _ => new FakeHub().Create(new LiveHandlers(_ => { }, _ => { }, _ => { }))));
    }
}
