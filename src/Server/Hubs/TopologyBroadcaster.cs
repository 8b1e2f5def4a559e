using Dashboard.Server.Monitoring;
using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Server.Hubs;

/// <summary>
/// Pushes every new state of the <see cref="TopologyStore"/> to all hub clients: the topology,
/// and the findings when they changed. The store already coalesces kernel events; this adds a
/// floor between pushes so that no client gets more than about ten a second.
/// </summary>
internal sealed class TopologyBroadcaster(
    TopologyStore store,
    IHubContext<TopologyHub, ITopologyClient> hub,
    TimeProvider time,
    ILogger<TopologyBroadcaster> logger) : BackgroundService
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<Finding>? lastFindings = null;
        Topology? lastTopology = null;
        var patcher = new TopologyPatcher();
        try
        {
            await foreach (var state in store.WatchAsync(stoppingToken))
            {
                var sent = time.GetTimestamp();
                try
                {
                    // Findings first: they are small and what people wait for.
                    if (lastFindings is null || !state.Findings.SequenceEqual(lastFindings))
                        await hub.Clients.All.FindingsChanged(state.Findings);
                    if (!ReferenceEquals(state.Topology, lastTopology))
                    {
                        var patch = patcher.Next(state.Topology);
                        await hub.Clients.Group(TopologyHub.WholeGroup).TopologyChanged(state.Topology);
                        // The first push has nothing to patch: patch clients read GET /api/topology at connect.
                        // An empty patch still goes: it moves the clients' base on to this topology.
                        if (patch is not null)
                            await hub.Clients.Group(TopologyHub.PatchesGroup).TopologyPatched(patch);
                    }
                    lastTopology = state.Topology;
                    lastFindings = state.Findings;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Pushing the topology to hub clients failed");
                }
                var elapsed = time.GetElapsedTime(sent);
                if (elapsed < MinimumInterval)
                    await Task.Delay(MinimumInterval - elapsed, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
