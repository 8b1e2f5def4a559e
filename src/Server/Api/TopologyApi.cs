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
            .WithSummary("The node's namespaces, interfaces, routes and veth pairs. fresh=true re-reads the kernel first.");
        api.MapGet("/findings", GetFindings)
            .WithName("GetFindings")
            .WithSummary("What is wrong now, plus veth pairs and namespaces that vanished recently.");
        return api;
    }

    private static async Task<Ok<Topology>> GetTopology(TopologyStore store, CancellationToken cancellationToken, bool fresh = false) =>
        TypedResults.Ok((await store.GetAsync(fresh, cancellationToken)).Topology);

    private static async Task<Ok<IReadOnlyList<Finding>>> GetFindings(TopologyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.GetAsync(fresh: false, cancellationToken)).Findings);
}
