using Dashboard.Server.Monitoring;
using Dashboard.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Server.Api;

internal static class TopologyApi
{
    public static RouteGroupBuilder MapTopologyApi(this RouteGroupBuilder api)
    {
        api.MapGet("/topology", GetTopology)
            .WithName("GetTopology")
            .WithSummary("The node as it is now: its namespaces, interfaces, routes and veth pairs. fresh=true re-reads the kernel before answering instead of serving the live-maintained state.")
            .WithDescription("The answer carries an ETag naming the read it comes from; a client that sends it back in If-None-Match gets 304 and no body (fresh=true always answers in full).")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/findings", GetFindings)
            .WithName("GetFindings")
            .WithSummary("What is wrong now, plus veth pairs and namespaces that vanished recently.");
        return api;
    }

    /// <summary>
    /// The topology, with an ETag naming the read it comes from: a client that holds that read
    /// (If-None-Match) gets 304 and no megabyte to parse. <c>fresh=true</c> always answers in full.
    /// </summary>
    private static async Task<Results<Ok<Topology>, StatusCodeHttpResult>> GetTopology(
        TopologyStore store, HttpContext http, CancellationToken cancellationToken, bool fresh = false)
    {
        var topology = (await store.GetAsync(fresh, cancellationToken)).Topology;
        var etag = ETagOf(topology);
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = "no-cache";
        if (!fresh && http.Request.Headers.IfNoneMatch.Any(v => v == etag || v == "*"))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Ok(topology);
    }

    public static string ETagOf(Topology topology) =>
        $"\"{topology.TakenAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";

    private static async Task<Ok<IReadOnlyList<Finding>>> GetFindings(TopologyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.GetAsync(fresh: false, cancellationToken)).Findings);
}
