using System.Text;
using System.Threading.Channels;
using Dashboard.Server.Monitoring;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Snapshots;

/// <summary>
/// Automatic snapshots (both off by default): every <see cref="SnapshotOptions.Interval"/> (label "schedule"), and
/// when a finding appears that the previous live state did not have (label "new finding: RULE on NS/IF"): one
/// snapshot <see cref="SnapshotOptions.FindingSettle"/> after the first new finding, then none for
/// <see cref="SnapshotOptions.MinimumGap"/>, so a storm of findings makes one snapshot. The findings present when
/// the server starts are the baseline, not new. Each automatic snapshot applies the retention
/// (<see cref="SnapshotOptions.KeepCount"/>, <see cref="SnapshotOptions.KeepDays"/>) to automatic snapshots only.
/// A store that cannot be written is logged and tried again at the next occasion; it never stops the server.
/// </summary>
internal sealed class SnapshotScheduler : BackgroundService
{
    /// <summary>Takes one automatic snapshot: label, origin, by.</summary>
    internal delegate Task Take(string label, string origin, string by, CancellationToken cancellationToken);

    private readonly Func<CancellationToken, IAsyncEnumerable<TopologyState>> _watch;
    private readonly Take _take;
    private readonly SnapshotOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<IReadOnlyList<Finding>> _newFindings = Channel.CreateUnbounded<IReadOnlyList<Finding>>(new UnboundedChannelOptions { SingleReader = true });

    public SnapshotScheduler(SnapshotService snapshots, TopologyStore store, IOptions<SnapshotOptions> options, TimeProvider time, ILogger<SnapshotScheduler> logger)
        : this(store.WatchAsync, (label, origin, by, ct) => snapshots.TakeAsync(label, by, origin, ct), options.Value, time, logger)
    {
    }

    /// <summary>For tests: any stream of live states, any way to take a snapshot.</summary>
    internal SnapshotScheduler(Func<CancellationToken, IAsyncEnumerable<TopologyState>> watch, Take take, SnapshotOptions options, TimeProvider time, ILogger logger)
    {
        _watch = watch;
        _take = take;
        _options = options;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = _options;
        var loops = new List<Task>();
        if (o.Interval > TimeSpan.Zero)
        {
            _logger.LogInformation("Automatic snapshots every {Interval}, keeping the newest {KeepCount}{Days}", o.Interval, o.KeepCount, o.KeepDays > 0 ? $" for at most {o.KeepDays} days" : "");
            loops.Add(ScheduleLoopAsync(o.Interval, stoppingToken));
        }
        if (o.OnNewFinding)
        {
            _logger.LogInformation("Automatic snapshots on new findings, at most one every {Gap}", o.MinimumGap);
            loops.Add(WatchFindingsAsync(stoppingToken));
            loops.Add(FindingLoopAsync(o, stoppingToken));
        }
        if (loops.Count == 0) return;
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ScheduleLoopAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await TakeAsync("schedule", SnapshotOrigins.Schedule, SnapshotOrigins.Schedule, stoppingToken);
    }

    /// <summary>Passes on the findings of each live state that the previous one did not have (by finding id: rule and place).</summary>
    private async Task WatchFindingsAsync(CancellationToken stoppingToken)
    {
        HashSet<string>? known = null;
        await foreach (var state in _watch(stoppingToken))
        {
            var ids = state.Findings.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
            if (known is not null)
            {
                var fresh = state.Findings.Where(f => !known.Contains(f.Id)).ToList();
                if (fresh.Count > 0) _newFindings.Writer.TryWrite(fresh);
            }
            known = ids;
        }
    }

    private async Task FindingLoopAsync(SnapshotOptions o, CancellationToken stoppingToken)
    {
        var reader = _newFindings.Reader;
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            var first = new List<Finding>();
            while (reader.TryRead(out var batch)) first.AddRange(batch);
            if (o.FindingSettle > TimeSpan.Zero) await Task.Delay(o.FindingSettle, _time, stoppingToken);
            while (reader.TryRead(out var batch)) first.AddRange(batch);
            var (label, by) = Describe(first);
            await TakeAsync(label, SnapshotOrigins.Finding, by, stoppingToken);
            await Task.Delay(o.MinimumGap, _time, stoppingToken);
            // What appeared during the gap is part of the storm: it takes no snapshot of its own.
            int skipped = 0;
            while (reader.TryRead(out var batch)) skipped += batch.Count;
            if (skipped > 0) _logger.LogDebug("{Count} new findings within {Gap} of the last new-finding snapshot took none", skipped, o.MinimumGap);
        }
    }

    private async Task TakeAsync(string label, string origin, string by, CancellationToken stoppingToken)
    {
        try
        {
            await _take(label, origin, by, stoppingToken);
        }
        catch (StorageUnavailableException e)
        {
            _logger.LogWarning("Automatic snapshot ({Origin}) not taken: {Reason}", origin, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError(e, "Automatic snapshot ({Origin}) failed", origin);
        }
    }

    /// <summary>"new finding: interface-down on pod-red/veth-red" (+ "and N more"), and who took it: the finding.</summary>
    public static (string Label, string By) Describe(IReadOnlyList<Finding> findings)
    {
        var f = findings.OrderByDescending(x => x.Severity == Severities.Error).ThenByDescending(x => x.Severity == Severities.Warning)
            .ThenBy(x => x.Rule, StringComparer.Ordinal).First();
        var place = f.Interface is null ? f.NamespaceName ?? f.NamespaceId : $"{f.NamespaceName ?? f.NamespaceId}/{f.Interface}";
        var what = Clean($"{f.Rule} on {place}");
        var more = findings.Count > 1 ? $" and {findings.Count - 1} more" : "";
        var label = "new finding: " + what;
        label = label.Length + more.Length > SnapshotLimits.LabelLength
            ? label[..(SnapshotLimits.LabelLength - more.Length - 1)] + "…" + more
            : label + more;
        var by = what.Length > SnapshotLimits.ByLength ? what[..(SnapshotLimits.ByLength - 1)] + "…" : what;
        return (label, by);
    }

    /// <summary>Names come from the node (a namespace file may be called anything): one line of text.</summary>
    private static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text) sb.Append(char.IsControl(c) ? '?' : c);
        return sb.ToString();
    }
}
