using Dashboard.Server.Discovery;
using Dashboard.Shared;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Monitoring;

/// <summary>
/// Holds the current <see cref="Topology"/> and keeps it fresh: re-reads the kernel every
/// <see cref="DiscoveryOptions.RefreshInterval"/>, or at once when a caller asks for fresh state.
/// One discovery runs at a time.
/// </summary>
public sealed class TopologyStore(
    ITopologyDiscovery discovery,
    IOptions<DiscoveryOptions> options,
    TimeProvider time,
    ILogger<TopologyStore> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Topology? _current;

    /// <summary>The live-maintained state, read once if nothing has been read yet.</summary>
    public async Task<Topology> GetAsync(bool fresh, CancellationToken cancellationToken)
    {
        var current = _current;
        if (!fresh && current is not null) return current;
        return await RefreshAsync(fresh ? TimeSpan.Zero : TimeSpan.MaxValue, cancellationToken);
    }

    /// <summary>Re-reads the kernel unless what another caller read meanwhile is younger than <paramref name="maxAge"/>.</summary>
    private async Task<Topology> RefreshAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var asked = time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = _current;
            if (current is not null && maxAge > TimeSpan.Zero && asked - current.TakenAt < maxAge)
                return current;
            var topology = await Task.Run(() => DiscoverSafely(cancellationToken), cancellationToken);
            _current = topology;
            return topology;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Topology DiscoverSafely(CancellationToken cancellationToken)
    {
        try
        {
            return discovery.Discover(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never a 500: keep serving what we last saw, and say that it is stale.
            logger.LogError(e, "Discovery failed");
            var last = _current;
            var warning = $"Discovery failed: {e.Message}";
            return last is null
                ? new Topology(time.GetUtcNow(), Environment.MachineName, [], [], [warning])
                : last with { Warnings = [.. last.Warnings, warning + " (showing the previous state)"] };
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        do
        {
            try
            {
                // A read someone asked for in between counts: no second read right after it.
                await RefreshAsync(options.Value.RefreshInterval / 2, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false) is true);
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
