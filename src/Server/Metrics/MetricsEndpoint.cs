using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Dashboard.Server.Monitoring;
using Dashboard.Server.Security;
using Dashboard.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Metrics;

/// <summary>GET /metrics: Prometheus text, behind the access token or the scrape-only `Dashboard:MetricsToken`.</summary>
internal static class MetricsEndpoint
{
    public const string Prefix = "netns_dashboard_";

    public static IServiceCollection AddDashboardMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton<DashboardMetrics>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, MetricsAuthenticationHandler>(MetricsAuthenticationHandler.SchemeName, null);
        return services;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        // Its own policy replaces the fallback one: only the metrics scheme is asked, and it takes either token.
        app.MapGet("/metrics", Scrape)
            .RequireAuthorization(new AuthorizationPolicyBuilder(MetricsAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build())
            .ExcludeFromDescription();
        return app;
    }

    private static async Task Scrape(HttpContext context, DashboardMetrics metrics, TopologyStore store, CancellationToken cancellationToken)
    {
        var state = await store.GetAsync(fresh: false, cancellationToken);
        var text = Render(metrics, state);
        context.Response.ContentType = PrometheusText.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(text, cancellationToken);
    }

    public static string Render(DashboardMetrics metrics, TopologyState state)
    {
        var p = new PrometheusText();
        var topology = state.Topology;

        var (buckets, count, sum, last) = metrics.Discovery();
        var histogram = Prefix + "discovery_duration_seconds";
        p.Metric(histogram, "histogram", "Time to rebuild the topology from the kernel, per update.");
        for (int i = 0; i < buckets.Length; i++)
            p.Sample(histogram + "_bucket", buckets[i], ("le", PrometheusText.Format(DashboardMetrics.DiscoveryBuckets[i])));
        p.Sample(histogram + "_bucket", count, ("le", "+Inf"));
        p.Sample(histogram + "_sum", sum);
        p.Sample(histogram + "_count", count);
        p.Single(Prefix + "discovery_last_duration_seconds", "gauge", "Time the last topology rebuild took (NaN before the first).", last);

        p.Single(Prefix + "namespaces", "gauge", "Network namespaces in the current topology.", topology.Namespaces.Count);
        p.Single(Prefix + "veth_pairs", "gauge", "Veth pairs (links) in the current topology.", topology.Links.Count);
        p.Single(Prefix + "interfaces", "gauge", "Interfaces in all namespaces of the current topology.", topology.Namespaces.Sum(n => n.Interfaces.Count));

        var findings = Prefix + "findings";
        p.Metric(findings, "gauge", "Current findings by rule and severity (every rule and severity listed, 0 when none).");
        var counts = state.Findings.CountBy(f => (f.Rule, f.Severity)).ToDictionary();
        var rules = FindingRules.All.Concat(counts.Keys.Select(k => k.Rule)).Distinct(StringComparer.Ordinal);
        var severities = new[] { Severities.Error, Severities.Warning, Severities.Info }.Concat(counts.Keys.Select(k => k.Severity)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var rule in rules)
            foreach (var severity in severities)
                p.Sample(findings, counts.GetValueOrDefault((rule, severity)), ("rule", rule), ("severity", severity));

        p.Single(Prefix + "hub_clients", "gauge", "SignalR clients connected to /hubs/topology.", metrics.HubClients);

        p.Single(Prefix + "diagnoses_started_total", "counter", "Diagnoses started since the process started.", metrics.DiagnosesStarted);
        var done = Prefix + "diagnoses_completed_total";
        p.Metric(done, "counter", "Diagnoses finished since the process started, by verdict.");
        foreach (var (verdict, n) in metrics.DiagnosesDone())
            p.Sample(done, n, ("verdict", verdict));

        p.Single(Prefix + "process_uptime_seconds", "gauge", "Seconds since the process started.", ProcessStats.UptimeSeconds);
        p.Single(Prefix + "process_resident_memory_bytes", "gauge", "Resident memory of the process (/proc/self/statm).", ProcessStats.ResidentBytes());
        p.Single(Prefix + "process_open_fds", "gauge", "Open file descriptors of the process (/proc/self/fd).", ProcessStats.OpenFds());
        return p.ToString();
    }
}

/// <summary>
/// For /metrics only: `Authorization: Bearer` with the access token or with `Dashboard:MetricsToken`, or the
/// login cookie. The metrics token opens nothing else: every other endpoint asks <see cref="TokenAuthenticationHandler"/>.
/// </summary>
internal sealed class MetricsAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessToken token,
    IOptions<DashboardOptions> dashboard) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "MetricsToken";

    private readonly byte[]? _metricsToken = string.IsNullOrWhiteSpace(dashboard.Value.MetricsToken)
        ? null
        : Encoding.UTF8.GetBytes(dashboard.Value.MetricsToken.Trim());

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenAuthenticationHandler.BearerOf(Request) is { } candidate)
        {
            if (token.Matches(candidate)) return Task.FromResult(Success("bearer"));
            if (_metricsToken is not null && CryptographicOperations.FixedTimeEquals(_metricsToken, Encoding.UTF8.GetBytes(candidate)))
                return Task.FromResult(Success("metrics-token"));
            return Task.FromResult(AuthenticateResult.Fail("Wrong bearer token"));
        }
        if (token.MatchesCookie(Request.Cookies[AccessToken.CookieName]))
            return Task.FromResult(Success("cookie"));
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    private static AuthenticateResult Success(string method) => TokenAuthenticationHandler.Success(SchemeName, "metrics", method);

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        Response.ContentType = "text/plain; charset=utf-8";
        await Response.WriteAsync("Send the access token or Dashboard:MetricsToken as `Authorization: Bearer <token>`.\n");
    }
}
