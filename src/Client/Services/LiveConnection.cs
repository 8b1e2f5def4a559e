using Dashboard.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Client.Services;

/// <summary>
/// The hub connection as <see cref="DashboardState"/> uses it: start, the three lifecycle events,
/// dispose. <see cref="HubLiveConnection"/> in the app; tests stand in for the server with a fake.
/// </summary>
internal interface ILiveConnection : IAsyncDisposable
{
    /// <summary>The connection dropped and automatic reconnect is trying.</summary>
    event Func<Exception?, Task>? Reconnecting;

    /// <summary>Automatic reconnect succeeded.</summary>
    event Func<string?, Task>? Reconnected;

    /// <summary>The connection is gone for good (the retry policy gave up, or the server closed it): a new one must be made.</summary>
    event Func<Exception?, Task>? Closed;

    Task StartAsync(CancellationToken cancellationToken);
}

/// <summary>What to do with each thing the hub pushes.</summary>
internal sealed record LiveHandlers(Action<Topology> Topology, Action<TopologyPatch> Patch, Action<IReadOnlyList<Finding>> Findings)
{
    /// <summary>A step of a running diagnosis (its id, the step).</summary>
    public Action<string, DiagnosisStep> Progress { get; init; } = (_, _) => { };
}

/// <summary>Makes a connection that hands what the hub pushes to the handlers.</summary>
internal delegate ILiveConnection LiveConnectionFactory(LiveHandlers handlers);

/// <summary>The SignalR connection to <c>/hubs/topology</c>, reconnecting by <see cref="LiveRetryPolicy"/>.</summary>
internal sealed class HubLiveConnection : ILiveConnection
{
    private readonly HubConnection _hub;

    private HubLiveConnection(HubConnection hub) => _hub = hub;

    /// <summary>Connects asking for patches: a change of one namespace brings that namespace, not all 250.</summary>
    public static HubLiveConnection Create(NavigationManager navigation, LiveHandlers handlers)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(navigation.BaseUri + "hubs/topology?patches=true")
            .WithAutomaticReconnect(new LiveRetryPolicy())
            .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, WireJsonContext.Default))
            .Build();
        hub.On<Topology>(nameof(ITopologyClient.TopologyChanged), t => { handlers.Topology(t); return Task.CompletedTask; });
        hub.On<TopologyPatch>(nameof(ITopologyClient.TopologyPatched), p => { handlers.Patch(p); return Task.CompletedTask; });
        hub.On<IReadOnlyList<Finding>>(nameof(ITopologyClient.FindingsChanged), f => { handlers.Findings(f); return Task.CompletedTask; });
        hub.On<string, DiagnosisStep>(nameof(ITopologyClient.DiagnosisProgress), (id, step) => { handlers.Progress(id, step); return Task.CompletedTask; });
        return new HubLiveConnection(hub);
    }

    public event Func<Exception?, Task>? Reconnecting
    {
        add => _hub.Reconnecting += value;
        remove => _hub.Reconnecting -= value;
    }

    public event Func<string?, Task>? Reconnected
    {
        add => _hub.Reconnected += value;
        remove => _hub.Reconnected -= value;
    }

    public event Func<Exception?, Task>? Closed
    {
        add => _hub.Closed += value;
        remove => _hub.Closed -= value;
    }

    public Task StartAsync(CancellationToken cancellationToken) => _hub.StartAsync(cancellationToken);

    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}
