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
        return await response.Content.ReadFromJsonAsync(WireJsonContext.Default.Topology, cancellationToken)
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
}
