using Dashboard.Server.Monitoring;
using Dashboard.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Server.Api;

public static class TopologyApi
{
    public static RouteGroupBuilder MapTopologyApi(this RouteGroupBuilder api)
    {
        api.MapGet("/topology", GetTopology)
            .WithName("GetTopology")
            .WithSummary("The node's namespaces, interfaces, routes and veth pairs. fresh=true re-reads the kernel first.");
        return api;
    }

    private static async Task<Ok<Topology>> GetTopology(TopologyStore store, CancellationToken cancellationToken, bool fresh = false) =>
        TypedResults.Ok(await store.GetAsync(fresh, cancellationToken));
}
