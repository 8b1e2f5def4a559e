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

    /// <summary>GET /api/snapshots, newest first; or the server's reason (503: the store is unavailable, and why).</summary>
    public Task<ApiResult<IReadOnlyList<SnapshotSummary>>> GetSnapshotsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/snapshots"), WireJsonContext.Default.IReadOnlyListSnapshotSummary, cancellationToken);

    /// <summary>POST /api/snapshots: takes one now.</summary>
    public Task<ApiResult<SnapshotCreated>> TakeSnapshotAsync(SnapshotRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/snapshots")
        {
            Content = JsonContent.Create(request, WireJsonContext.Default.SnapshotRequest),
        }, WireJsonContext.Default.SnapshotCreated, cancellationToken);

    /// <summary>GET /api/snapshots/{id} (404: no such snapshot).</summary>
    public Task<ApiResult<Snapshot>> GetSnapshotAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, SnapshotPath(id)), WireJsonContext.Default.Snapshot, cancellationToken);

    /// <summary>DELETE /api/snapshots/{id}.</summary>
    public async Task<ApiResult<bool>> DeleteSnapshotAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, SnapshotPath(id)), cancellationToken);
        return response.IsSuccessStatusCode
            ? new ApiResult<bool>(true, null, response.StatusCode)
            : new ApiResult<bool>(false, await FailureAsync(response, cancellationToken), response.StatusCode);
    }

    /// <summary>GET /api/snapshots/{from}/compare/{to}; either may be <see cref="SnapshotLimits.Live"/>.</summary>
    public Task<ApiResult<TopologyComparison>> CompareAsync(string from, string to, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, $"{SnapshotPath(from)}/compare/{Uri.EscapeDataString(to)}"),
            WireJsonContext.Default.TopologyComparison, cancellationToken);

    /// <summary>
    /// POST /api/snapshots/import with an exported snapshot, sent as the file holds it: the server
    /// checks it and says what is wrong (400 not a snapshot, 413 too big, 503 store unavailable).
    /// </summary>
    public Task<ApiResult<SnapshotCreated>> ImportSnapshotAsync(byte[] json, CancellationToken cancellationToken = default)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/snapshots/import") { Content = content },
            WireJsonContext.Default.SnapshotCreated, cancellationToken);
    }

    /// <summary>The download link of a snapshot (the login cookie is enough for a plain link), relative to the app's base.</summary>
    public static string ExportHref(string id) => $"{SnapshotPath(id)}/export";

    /// <summary>GET /api/capabilities: what this server lets the browser change (always 200).</summary>
    public Task<ApiResult<Capabilities>> GetCapabilitiesAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/capabilities"), WireJsonContext.Default.Capabilities, cancellationToken);

    /// <summary>GET /api/lab: the lab's scenarios, faults and namespaces; 403 (with the reason) when the server allows no changes.</summary>
    public Task<ApiResult<LabState>> GetLabAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/lab"), WireJsonContext.Default.LabState, cancellationToken);

    /// <summary>POST /api/lab/scenarios/{name}: builds the scenario afresh. A 200 may still say <see cref="LabAction.Succeeded"/> false.</summary>
    public Task<ApiResult<LabAction>> BuildScenarioAsync(string name, CancellationToken cancellationToken = default) =>
        LabActionAsync(HttpMethod.Post, $"api/lab/scenarios/{Uri.EscapeDataString(name)}", cancellationToken);

    /// <summary>DELETE /api/lab/scenarios/{name}: removes its namespaces.</summary>
    public Task<ApiResult<LabAction>> RemoveScenarioAsync(string name, CancellationToken cancellationToken = default) =>
        LabActionAsync(HttpMethod.Delete, $"api/lab/scenarios/{Uri.EscapeDataString(name)}", cancellationToken);

    /// <summary>POST /api/lab/faults/{name}: injects it (409: its scenario is not built, or it is already active).</summary>
    public Task<ApiResult<LabAction>> InjectFaultAsync(string name, CancellationToken cancellationToken = default) =>
        LabActionAsync(HttpMethod.Post, $"api/lab/faults/{Uri.EscapeDataString(name)}", cancellationToken);

    /// <summary>DELETE /api/lab/faults/{name}: heals it.</summary>
    public Task<ApiResult<LabAction>> HealFaultAsync(string name, CancellationToken cancellationToken = default) =>
        LabActionAsync(HttpMethod.Delete, $"api/lab/faults/{Uri.EscapeDataString(name)}", cancellationToken);

    /// <summary>DELETE /api/lab: removes every lab namespace.</summary>
    public Task<ApiResult<LabAction>> ResetLabAsync(CancellationToken cancellationToken = default) =>
        LabActionAsync(HttpMethod.Delete, "api/lab", cancellationToken);

    /// <summary>POST /api/findings/{id}/fix: the server runs the finding's fix commands (403 not allowed there, 409 the fix needs a person, 404 gone).</summary>
    public Task<ApiResult<LabAction>> ApplyFindingFixAsync(string findingId, CancellationToken cancellationToken = default) =>
        LabActionAsync(HttpMethod.Post, $"api/findings/{Uri.EscapeDataString(findingId)}/fix", cancellationToken);

    /// <summary>POST /api/diagnoses/{id}/fix: the server runs the root cause's fix commands (403, 409, 404 as for a finding).</summary>
    public Task<ApiResult<LabAction>> ApplyDiagnosisFixAsync(string diagnosisId, CancellationToken cancellationToken = default) =>
        LabActionAsync(HttpMethod.Post, $"api/diagnoses/{Uri.EscapeDataString(diagnosisId)}/fix", cancellationToken);

    private Task<ApiResult<LabAction>> LabActionAsync(HttpMethod method, string path, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(method, path), WireJsonContext.Default.LabAction, cancellationToken);

    private static string SnapshotPath(string id) => $"api/snapshots/{Uri.EscapeDataString(id)}";

    /// <summary>
    /// Sends <paramref name="request"/> and reads the answer as <typeparamref name="T"/>, or the
    /// server's reason for refusing. A 401 throws (the page reloads for the login page), as does a
    /// network failure.
    /// </summary>
    private async Task<ApiResult<T>> SendAsync<T>(HttpRequestMessage request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return new ApiResult<T>(default, await FailureAsync(response, cancellationToken), response.StatusCode);
            var value = await response.Content.ReadFromJsonAsync(type, cancellationToken);
            return value is null
                ? new ApiResult<T>(default, "The server sent an empty answer.", response.StatusCode)
                : new ApiResult<T>(value, null, response.StatusCode);
        }
    }

    private static async Task<string> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            response.EnsureSuccessStatusCode(); // the caller reloads for the login page
        return await ProblemAsync(response, cancellationToken);
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

/// <summary>An answer of the API: the value, or the server's reason (a ProblemDetails' detail) and the status.</summary>
public sealed record ApiResult<T>(T? Value, string? Problem, System.Net.HttpStatusCode Status)
{
    public bool NotFound => Status == System.Net.HttpStatusCode.NotFound;

    /// <summary>503: the snapshot store cannot be used (read-only or full disk, a corrupt file); <see cref="Problem"/> says why.</summary>
    public bool Unavailable => Status == System.Net.HttpStatusCode.ServiceUnavailable;

    /// <summary>403: the server does not allow this (no changes at all, or not to that namespace); <see cref="Problem"/> says why.</summary>
    public bool Forbidden => Status == System.Net.HttpStatusCode.Forbidden;
}
