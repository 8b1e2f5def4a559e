using Dashboard.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client.Services;

public enum ConnectionStatus
{
    /// <summary>Not started yet, or the first connection is being made.</summary>
    Connecting,
    Connected,
    Reconnecting,
    /// <summary>The hub is gone and automatic reconnect gave up: the data shown is as old as <see cref="DashboardState.UpdatedAt"/>.</summary>
    Offline,
}

/// <summary>
/// The live state of the node for every page: first read over HTTP (GET /api/topology,
/// GET /api/findings), then kept current by what the hub pushes. Pages read the current state
/// and subscribe to <see cref="Changed"/>; the event may fire on any thread, so a page re-renders
/// with <c>InvokeAsync(StateHasChanged)</c> and unsubscribes when disposed.
/// </summary>
public sealed class DashboardState(DashboardApi api, NavigationManager navigation) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private HubConnection? _hub;
    private Task? _start;
    private long _findingsVersion;

    public Topology? Topology { get; private set; }

    public IReadOnlyList<Finding> Findings { get; private set; } = [];

    /// <summary>Whether findings were read at least once (an empty list then means a healthy node).</summary>
    public bool HasFindings { get; private set; }

    /// <summary>When the data shown last changed or was confirmed by the server (browser clock).</summary>
    public DateTimeOffset? UpdatedAt { get; private set; }

    public ConnectionStatus Status { get; private set; } = ConnectionStatus.Connecting;

    /// <summary>The last failure to read or connect, for the page to show; null once data arrives again.</summary>
    public string? Error { get; private set; }

    public bool Refreshing { get; private set; }

    /// <summary>Something in the state changed. May be raised on any thread.</summary>
    public event Action? Changed;

    /// <summary>Starts once: reads the current state, then connects to the hub. Later calls wait for the same start.</summary>
    public Task EnsureStartedAsync()
    {
        lock (_lock)
            return _start ??= StartAsync();
    }

    private async Task StartAsync()
    {
        await LoadAsync(fresh: false);
        _hub = new HubConnectionBuilder()
            .WithUrl(navigation.BaseUri + "hubs/topology")
            .WithAutomaticReconnect()
            .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, WireJsonContext.Default))
            .Build();
        _hub.On<Topology>(nameof(ITopologyClient.TopologyChanged), t => { ApplyTopology(t); return Task.CompletedTask; });
        _hub.On<IReadOnlyList<Finding>>(nameof(ITopologyClient.FindingsChanged), f => { ApplyPushedFindings(f); return Task.CompletedTask; });
        _hub.Reconnecting += _ => { SetStatus(ConnectionStatus.Reconnecting); return Task.CompletedTask; };
        _hub.Reconnected += async _ =>
        {
            SetStatus(ConnectionStatus.Connected);
            await LoadAsync(fresh: false); // what changed while the connection was down
        };
        _hub.Closed += _ => { SetStatus(ConnectionStatus.Offline); return Task.CompletedTask; };
        try
        {
            await _hub.StartAsync();
            SetStatus(ConnectionStatus.Connected);
            // A change between the first read and the connection was pushed to nobody: read once more.
            await LoadAsync(fresh: false);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or System.Net.WebSockets.WebSocketException)
        {
            Error = $"Live updates are off: {e.Message}";
            SetStatus(ConnectionStatus.Offline);
        }
    }

    /// <summary>The refresh button: the server re-reads the kernel (<c>?fresh=true</c>), findings are read again.</summary>
    public async Task RefreshAsync()
    {
        Refreshing = true;
        Notify();
        try
        {
            await LoadAsync(fresh: true);
        }
        finally
        {
            Refreshing = false;
            Notify();
        }
    }

    private async Task LoadAsync(bool fresh)
    {
        var findingsVersion = Interlocked.Read(ref _findingsVersion);
        try
        {
            var topology = api.GetTopologyAsync(fresh);
            var findings = api.GetFindingsAsync();
            ApplyTopology(await topology);
            ApplyLoadedFindings(await findings, findingsVersion);
            Error = null;
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or InvalidOperationException)
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
            UpdatedAt = DateTimeOffset.Now;
        }
        Notify();
        return true;
    }

    /// <summary>Findings pushed by the hub: always the newest.</summary>
    public void ApplyPushedFindings(IReadOnlyList<Finding> findings)
    {
        lock (_lock)
        {
            _findingsVersion++;
            Findings = findings;
            HasFindings = true;
            UpdatedAt = DateTimeOffset.Now;
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
            UpdatedAt = DateTimeOffset.Now;
        }
        Notify();
        return true;
    }

    /// <summary>How many pushes of findings were applied; a read remembers it to know whether it is stale.</summary>
    public long FindingsVersion => Interlocked.Read(ref _findingsVersion);

    private void SetStatus(ConnectionStatus status)
    {
        Status = status;
        Notify();
    }

    private void Notify() => Changed?.Invoke();

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null)
            await _hub.DisposeAsync();
    }
}
