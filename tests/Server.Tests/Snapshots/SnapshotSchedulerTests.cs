using System.Collections.Concurrent;
using System.Threading.Channels;
using Dashboard.Server.Monitoring;
using Dashboard.Server.Snapshots;
using Dashboard.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// When automatic snapshots are taken, on a fake clock and a hand-fed stream of live states: the schedule, a new
/// finding after the settle time, one snapshot per storm, the baseline at start.
/// </summary>
public sealed class SnapshotSchedulerTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(SnapshotData.T0);
    private readonly Channel<TopologyState> _states = Channel.CreateUnbounded<TopologyState>();
    private readonly ConcurrentQueue<(string Label, string Origin, string By, DateTimeOffset At)> _taken = new();
    private readonly CancellationTokenSource _stop = new();
    private SnapshotScheduler? _scheduler;

    private static readonly Topology Empty = new(SnapshotData.T0, "node-1", [], [], []);

    private static Finding F(string rule, string ns, string? iface, string severity = Severities.Error) =>
        new($"{rule}-{ns}-{iface}", rule, severity, "4026532200", ns, iface, "t", "s", "e", [], SnapshotData.T0);

    private void Start(SnapshotOptions options)
    {
        _scheduler = new SnapshotScheduler(
            ct => _states.Reader.ReadAllAsync(ct),
            (label, origin, by, _) =>
            {
                _taken.Enqueue((label, origin, by, _time.GetUtcNow()));
                return Task.CompletedTask;
            },
            options, _time, NullLogger.Instance);
        _scheduler.StartAsync(_stop.Token).GetAwaiter().GetResult();
    }

    private void Publish(params Finding[] findings) => _states.Writer.TryWrite(new TopologyState(Empty, findings));

    /// <summary>Moves the fake clock on by <paramref name="total"/> in steps (a twentieth, at least 100 ms), so that timers armed meanwhile fire about on time.</summary>
    private async Task Pass(TimeSpan total)
    {
        var step = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, total.Ticks / 20));
        for (var passed = TimeSpan.Zero; passed < total; passed += step)
        {
            // Let the scheduler's loops reach their next wait before the clock moves.
            await Task.Delay(2);
            _time.Advance(step);
        }
        await Task.Delay(20);
    }

    [Fact]
    public async Task The_schedule_takes_one_labelled_schedule_every_interval()
    {
        Start(new SnapshotOptions { Interval = TimeSpan.FromMinutes(1) });

        await Pass(TimeSpan.FromSeconds(59));
        Assert.Empty(_taken);
        await Pass(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(2));

        Assert.Equal(3, _taken.Count);
        Assert.All(_taken, t => Assert.Equal(("schedule", SnapshotOrigins.Schedule, "schedule"), (t.Label, t.Origin, t.By)));
    }

    [Fact]
    public async Task Nothing_is_taken_when_both_are_off()
    {
        Start(new SnapshotOptions());
        Publish();
        Publish(F(FindingRules.InterfaceDown, "pod-red", "veth-red"));

        await Pass(TimeSpan.FromHours(1));

        Assert.Empty(_taken);
    }

    [Fact]
    public async Task A_new_finding_takes_one_snapshot_after_the_settle_time_labelled_with_it()
    {
        Start(new SnapshotOptions { OnNewFinding = true, FindingSettle = TimeSpan.FromSeconds(1), MinimumGap = TimeSpan.FromMinutes(5) });
        // The findings at start are the baseline, not new.
        Publish(F(FindingRules.LoopbackDown, "pod-old", "lo", Severities.Warning));
        await Pass(TimeSpan.FromSeconds(5));
        Assert.Empty(_taken);

        Publish(F(FindingRules.LoopbackDown, "pod-old", "lo", Severities.Warning), F(FindingRules.InterfaceDown, "pod-red", "veth-red"));
        await Pass(TimeSpan.FromMilliseconds(500));
        Assert.Empty(_taken);
        await Pass(TimeSpan.FromSeconds(1));

        var taken = Assert.Single(_taken);
        Assert.Equal("new finding: interface-down on pod-red/veth-red", taken.Label);
        Assert.Equal(SnapshotOrigins.Finding, taken.Origin);
        Assert.Equal("interface-down on pod-red/veth-red", taken.By);
    }

    [Fact]
    public async Task A_storm_of_new_findings_takes_one_snapshot_and_the_next_comes_only_after_the_gap()
    {
        Start(new SnapshotOptions { OnNewFinding = true, FindingSettle = TimeSpan.FromSeconds(1), MinimumGap = TimeSpan.FromMinutes(5) });
        Publish();
        await Pass(TimeSpan.FromSeconds(1));

        // A flapping interface and friends: many new findings in a few seconds, and again over the next minutes.
        var red = F(FindingRules.InterfaceDown, "pod-red", "veth-red");
        var mtu = F(FindingRules.MtuMismatch, "pod-red", "veth-red", Severities.Warning);
        var blue = F(FindingRules.NoIpAddress, "pod-blue", "veth-blue");
        Publish(mtu);
        await Pass(TimeSpan.FromMilliseconds(300));
        Publish(mtu, red);
        await Pass(TimeSpan.FromMilliseconds(300));
        Publish(mtu, red, blue);
        await Pass(TimeSpan.FromSeconds(2));
        for (int i = 0; i < 20; i++)
        {
            Publish();
            await Pass(TimeSpan.FromSeconds(5));
            Publish(red);
            await Pass(TimeSpan.FromSeconds(5));
        }

        var storm = Assert.Single(_taken);
        // The settle time gathered the burst; the label names the worst and counts the rest.
        Assert.Equal("new finding: interface-down on pod-red/veth-red and 2 more", storm.Label);

        // Past the gap, a new finding takes a snapshot again.
        await Pass(TimeSpan.FromMinutes(5));
        Publish();
        await Pass(TimeSpan.FromSeconds(1));
        Publish(blue);
        await Pass(TimeSpan.FromSeconds(2));
        Assert.Equal(2, _taken.Count);
        Assert.Equal("new finding: no-ip-address on pod-blue/veth-blue", _taken.Last().Label);
    }

    [Fact]
    public void Labels_stay_within_the_limits_and_on_one_line()
    {
        var name = "pod-" + new string('x', 300) + "\n";
        var (label, by) = SnapshotScheduler.Describe([F(FindingRules.NamespaceRemoved, name, null), F(FindingRules.NoRoute, "a", "b")]);

        Assert.True(SnapshotLimits.IsValidText(label, SnapshotLimits.LabelLength), label);
        Assert.True(SnapshotLimits.IsValidText(by, SnapshotLimits.ByLength), by);
        Assert.StartsWith("new finding: namespace-removed on pod-xxx", label, StringComparison.Ordinal);
        Assert.EndsWith("… and 1 more", label, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_scheduler is not null)
        {
            await _scheduler.StopAsync(CancellationToken.None);
            _scheduler.Dispose();
        }
        _stop.Dispose();
    }
}
