using Dashboard.Server.Processes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Discovery;

/// <summary>The CRI's pod sandboxes as last read, and the warning of that read (null when it went well).</summary>
internal sealed record CriAnswer(IReadOnlyList<CriPod> Pods, string? Warning)
{
    /// <summary>Nothing known: before the first read, with no crictl on the node, or with the source turned off.</summary>
    public static readonly CriAnswer None = new([], null);

    public bool SameAs(CriAnswer other) => Warning == other.Warning && Pods.SequenceEqual(other.Pods);
}

/// <summary>
/// The pods of the node's CRI runtime (containerd, CRI-O), read with crictl through the one
/// <see cref="ProcessRunner"/>, off the discovery path: <see cref="TopologyDiscovery.Build"/> takes
/// <see cref="Latest"/> as it is and asks for a refresh with <see cref="RefreshIfDue"/>, which never
/// waits. `crictl pods` runs every <see cref="DiscoveryOptions.CriRefreshInterval"/> (a timer
/// keeps it going while nothing else asks), and sooner when discovery meets a namespace no pod source
/// names and no refresh was asked about yet: then at once (or as soon as <see cref="MinimumGap"/> and
/// the refresh under way allow), and again <see cref="FollowUps"/> times, each at least
/// <see cref="MinimumGap"/> after the one before, from the same timer. The runtime makes a pod's
/// namespace and runs CNI (the kernel events that wake discovery) before `crictl pods` lists the
/// sandbox, so the first read is often too early; the follow-ups bring the name without another
/// kernel event, and a namespace that is no pod (a plain `unshare -n`) costs those few reads and no
/// more. `crictl inspectp` runs only for sandboxes not inspected yet or whose state changed (a sandbox's
/// namespace path is fixed; its process goes when it stops). One refresh runs at a time. No crictl
/// on the node is no CRI: silently nothing. A crictl that fails is one warning, and no CRI pods.
/// </summary>
internal sealed class CriPodSource : IDisposable
{
    /// <summary>How long one crictl call may take.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The least time between two refreshes asked for by discovery (an unnamed namespace), so a burst of new namespaces is one read.</summary>
    public static readonly TimeSpan MinimumGap = TimeSpan.FromSeconds(1);

    /// <summary>How many more refreshes follow one asked for by a namespace no refresh was asked about yet.</summary>
    public const int FollowUps = 3;

    private const int InspectBatch = 50;

    private readonly DiscoveryOptions _options;
    private readonly ProcessRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger<CriPodSource> _logger;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stopping = new();

    private readonly Lock _lock = new();
    private Task<CriAnswer>? _running;
    private bool _busy; // a refresh runs: set when it starts, cleared (under the lock) as it ends
    private DateTimeOffset _lastStart = DateTimeOffset.MinValue;
    private HashSet<ulong> _asked = [];
    private int _followUps; // refreshes still to come soon (the timer's next due time is set for the first)
    private ITimer? _timer;
    private bool _disposed;
    private volatile CriAnswer _latest = CriAnswer.None;

    // Only the one refresh running at a time touches this: id → the sandbox as inspected (with the state it was listed in then).
    private readonly Dictionary<string, CriPod> _inspected = new(StringComparer.Ordinal);

    public CriPodSource(IOptions<DiscoveryOptions> options, ProcessRunner runner, TimeProvider time, ILogger<CriPodSource> logger)
    {
        _options = options.Value;
        _runner = runner;
        _time = time;
        _logger = logger;
        var interval = _options.CriRefreshInterval;
        _interval = interval > MinimumGap ? interval : MinimumGap;
    }

    /// <summary><see cref="MinimumGap"/>; shorter in tests of the follow-ups.</summary>
    internal TimeSpan Gap { get; init; } = MinimumGap;

    /// <summary>A source that is off: no crictl, no timer, <see cref="CriAnswer.None"/> for ever.</summary>
    public static CriPodSource Off(TimeProvider time) =>
        new(Options.Create(new DiscoveryOptions { Crictl = "" }), new ProcessRunner(NullLogger<ProcessRunner>.Instance), time, NullLogger<CriPodSource>.Instance);

    /// <summary>Off when <see cref="DiscoveryOptions.Crictl"/> is empty.</summary>
    public bool Enabled => !string.IsNullOrEmpty(_options.Crictl);

    /// <summary>The answer of the last refresh that finished. Never blocks.</summary>
    public CriAnswer Latest => _latest;

    /// <summary>Raised (on a pool thread) when a refresh gave another answer than the one before.</summary>
    public event Action? Changed;

    /// <summary>
    /// Starts a refresh in the background when one is due, or when <paramref name="unnamed"/> holds a
    /// namespace that no refresh has been asked about yet; returns at once. For such a namespace,
    /// <see cref="FollowUps"/> more refreshes follow (the first of them instead of one that cannot start
    /// yet: too soon after the last, or while one runs).
    /// </summary>
    public void RefreshIfDue(IReadOnlyCollection<ulong>? unnamed = null)
    {
        if (!Enabled) return;
        lock (_lock)
        {
            if (_disposed) return;
            EnsureTimer();
            bool unasked = unnamed is not null && unnamed.Any(i => !_asked.Contains(i));
            if (unasked)
            {
                _asked = [.. unnamed!];
                _followUps = FollowUps;
            }
            // The refresh under way arranges the follow-ups as it ends.
            if (_busy) return;
            var now = _time.GetUtcNow();
            var since = now - _lastStart;
            if (since >= _interval || (unasked && since >= Gap))
                Start(now);
            else if (unasked)
                ScheduleFollowUp(now);
        }
    }

    /// <summary>Refreshes now (or joins the refresh under way) and returns its answer.</summary>
    public Task<CriAnswer> RefreshAsync()
    {
        if (!Enabled) return Task.FromResult(CriAnswer.None);
        lock (_lock)
        {
            if (_disposed) return Task.FromResult(_latest);
            if (_busy && _running is { } running) return running;
            return Start(_time.GetUtcNow());
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            // A refresh under way schedules the next follow-up as it ends.
            if (_disposed || _busy) return;
            var now = _time.GetUtcNow();
            if (now - _lastStart < Gap)
            {
                if (_followUps > 0) ScheduleFollowUp(now);
                return;
            }
            if (_followUps > 0) _followUps--;
            Start(now);
        }
    }

    /// <summary>Under the lock: the timer fires once <see cref="Gap"/> after the last start (at once if that has passed), then every interval again.</summary>
    private void ScheduleFollowUp(DateTimeOffset now)
    {
        var due = _lastStart + Gap - now;
        EnsureTimer().Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, _interval);
    }

    private ITimer EnsureTimer() =>
        _timer ??= _time.CreateTimer(static s => ((CriPodSource)s!).OnTimer(), this, _interval, _interval);

    private Task<CriAnswer> Start(DateTimeOffset now)
    {
        _busy = true;
        _lastStart = now;
        return _running = Task.Run(RefreshAndScheduleAsync);
    }

    private async Task<CriAnswer> RefreshAndScheduleAsync()
    {
        try
        {
            return await RefreshAsyncCore();
        }
        finally
        {
            lock (_lock)
            {
                _busy = false;
                if (!_disposed && _followUps > 0) ScheduleFollowUp(_time.GetUtcNow());
            }
        }
    }

    private async Task<CriAnswer> RefreshAsyncCore()
    {
        CriAnswer answer;
        try
        {
            answer = await ReadAsync(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return _latest;
        }
        catch (Exception e)
        {
            // Nobody awaits a background refresh: whatever went wrong is said where discovery shows it.
            _logger.LogError(e, "Reading pods from the CRI failed");
            answer = Failed("pods", e.Message);
        }
        var previous = _latest;
        _latest = answer;
        if (!answer.SameAs(previous))
        {
            if (answer.Warning is not null && answer.Warning != previous.Warning)
                _logger.LogWarning("{Warning}", answer.Warning);
            _logger.LogDebug("The CRI lists {Pods} pod sandboxes", answer.Pods.Count);
            Changed?.Invoke();
        }
        return answer;
    }

    private async Task<CriAnswer> ReadAsync(CancellationToken ct)
    {
        var program = Executables.Find(_options.Crictl);
        if (program is null)
        {
            // No crictl: no CRI on this node (most hosts). Nothing to say.
            _inspected.Clear();
            return CriAnswer.None;
        }
        var list = await RunAsync(program, ["pods", "-o", "json"], ct);
        if (!list.Succeeded) return Failed("pods", Reason(list));
        var parsed = CriPods.ParsePods(list.Stdout);
        if (parsed.Error is not null) return Failed("pods", parsed.Error);

        var listed = parsed.Pods.DistinctBy(p => p.Id).ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var gone in _inspected.Keys.Where(id => !listed.ContainsKey(id)).ToList())
            _inspected.Remove(gone);
        var toInspect = listed.Values
            .Where(p => !_inspected.TryGetValue(p.Id, out var known) || known.State != p.State)
            .Select(p => p.Id)
            .ToList();
        string? problem = null;
        foreach (var batch in toInspect.Chunk(InspectBatch))
        {
            problem = await InspectAsync(program, batch, listed, ct);
            if (problem is not null) break;
        }

        var pods = listed.Values
            .Select(p => _inspected.TryGetValue(p.Id, out var i) ? i with { Name = p.Name, Namespace = p.Namespace, State = p.State } : p)
            .OrderBy(p => p.Id, StringComparer.Ordinal)
            .ToList();
        return new CriAnswer(pods, problem is null ? null : Warning("inspectp", problem));
    }

    /// <summary>
    /// Inspects some sandboxes and keeps what it learns. When crictl fails, the sandboxes it did not
    /// answer for are asked one by one: one removed between `pods` and `inspectp` ("not found") is no
    /// problem. Returns the first real problem, or null.
    /// </summary>
    private async Task<string?> InspectAsync(string program, string[] ids, Dictionary<string, CriPod> listed, CancellationToken ct)
    {
        var result = await RunAsync(program, ["inspectp", "-o", "json", .. ids], ct);
        var parsed = CriPods.ParseInspect(result.Stdout);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in parsed.Pods)
        {
            if (!listed.TryGetValue(pod.Id, out var asListed)) continue;
            _inspected[pod.Id] = pod with { State = asListed.State };
            answered.Add(pod.Id);
        }
        if (result.Succeeded) return parsed.Error;
        if (ids.Length == 1) return IsNotFound(result) ? null : Reason(result);
        foreach (var id in ids.Where(id => !answered.Contains(id)))
        {
            if (await InspectAsync(program, [id], listed, ct) is { } problem) return problem;
        }
        return null;
    }

    private Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(_options.CriEndpoint))
            arguments = ["--runtime-endpoint", _options.CriEndpoint, .. arguments];
        return _runner.RunAsync(program, arguments, CallTimeout, ct);
    }

    private static CriAnswer Failed(string command, string reason) => new([], Warning(command, reason));

    private static string Warning(string command, string reason) => $"Could not read pods from the CRI (crictl {command}): {reason}";

    private static bool IsNotFound(ProcessResult r) =>
        r.ExitCode > 0 && (r.Stderr.Contains("NotFound", StringComparison.Ordinal) || r.Stderr.Contains("not found", StringComparison.OrdinalIgnoreCase));

    /// <summary>Why a run failed, in one line: the runner's own reason (timeout, not startable) or the exit code and the first line crictl said.</summary>
    private static string Reason(ProcessResult r)
    {
        var said = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (said is { Length: > 300 }) said = said[..300] + "…";
        if (r.ExitCode == -1 && said is not null) return said;
        return said is null ? $"exit code {r.ExitCode}" : $"exit code {r.ExitCode}: {said}";
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _timer?.Dispose();
        }
        // Ends a crictl still running; the token source is left to the collector, since that run may still hold it.
        _stopping.Cancel();
    }
}
