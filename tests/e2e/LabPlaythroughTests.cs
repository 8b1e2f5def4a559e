using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Dashboard.E2E.Tests.Infrastructure.PageTools;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Every row of the seed document's failure-mode table played from the browser, as a new user would on
/// a server started with <c>--lab</c>: inject it on the lab page, see its row on the node page name a lab
/// namespace, heal it on the lab page, see the fault inactive and the kernel as the seed built it.
/// </summary>
public sealed class LabPlaythroughTests(LabTests.LabFixture fixture) : IClassFixture<LabTests.LabFixture>
{
    /// <summary>The seed's table: its row, the lab's fault that plays it, the rule the dashboard names.</summary>
    public static TheoryData<string, string, string> SeedRows => new()
    {
        { "Interface DOWN", "interface-down", "interface-down" },
        { "No IP assigned", "address-removed", "no-ip-address" },
        { "Wrong subnet", "wrong-subnet", "subnet-mismatch" },
        { "One end deleted", "end-deleted", "veth-pair-removed" },
        { "Namespace deleted", "namespace-deleted", "namespace-removed" },
    };

    /// <summary>Patience for a kernel change to reach the page; see LiveFindingsTests.Live.</summary>
    private const float Live = 30_000;

    [Fact]
    public async Task Every_row_of_the_seed_table_can_be_injected_seen_and_healed_from_the_browser()
    {
        var prefix = fixture.LabPrefix;
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);
        await RunWithDiagnosticsAsync(fixture, page, "lab-playthrough", browserErrors, async () =>
        {
            await page.GotoAsync($"/?token={fixture.Server.Token}");
            await page.GetByTestId("nav-lab").ClickAsync(new() { Timeout = 60_000 });
            var scenario = page.Locator("[data-testid='lab-scenario'][data-name='seed-pair']");
            await scenario.GetByTestId("lab-build").ClickAsync(new() { Timeout = 60_000 });
            await Expect(scenario).ToHaveAttributeAsync("data-built", "true", new() { Timeout = Live });

            foreach (var row in SeedRows)
            {
                var (seedRow, name, rule) = ((string)row[0], (string)row[1], (string)row[2]);
                var fault = page.Locator($"[data-testid='lab-fault'][data-name='{name}']");
                await Expect(fault.GetByTestId("lab-fault-seed-row")).ToHaveTextAsync(seedRow);
                await fault.GetByTestId("lab-inject").ClickAsync();
                await Expect(fault).ToHaveAttributeAsync("data-active", "true", new() { Timeout = Live });
                await Expect(page.Locator($"[data-testid='lab-action'][data-target='{name}']")).ToHaveAttributeAsync("data-succeeded", "true");

                // The node page on the lab namespace the server names (as its "where" link opens it): the seed's
                // row is not green and names it. Scoped, because other tests' findings of the same rule fill the
                // whole node's row meanwhile.
                var where = await LabFindingAsync(prefix, rule);
                await page.GotoAsync($"/?ns={where}");
                var tableRow = page.Locator($"[data-testid='failure-mode'][data-rule='{rule}']");
                await Expect(tableRow).Not.ToHaveAttributeAsync("data-level", "ok", new() { Timeout = 60_000 });
                await Expect(tableRow.Locator($"[data-testid='finding'][data-namespace='{where}']")).ToHaveCountAsync(1, new() { Timeout = Live });
                await SaveScreenshotAsync(page, $"lab-play-{name}.png", copyToDocs: false, fullPage: false);

                // Heal it from the lab: inactive, and the seed's ping answers again.
                await page.GetByTestId("nav-lab").ClickAsync();
                fault = page.Locator($"[data-testid='lab-fault'][data-name='{name}']");
                await fault.GetByTestId("lab-heal").ClickAsync(new() { Timeout = 60_000 });
                await Expect(page.Locator($"[data-testid='lab-action'][data-target='{name}']")).ToHaveAttributeAsync("data-succeeded", "true", new() { Timeout = Live });
                await Expect(fault).ToHaveAttributeAsync("data-active", "false", new() { Timeout = Live });
                await PingAsync($"{prefix}pod-red", "10.0.1.2");
            }
            Assert.Empty(browserErrors);
        });
    }

    /// <summary>The lab namespace a finding of <paramref name="rule"/> names, once the server has one (GET /api/findings).</summary>
    private async Task<string> LabFindingAsync(string prefix, string rule)
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Server.Token);
        var deadline = DateTime.UtcNow.AddMilliseconds(Live);
        while (true)
        {
            using var findings = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/findings"));
            var names = findings.RootElement.EnumerateArray()
                .Select(f => (Rule: f.GetProperty("rule").GetString(), Name: f.GetProperty("namespaceName").GetString()))
                .Where(f => f.Name?.StartsWith(prefix, StringComparison.Ordinal) == true).ToList();
            if (names.FirstOrDefault(f => f.Rule == rule).Name is { } name) return name;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The server has no {rule} finding in a {prefix}… namespace; it has: {string.Join(", ", names.Select(f => $"{f.Rule} {f.Name}"))}");
            await Task.Delay(100);
        }
    }

    /// <summary>The seed's own test, `ip netns exec pod-red ping -c 1 10.0.1.2`, retried while the healed link settles.</summary>
    private static async Task PingAsync(string ns, string address)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var ping = await Command.RunAsync("ip", ["netns", "exec", ns, "ping", "-c", "1", "-W", "1", address]);
            if (ping.ExitCode == 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"ping {address} from {ns} still fails after healing: {ping.StandardOutput}{ping.StandardError}");
            await Task.Delay(200);
        }
    }
}
