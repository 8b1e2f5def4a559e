using Dashboard.Server.Analysis;
using Dashboard.Server.Api;
using Dashboard.Server.Components;
using Dashboard.Server.Diagnosis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Hubs;
using Dashboard.Server.Lab;
using Dashboard.Server.Metrics;
using Dashboard.Server.Monitoring;
using Dashboard.Server.Processes;
using Dashboard.Server.Security;
using Dashboard.Server.Snapshots;
using Dashboard.Server.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.WebAssembly.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dashboard.Server;

public static class DashboardHostExtensions
{
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DashboardOptions>().Bind(builder.Configuration.GetSection(DashboardOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>());
        services.AddOptions<DiscoveryOptions>().Bind(builder.Configuration.GetSection(DiscoveryOptions.Section)).ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HostHealth>();
        services.TryAddSingleton<ProcessRunner>();
        services.AddOptions<MonitoringOptions>().Bind(builder.Configuration.GetSection(MonitoringOptions.Section)).ValidateOnStart();
        services.TryAddSingleton<CriPodSource>();
        services.TryAddSingleton<TopologyDiscovery>();
        services.TryAddSingleton(sp => new FindingsTracker(sp.GetRequiredService<IOptions<MonitoringOptions>>().Value.RemovedRetention));
        services.TryAddSingleton<TopologyStore>();
        services.AddHostedService(sp => sp.GetRequiredService<TopologyStore>());
        services.AddHostedService<TopologyBroadcaster>();
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, Shared.WireJsonContext.Default));
        services.AddHostedService<StartupBanner>();

        services.TryAddSingleton<Database>();
        services.AddHostedService<DatabaseMigrator>();
        services.AddOptions<DiagnosisOptions>().Bind(builder.Configuration.GetSection(DiagnosisOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiagnosisOptions>, DiagnosisOptionsValidator>());
        services.TryAddSingleton<ICommandRunner, ProcessCommandRunner>();
        services.TryAddSingleton<DiagnosisRepository>();
        services.TryAddSingleton<DiagnosisService>();
        services.AddOptions<SnapshotOptions>().Bind(builder.Configuration.GetSection(SnapshotOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SnapshotOptions>, SnapshotOptionsValidator>());
        services.TryAddSingleton<SnapshotRepository>();
        services.TryAddSingleton<SnapshotService>();
        services.AddHostedService<SnapshotScheduler>();
        services.AddOptions<LabOptions>().Bind(builder.Configuration.GetSection(LabOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LabOptions>, LabOptionsValidator>());
        services.TryAddSingleton<LabKernel>();
        services.TryAddSingleton<LabService>();
        services.AddHostedService<LabLifetime>();

        services.TryAddSingleton<AccessToken>();
        services.AddDashboardMetrics();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddProblemDetails();
        // The API's JSON (a 250-pod topology is about 1 MB) for browsers that reach the node over a
        // tunnel; the client's own files are precompressed at publish and served as they are.
        services.AddResponseCompression(o =>
        {
            o.MimeTypes = ["application/json", "application/problem+json"];
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProvider>();
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
        });
        services.Configure<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.Configure<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, Shared.WireJsonContext.Default));
        services.AddDashboardOpenApi();
        services.AddRazorComponents().AddInteractiveWebAssemblyComponents();
        return builder;
    }

    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseResponseCompression();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<TokenLoginMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealth();
        app.MapGroup("/api").MapTopologyApi().MapInterfaceApi().MapDiagnosisApi().MapSnapshotApi().MapLabApi();
        app.MapDashboardOpenApi();
        app.MapHub<TopologyHub>("/hubs/topology");
        app.MapMetrics();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>()
            .AddInteractiveWebAssemblyRenderMode()
            .AddAdditionalAssemblies(typeof(Client.Routes).Assembly);
        return app;
    }

    /// <summary>
    /// 503 when discovery cannot work (not root, a tool missing): the dashboard is useless there. A database that
    /// cannot be used is not a reason to restart the process (the live view works, the store recovers by itself):
    /// 200 with status "degraded" and the reason.
    /// </summary>
    private static void MapHealth(this WebApplication app) =>
        app.MapGet("/healthz", (HostHealth health, Database database) =>
            {
                var storage = database.Problem;
                if (storage is not null) database.ProbeIfDue();
                if (!health.IsHealthy)
                    return Results.Json(new { status = "not ok", reasons = storage is null ? health.Problems : [.. health.Problems, storage.Reason] }, statusCode: StatusCodes.Status503ServiceUnavailable);
                return storage is null
                    ? Results.Ok(new { status = "ok" })
                    : Results.Ok(new { status = "degraded", reasons = new[] { storage.Reason } });
            })
            .AllowAnonymous();
}
