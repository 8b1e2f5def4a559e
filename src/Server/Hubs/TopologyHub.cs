using Dashboard.Server.Metrics;
using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Server.Hubs;

/// <summary>
/// /hubs/topology: the server pushes <see cref="ITopologyClient"/> calls; clients only listen.
/// A client reads the current state over REST first, then applies what arrives here: the whole
/// topology on every change, or only what changed if it connected with <c>?patches=true</c>.
/// </summary>
internal sealed class TopologyHub(DashboardMetrics metrics) : Hub<ITopologyClient>
{
    /// <summary>Clients connected with <c>?patches=true</c> get <see cref="ITopologyClient.TopologyPatched"/>.</summary>
    public const string PatchesGroup = "topology-patches";

    /// <summary>Every other client gets the whole topology (<see cref="ITopologyClient.TopologyChanged"/>).</summary>
    public const string WholeGroup = "topology-whole";

    public override async Task OnConnectedAsync()
    {
        var patches = Context.GetHttpContext()?.Request.Query["patches"] is { Count: > 0 } value
            && (value[0] is "true" or "1");
        await Groups.AddToGroupAsync(Context.ConnectionId, patches ? PatchesGroup : WholeGroup);
        await base.OnConnectedAsync();
        metrics.HubClientConnected();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.HubClientDisconnected();
        return base.OnDisconnectedAsync(exception);
    }
}
