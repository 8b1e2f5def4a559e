using Dashboard.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Client.Services;

public enum ConnectionStatus
{
    /// <summary>Not connected yet: the first connection is being made (and, if it fails, retried) for up to <see cref="DashboardState.OfflineAfter"/>.</summary>
    Connecting,
    Connected,
    /// <summary>The live connection dropped less than <see cref="DashboardState.OfflineAfter"/> ago; reconnecting.</summary>
    Reconnecting,
    /// <summary>
    /// No live connection for <see cref="DashboardState.OfflineAfter"/> or more: the data shown is as old as
    /// <see cref="DashboardState.UpdatedAt"/>. Still retrying every <see cref="LiveRetryPolicy.Interval"/>.
    /// </summary>
    Offline,
}

/// <summary>
/// The live state of the node for every page: first read over HTTP (GET /api/topology,
/// GET /api/findings), then kept current by what the hub pushes. Pages read the current state
/// and subscribe to <see cref="Changed"/>; the event may fire on any thread, so a page re-renders
/// with <c>InvokeAsync(StateHasChanged)</c> and unsubscribes when disposed.
/// </summary>
/// <remarks>
/// The connection never gives up while the page is open: the hub reconnects by
/// <see cref="LiveRetryPolicy"/>, and if it closes anyway (or the first start fails) a background
/// loop makes a new connection every <see cref="LiveRetryPolicy.Interval"/> until one starts, then
/// reads the state again. A 401 from a read or from the hub (a restart with a new token, the
/// cookie gone) loads the page again, so that the server shows its login page.
/// </remarks>
public sealed class DashboardState : IAsyncDisposable
{
    /// <summary>How long an outage shows as reconnecting (or connecting) before it shows as offline.</summary>
    public static readonly TimeSpan OfflineAfter = TimeSpan.FromSeconds(15);

    private readonly DashboardApi _api;
    private readonly NavigationManager _navigation;
    private readonly TimeProvider _time;
    private readonly LiveConnectionFactory _connect;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _run;
    private long _findingsVersion;
    private bool _everConnected;
    /// <summary>Counts outages, so that the offline timer of one that ended does nothing.</summary>
    private long _outage;
    private DateTimeOffset? _outageSince;
    private ITimer? _offlineTimer;
    /// <summary>Disposed, or loading the page again for the login page: no more connections, no more status changes.</summary>
    private bool _leaving;
    private bool _disposed;

    public DashboardState(DashboardApi api, NavigationManager navigation)
        : this(api, navigation, TimeProvider.System, handlers => HubLiveConnection.Create(navigation, handlers))
    {
    }

    /// <summary>With a clock and a connection of the test's choosing.</summary>
    internal DashboardState(DashboardApi api, NavigationManager navigation, TimeProvider time, LiveConnectionFactory connect)
    {
        _api = api;
        _navigation = navigation;
        _time = time;
        _connect = connect;
    }

    public Topology? Topology { get; private set; }

    public IReadOnlyList<Finding> Findings { get; private set; } = [];

    /// <summary>Whether findings were read at least once (an empty list then means a healthy node).</summary>
    public bool HasFindings { get; private set; }

    /// <summary>When the data shown last changed or was confirmed by the server (browser clock).</summary>
    public DateTimeOffset? UpdatedAt { get; private set; }

    /// <summary>How old the data shown is; null before the first read.</summary>
    public TimeSpan? DataAge => UpdatedAt is { } at ? _time.GetUtcNow() - at : null;

    public ConnectionStatus Status { get; private set; } = ConnectionStatus.Connecting;

    /// <summary>The last failure to read or connect, for the page to show; null once data arrives again.</summary>
    public string? Error { get; private set; }

    public bool Refreshing { get; private set; }

    /// <summary>Something in the state changed. May be raised on any thread.</summary>
    public event Action? Changed;

    /// <summary>A step of a running diagnosis arrived over the hub (its id, the step). May be raised on any thread.</summary>
    public event Action<string, DiagnosisStep>? DiagnosisProgress;

    /// <summary>
    /// Starts once: reads the current state, then connects to the hub and keeps connected. The task
    /// completes when the first read and the first connection attempt are done, whatever their outcome;
    /// later calls get the same task. It never fails.
    /// </summary>
    public Task EnsureStartedAsync()
    {
        lock (_lock)
        {
            if (_run is null && !_leaving)
                _run = RunAsync(_stop.Token);
        }
        return _firstAttempt.Task;
    }

    /// <summary>Connects, waits for the connection's end, connects again: starts at least <see cref="LiveRetryPolicy.Interval"/> apart.</summary>
    private async Task RunAsync(CancellationToken stop)
    {
        await Task.Yield(); // not under the caller's lock
        try
        {
            await LoadAsync(fresh: false, stop);
            DateTimeOffset? lastStart = null;
            while (!stop.IsCancellationRequested)
            {
                var wait = lastStart is { } last ? last + LiveRetryPolicy.Interval - _time.GetUtcNow() : TimeSpan.Zero;
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, _time, stop);
                lastStart = _time.GetUtcNow();
                if (await ConnectAndWaitAsync(stop) == ConnectionEnd.Unauthorized)
                {
                    ReloadForLogin();
                    return;
                }
                OnConnectionLost();
                _firstAttempt.TrySetResult();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) // a bug here must not fault a task nobody observes: say it on the page
        {
            Error = $"Live updates stopped: {e.Message}. Reload the page.";
            Notify();
        }
        finally
        {
            _firstAttempt.TrySetResult();
        }
    }

    private enum ConnectionEnd { Lost, Unauthorized }

    /// <summary>One connection, from its start to its end (a failed start is an end too).</summary>
    private async Task<ConnectionEnd> ConnectAndWaitAsync(CancellationToken stop)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = _connect(new LiveHandlers(t => ApplyTopology(t), p => ApplyPatch(p, stop), ApplyPushedFindings)
        {
            Progress = (id, step) => DiagnosisProgress?.Invoke(id, step),
        });
        connection.Reconnecting += _ =>
        {
            OnConnectionLost();
            return Task.CompletedTask;
        };
        connection.Reconnected += async _ =>
        {
            OnConnected();
            await LoadAsync(fresh: false, stop); // what changed while the connection was down
        };
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        try
        {
            try
            {
                await connection.StartAsync(stop);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                if (LiveRetryPolicy.IsUnauthorized(e))
                    return ConnectionEnd.Unauthorized;
                if (!_everConnected && Error is null)
                    Error = $"Live updates are off ({e.Message}); retrying every {LiveRetryPolicy.Interval.TotalSeconds:0} s.";
                return ConnectionEnd.Lost;
            }
            OnConnected();
            // A change between the read and the connection was pushed to nobody: read once more.
            await LoadAsync(fresh: false, stop);
            _firstAttempt.TrySetResult();
            await closed.Task.WaitAsync(stop);
            return ConnectionEnd.Lost;
        }
        finally
        {
            try
            {
                await connection.DisposeAsync();
            }
            catch (Exception) // a connection that fails to stop is gone all the same; the loop goes on
            {
            }
        }
    }

    private void OnConnected()
    {
        lock (_lock)
        {
            if (_leaving) return;
            _everConnected = true;
            _outageSince = null;
            _offlineTimer?.Dispose();
            _offlineTimer = null;
            Status = ConnectionStatus.Connected;
        }
        Notify();
    }

    /// <summary>The connection dropped or could not be made: reconnecting (connecting) now, offline after <see cref="OfflineAfter"/>.</summary>
    private void OnConnectionLost()
    {
        lock (_lock)
        {
            if (_leaving || _outageSince is not null) return; // the outage goes on: its status stays
            _outageSince = _time.GetUtcNow();
            var outage = ++_outage;
            _offlineTimer = _time.CreateTimer(_ => GoOffline(outage), null, OfflineAfter, Timeout.InfiniteTimeSpan);
            Status = _everConnected ? ConnectionStatus.Reconnecting : ConnectionStatus.Connecting;
        }
        Notify();
    }

    private void GoOffline(long outage)
    {
        lock (_lock)
        {
            if (_leaving || outage != _outage || _outageSince is null) return;
            Status = ConnectionStatus.Offline;
        }
        Notify();
    }

    /// <summary>The server no longer lets this browser in: load the page again, so that the server shows its login page.</summary>
    private void ReloadForLogin()
    {
        lock (_lock)
        {
            if (_leaving) return;
            _leaving = true;
            _offlineTimer?.Dispose();
            _offlineTimer = null;
        }
        _stop.Cancel();
        _navigation.NavigateTo(_navigation.Uri, forceLoad: true);
    }

    /// <summary>The refresh button: the server re-reads the kernel (<c>?fresh=true</c>), findings are read again.</summary>
    public async Task RefreshAsync()
    {
        Refreshing = true;
        Notify();
        try
        {
            await LoadAsync(fresh: true, _stop.Token);
        }
        finally
        {
            Refreshing = false;
            Notify();
        }
    }

    private async Task LoadAsync(bool fresh, CancellationToken cancellationToken)
    {
        var findingsVersion = Interlocked.Read(ref _findingsVersion);
        try
        {
            // Unless asked to re-read, a page that holds the server's current read gets 304 and parses nothing.
            var topology = _api.GetTopologyAsync(fresh, Topology, cancellationToken);
            var findings = _api.GetFindingsAsync(cancellationToken);
            await Task.WhenAll(topology, findings); // both awaited: no failure goes unobserved
            if (await topology is { } read)
                ApplyTopology(read);
            ApplyLoadedFindings(await findings, findingsVersion);
            Error = null;
        }
        catch (Exception e) when (LiveRetryPolicy.IsUnauthorized(e))
        {
            ReloadForLogin();
            return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) // whatever failed, the page says so and the state keeps what it had
        {
            Error = $"Could not read the node's state: {e.Message}";
        }
        Notify();
    }

    /// <summary>
    /// A topology from a read or a push. Reads and pushes can cross: one older than what is shown
    /// (by the server's <see cref="Topology.TakenAt"/>) is ignored, so the page never goes back in time.
    /// </summary>
    public bool ApplyTopology(Topology topology)
    {
        lock (_lock)
        {
            if (Topology is { } current && topology.TakenAt < current.TakenAt)
                return false;
            Topology = TopologyReuse.Reuse(Topology, topology);
            UpdatedAt = _time.GetUtcNow();
        }
        Notify();
        return true;
    }

    /// <summary>
    /// A patch pushed by the hub. It applies to the topology it was made from; when the page holds
    /// another one (a read and the pushes crossed, or a push was missed), the page reads the whole
    /// topology again instead. Returns whether it was applied.
    /// </summary>
    public bool ApplyPatch(TopologyPatch patch, CancellationToken cancellationToken = default)
    {
        bool stale;
        lock (_lock)
        {
            if (Topology is { } current && patch.TakenAt <= current.TakenAt)
                return false; // already as new
            stale = Topology is null || Topology.TakenAt != patch.BaseTakenAt;
            if (!stale)
            {
                Topology = TopologyReuse.Apply(Topology!, patch);
                UpdatedAt = _time.GetUtcNow();
            }
        }
        if (stale)
        {
            if (Interlocked.Exchange(ref _rereading, 1) == 0)
                _ = RereadAsync(cancellationToken);
            return false;
        }
        Notify();
        return true;
    }

    private int _rereading;

    private async Task RereadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadAsync(fresh: false, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _rereading, 0);
        }
    }

    /// <summary>Findings pushed by the hub: always the newest.</summary>
    public void ApplyPushedFindings(IReadOnlyList<Finding> findings)
    {
        lock (_lock)
        {
            _findingsVersion++;
            Findings = findings;
            HasFindings = true;
            UpdatedAt = _time.GetUtcNow();
        }
        Notify();
    }

    /// <summary>
    /// Findings from a GET that started when <see cref="FindingsVersion"/> was <paramref name="versionAtRequest"/>:
    /// dropped if a push arrived meanwhile (the push is newer than the answer).
    /// </summary>
    public bool ApplyLoadedFindings(IReadOnlyList<Finding> findings, long versionAtRequest)
    {
        lock (_lock)
        {
            if (_findingsVersion != versionAtRequest)
                return false;
            Findings = findings;
            HasFindings = true;
            UpdatedAt = _time.GetUtcNow();
        }
        Notify();
        return true;
    }

    /// <summary>How many pushes of findings were applied; a read remembers it to know whether it is stale.</summary>
    public long FindingsVersion => Interlocked.Read(ref _findingsVersion);

    private void Notify() => Changed?.Invoke();

    /// <summary>Stops the loop and the connection, and waits for both.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? run;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = _leaving = true;
            _offlineTimer?.Dispose();
            _offlineTimer = null;
            run = _run;
        }
        await _stop.CancelAsync();
        if (run is not null)
            await run; // never fails: the loop ends on cancellation
    }
}
