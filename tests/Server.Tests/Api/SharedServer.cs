using System.Net.Http.Json;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Api;

/// <summary>
/// One real server shared by the tests of a class (as its class fixture; they run one after the
/// other), with an authorized client and the first state read.
/// </summary>
public sealed class SharedServer : IAsyncLifetime
{
    public DashboardFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Factory.AuthorizedClient();
        await Client.GetFromJsonAsync<Topology>("/api/topology"); // the first state is there
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }
}
