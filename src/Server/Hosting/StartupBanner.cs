using Dashboard.Server.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Dashboard.Server;

/// <summary>At start: the ready-to-click login link, and plainly what is wrong if discovery cannot work.</summary>
internal sealed class StartupBanner(
    IServer server,
    AccessToken token,
    HostHealth health,
    IHostApplicationLifetime lifetime,
    ILogger<StartupBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in health.Problems)
            logger.LogWarning("{Problem}", problem);
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                var url = address.Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://[::1]").Replace("://+", "://localhost").Replace("://*", "://localhost");
                logger.LogInformation("netns-dashboard is ready: {Url}/?token={Token}", url.TrimEnd('/'), token.Value);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
