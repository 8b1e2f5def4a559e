using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Dashboard.E2E.Tests;

/// <summary>
/// One per test class: real fixture namespaces, the real server, and Debian's Chromium driven
/// by Playwright. Everything it made is removed in <see cref="DisposeAsync"/>, pass or fail.
/// </summary>
public class DashboardFixture : IAsyncLifetime
{
    /// <summary>Debian's package; Playwright never downloads a browser here.</summary>
    private const string DefaultChromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private FixtureNamespaces? _namespaces;
    private DashboardServer? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    internal FixtureNamespaces Namespaces => _namespaces ?? throw new InvalidOperationException("Not initialized.");

    internal DashboardServer Server => _server ?? throw new InvalidOperationException("Not initialized.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        try
        {
            await FixtureNamespaces.SweepStaleAsync();
            _namespaces = await FixtureNamespaces.CreateAsync();
            _server = await DashboardServer.StartAsync(ServerArguments, ServerEnvironment);
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Environment.GetEnvironmentVariable("DASHBOARD_E2E_CHROMIUM") is { Length: > 0 } path ? path : DefaultChromium,
                Headless = true,
                Args = ChromiumArgs,
            });
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>More command-line arguments for the server under test.</summary>
    protected virtual IReadOnlyList<string> ServerArguments => [];

    /// <summary>More settings for the server under test, as environment variables.</summary>
    protected virtual IReadOnlyDictionary<string, string> ServerEnvironment => new Dictionary<string, string>();

    /// <summary>A fresh browser context (no cookies) with a viewport an SRE's laptop has.</summary>
    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = Server.BaseAddress.ToString(),
        ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
    });

    public virtual async Task DisposeAsync()
    {
        var errors = new List<Exception>();
        async Task Try(Func<Task> step)
        {
            try { await step(); }
            catch (Exception e) { errors.Add(e); }
        }

        if (_browser is not null) await Try(() => _browser.CloseAsync());
        _playwright?.Dispose();
        if (_server is not null) await Try(() => _server.DisposeAsync().AsTask());
        if (_namespaces is not null) await Try(() => _namespaces.DisposeAsync().AsTask());
        _browser = null;
        _playwright = null;
        _server = null;
        _namespaces = null;
        if (errors.Count > 0) throw new AggregateException("Cleaning up the e2e fixture failed.", errors);
    }
}
