using System.Net.Http.Json;
using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>The public HTTP API, as the browser sees it (the login cookie rides along).</summary>
public sealed class DashboardApi(HttpClient http)
{
    public async Task<Topology> GetTopologyAsync(bool fresh, CancellationToken cancellationToken = default) =>
        await GetTopologyAsync(fresh, holding: null, cancellationToken)
        ?? throw new InvalidOperationException("The server sent an empty topology.");

    /// <summary>
    /// GET /api/topology; null when the server answers 304 because the page already holds that
    /// read (<paramref name="holding"/>: the server's ETag is the read's takenAt in ticks).
    /// </summary>
    public async Task<Topology?> GetTopologyAsync(bool fresh, Topology? holding, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fresh ? "api/topology?fresh=true" : "api/topology");
        if (holding is not null && !fresh)
            request.Headers.TryAddWithoutValidation("If-None-Match", $"\"{holding.TakenAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"");
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotModified)
            return null;
        response.EnsureSuccessStatusCode();
        // Read whole, then parse: streaming a megabyte from fetch in small chunks costs the browser
        // one promise per chunk, far more than one copy.
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return System.Text.Json.JsonSerializer.Deserialize(bytes, WireJsonContext.Default.Topology)
            ?? throw new InvalidOperationException("The server sent an empty topology.");
    }

    public async Task<IReadOnlyList<Finding>> GetFindingsAsync(CancellationToken cancellationToken = default) =>
        await http.GetFromJsonAsync("api/findings", WireJsonContext.Default.IReadOnlyListFinding, cancellationToken)
        ?? throw new InvalidOperationException("The server sent empty findings.");

    /// <summary>`ethtool -S` of one interface, read by the server now. A failed `ethtool` comes back as warnings, not as an error.</summary>
    public async Task<InterfaceCounters> GetCountersAsync(string namespaceId, string iface, CancellationToken cancellationToken = default) =>
        await http.GetFromJsonAsync(
            $"api/namespaces/{Uri.EscapeDataString(namespaceId)}/interfaces/{Uri.EscapeDataString(iface)}/counters",
            WireJsonContext.Default.InterfaceCounters, cancellationToken)
        ?? throw new InvalidOperationException("The server sent empty counters.");

    /// <summary>
    /// POST /api/diagnoses?wait=false: the diagnosis as it starts (its id), or the server's reason
    /// for refusing it (400: a bad source or destination; 429: too many running).
    /// </summary>
    public async Task<(Diagnosis? Diagnosis, string? Problem)> StartDiagnosisAsync(DiagnosisRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("api/diagnoses?wait=false", request, WireJsonContext.Default.DiagnosisRequest, cancellationToken);
        if (response.IsSuccessStatusCode)
            return (await response.Content.ReadFromJsonAsync(WireJsonContext.Default.Diagnosis, cancellationToken), null);
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            response.EnsureSuccessStatusCode(); // the caller reloads for the login page
        return (null, await ProblemAsync(response, cancellationToken));
    }

    /// <summary>GET /api/diagnoses/{id}; null when there is no such diagnosis.</summary>
    public async Task<Diagnosis?> GetDiagnosisAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"api/diagnoses/{Uri.EscapeDataString(id)}", cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(WireJsonContext.Default.Diagnosis, cancellationToken);
    }

    /// <summary>The <c>detail</c> (else <c>title</c>) of a ProblemDetails answer, else the status.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var doc = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            foreach (var name in new[] { "detail", "title" })
                if (doc.RootElement.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } text)
                    return text;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return $"The server answered {(int)response.StatusCode} {response.ReasonPhrase}.";
    }
}
