using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Client.Services;
using Dashboard.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Client.Tests;

/// <summary>
/// Stands in for the hub: every connection the state makes is recorded, and starts succeed or fail
/// as the test says. The test drives each connection's life through <see cref="FakeConnection"/>.
/// </summary>
internal sealed class FakeHub
{
    private readonly Lock _lock = new();
    private readonly List<FakeConnection> _connections = [];

    /// <summary>What the next starts throw; null: they succeed.</summary>
    public Exception? StartFailure { get; set; }

    public IReadOnlyList<FakeConnection> Connections
    {
        get { lock (_lock) return [.. _connections]; }
    }

    public FakeConnection Last => Connections[^1];

    public int Starts => Connections.Count(c => c.Started);

    public ILiveConnection Create(LiveHandlers handlers)
    {
        var connection = new FakeConnection(this, handlers);
        lock (_lock) _connections.Add(connection);
        return connection;
    }

    internal sealed class FakeConnection(FakeHub hub, LiveHandlers handlers) : ILiveConnection
    {
        public event Func<Exception?, Task>? Reconnecting;
        public event Func<string?, Task>? Reconnected;
        public event Func<Exception?, Task>? Closed;

        public bool Started { get; private set; }

        public bool Disposed { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            return hub.StartFailure is { } failure ? Task.FromException(failure) : Task.CompletedTask;
        }

        /// <summary>The transport dropped; the hub's automatic reconnect begins.</summary>
        public Task DropAsync() => Reconnecting?.Invoke(new HttpRequestException("The connection was reset")) ?? Task.CompletedTask;

        public Task ReconnectAsync() => Reconnected?.Invoke("reconnected-id") ?? Task.CompletedTask;

        /// <summary>The connection is gone for good (the retry policy gave up, or the server closed it).</summary>
        public Task CloseAsync() => Closed?.Invoke(new OperationCanceledException("Reconnect retries have been exhausted")) ?? Task.CompletedTask;

        public void Push(Topology topology) => handlers.Topology(topology);

        public void Push(TopologyPatch patch) => handlers.Patch(patch);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The server's HTTP API: a topology newer at each read, no findings, or the status the test sets.</summary>
internal sealed class FakeApi(FakeTimeProvider time) : HttpMessageHandler
{
    private int _topologyReads;

    /// <summary>Answer every request with this status instead (e.g. 401 after a restart with a new token).</summary>
    public HttpStatusCode? FailWith { get; set; }

    public int TopologyReads => Volatile.Read(ref _topologyReads);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (FailWith is { } status)
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent("{}", Encoding.UTF8, "application/problem+json") });
        var json = request.RequestUri!.AbsolutePath switch
        {
            "/api/topology" => JsonSerializer.Serialize(
                new Topology(time.GetUtcNow().AddTicks(Interlocked.Increment(ref _topologyReads)), "node-1", [], [], []), WireJsonContext.Default.Topology),
            "/api/findings" => "[]",
            _ => null,
        };
        return Task.FromResult(json is null
            ? new HttpResponseMessage(HttpStatusCode.NotFound)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }
}
