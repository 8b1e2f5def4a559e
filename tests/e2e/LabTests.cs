using System.Security.Cryptography;
using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Dashboard.E2E.Tests.Infrastructure.PageTools;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Lab mode, the whole story a new user plays from the browser on a server started with <c>--lab</c>:
/// build the seed pair, inject "interface DOWN", see its row turn red, diagnose the ping, apply the fix
/// the diagnosis names, see it heal; then the server stops and takes its lab namespaces with it.
/// </summary>
public sealed class LabTests(LabTests.LabFixture fixture) : IClassFixture<LabTests.LabFixture>
{
    /// <summary>The e2e fixture, its server started with <c>--lab</c> and a lab prefix of its own (parallel runs never share one).</summary>
    public sealed class LabFixture : DashboardFixture
    {
        public string LabPrefix { get; } = $"{FixtureNamespaces.LabSweepPrefix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}-";

        protected override IReadOnlyList<string> ServerArguments => ["--lab"];

        protected override IReadOnlyDictionary<string, string> ServerEnvironment =>
            new Dictionary<string, string> { ["Dashboard__Lab__Prefix"] = LabPrefix };

        /// <summary>Whatever the test left, pass or fail: the lab's namespaces go too.</summary>
        public override async Task DisposeAsync()
        {
            try
            {
                foreach (var name in await FixtureNamespaces.ListAsync())
                    if (name.StartsWith(LabPrefix, StringComparison.Ordinal))
                        await Command.RunAsync("ip", ["netns", "delete", name]);
            }
            finally
            {
                await base.DisposeAsync();
            }
        }
    }

    private static readonly LocatorAssertionsToBeVisibleOptions FirstLoad = new() { Timeout = 60_000 };

    /// <summary>Patience for a kernel change to reach the page; see LiveFindingsTests.Live.</summary>
    private const float Live = 30_000;

    /// <summary>A diagnosis runs pings with timeouts; see DiagnosisTests.</summary>
    private const float Done = 60_000;

    [Fact]
    public async Task A_new_user_builds_the_seed_pair_breaks_it_diagnoses_it_applies_the_fix_and_sees_it_heal()
    {
        var red = $"{fixture.LabPrefix}pod-red";
        var blue = $"{fixture.LabPrefix}pod-blue";
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);
        await RunWithDiagnosticsAsync(fixture, page, "lab", browserErrors, async () =>
        {
            // The lab is offered in the app bar of a server started with --lab.
            await page.GotoAsync($"/?token={fixture.Server.Token}");
            await page.GetByTestId("nav-lab").ClickAsync(new() { Timeout = 60_000 });
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/lab$"));

            // Build the seed pair: the page shows the seed's commands it ran, each with its exit code.
            var scenario = page.Locator("[data-testid='lab-scenario'][data-name='seed-pair']");
            await Expect(scenario).ToHaveAttributeAsync("data-built", "false", new() { Timeout = 60_000 });
            await scenario.GetByTestId("lab-build").ClickAsync();
            await Expect(scenario).ToHaveAttributeAsync("data-built", "true", new() { Timeout = Live });
            var action = page.Locator("[data-testid='lab-action'][data-target='seed-pair']");
            await Expect(action).ToHaveAttributeAsync("data-succeeded", "true");
            await Expect(action.GetByTestId("lab-command").First).ToContainTextAsync($"ip netns add {red}");
            await Expect(action).ToContainTextAsync($"ip -n {blue} addr add 10.0.1.2/24 dev veth-blue");
            await Expect(page.Locator($"[data-testid='lab-namespace']:has-text('{blue}')")).ToHaveCountAsync(1);
            // Built for real: the kernel has both namespaces and the pair.
            Assert.Contains("10.0.1.2/24", await Command.RunCheckedAsync("ip", "-n", blue, "-o", "addr", "show", "dev", "veth-blue"));
            await SaveScreenshotAsync(page, "lab-built.png", copyToDocs: false, fullPage: true);

            // Inject "interface DOWN": one click, the command it ran is shown.
            var fault = page.Locator("[data-testid='lab-fault'][data-name='interface-down']");
            await Expect(fault).ToHaveAttributeAsync("data-available", "true");
            await fault.GetByTestId("lab-inject").ClickAsync();
            await Expect(fault).ToHaveAttributeAsync("data-active", "true", new() { Timeout = Live });
            var injected = page.Locator("[data-testid='lab-action'][data-target='interface-down']");
            await Expect(injected).ToHaveAttributeAsync("data-succeeded", "true");
            await Expect(injected).ToContainTextAsync($"ip -n {blue} link set veth-blue down");
            Assert.Contains("state DOWN", await Command.RunCheckedAsync("ip", "-n", blue, "-o", "link", "show", "veth-blue"));
            await SaveScreenshotAsync(page, "lab-fault.png", copyToDocs: false, fullPage: true);

            // The lab's link to pod-blue opens the node view on it: the failure-mode row is red, naming veth-blue with its fix.
            await page.Locator($"[data-testid='lab-namespace'][data-name='{blue}'] [data-testid='lab-namespace-link']").ClickAsync();
            await Expect(page.GetByTestId("failure-scope")).ToContainTextAsync(blue, new() { Timeout = Live });
            var row = page.Locator("[data-testid='failure-mode'][data-rule='interface-down']");
            await Expect(row).ToHaveAttributeAsync("data-level", "error", new() { Timeout = Live });
            var finding = row.Locator($"[data-testid='finding'][data-namespace='{blue}'][data-interface='veth-blue']");
            await Expect(finding).ToHaveCountAsync(1, new() { Timeout = Live });
            await Expect(finding.GetByTestId("fix-command")).ToContainTextAsync($"ip -n {blue} link set veth-blue up");
            await finding.ScrollIntoViewIfNeededAsync();
            await SaveScreenshotAsync(page, "lab-row.png", copyToDocs: false, fullPage: false);

            // Diagnose the seed's ping from the lab: pod-red to 10.0.1.2 is unreachable because veth-blue is down.
            await page.GetByTestId("nav-lab").ClickAsync();
            fault = page.Locator("[data-testid='lab-fault'][data-name='interface-down']");
            await fault.GetByTestId("lab-diagnose").ClickAsync(new() { Timeout = 60_000 });
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/diagnoses/[A-Za-z0-9_-]+$"));
            var diagnosis = page.GetByTestId("diagnosis");
            await Expect(diagnosis).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Done });
            await Expect(diagnosis).ToHaveAttributeAsync("data-verdict", "unreachable");
            var cause = page.GetByTestId("diagnosis-root-cause");
            await Expect(cause).ToHaveAttributeAsync("data-rule", "interface-down");
            await Expect(cause).ToHaveAttributeAsync("data-namespace", blue);
            await Expect(cause).ToHaveAttributeAsync("data-interface", "veth-blue");
            await SaveScreenshotAsync(page, "lab-diagnosis.png", copyToDocs: false, fullPage: false);

            // Apply the fix the diagnosis names: the server runs it and shows what it ran.
            await page.GetByTestId("apply-fix").First.ClickAsync();
            var result = page.GetByTestId("fix-result");
            await Expect(result).ToHaveAttributeAsync("data-succeeded", "true", new() { Timeout = Live });
            await Expect(result).ToContainTextAsync($"ip -n {blue} link set veth-blue up");
            await SaveScreenshotAsync(page, "lab-fixed.png", copyToDocs: false, fullPage: false);

            // It heals: the kernel says UP, the same ping diagnosed again is reachable, the row is green, the fault inactive.
            await OperStateUpAsync(blue, "veth-blue");
            await page.GetByTestId("diagnosis-again").ClickAsync();
            await Expect(diagnosis).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Done });
            await Expect(diagnosis).ToHaveAttributeAsync("data-verdict", "reachable");
            await page.GetByTestId("nav-home").ClickAsync();
            await Expect(page.Locator($"[data-testid='finding'][data-namespace='{blue}']")).ToHaveCountAsync(0, new() { Timeout = Live });
            await page.GetByTestId("nav-lab").ClickAsync();
            await Expect(page.Locator("[data-testid='lab-fault'][data-name='interface-down']")).ToHaveAttributeAsync("data-active", "false", new() { Timeout = Live });
            Assert.Empty(browserErrors);
        });

        // The server stops as systemd or Ctrl-C stops it, and takes its lab namespaces with it.
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await fixture.Server.StopAsync();
        Console.WriteLine($"lab: the server stopped {stopping.ElapsedMilliseconds} ms after SIGTERM");
        Assert.DoesNotContain(await FixtureNamespaces.ListAsync(), n => n.StartsWith(fixture.LabPrefix, StringComparison.Ordinal));
    }

    private static async Task OperStateUpAsync(string ns, string device)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await Command.RunCheckedAsync("ip", "-n", ns, "-o", "link", "show", device)).Contains("state UP", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{ns}/{device} did not come up");
            await Task.Delay(50);
        }
    }
}
