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
                        await hub.Clients.All.TopologyChanged(state.Topology);
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
