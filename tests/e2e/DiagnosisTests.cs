using System.Text.RegularExpressions;
using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Dashboard.E2E.Tests.Infrastructure.PageTools;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// "Diagnose a ping" in the browser, on the fixture pair (blue's end is left down): the form, the
/// diagnosis page with the root cause and its fix, the fix run as shown, "run again" reachable, the
/// shared link opening the stored diagnosis, a bad source refused, the drawer filling the form.
/// </summary>
public sealed class DiagnosisTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions FirstLoad = new() { Timeout = 60_000 };

    /// <summary>A diagnosis takes a few seconds (ping's own waits); generous for a loaded machine.</summary>
    private const float Done = 30_000;

    [Fact]
    public async Task The_form_finds_the_down_end_names_its_fix_and_after_the_fix_the_path_is_reachable()
    {
        var ns = fixture.Namespaces;
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);
        await RunWithDiagnosticsAsync(fixture, page, "diagnosis", browserErrors, async () =>
        {
            await page.GotoAsync($"/?token={fixture.Server.Token}");
            await Expect(page.GetByTestId("diagnose")).ToBeVisibleAsync(FirstLoad);

            // A source that is no namespace: the server's reason, and no diagnosis page.
            await page.GetByTestId("diagnose-source").FillAsync("no-such-namespace");
            await page.GetByTestId("diagnose-destination").FillAsync(ns.BlueAddress.Split('/')[0]);
            await page.GetByTestId("diagnose-start").ClickAsync();
            await Expect(page.GetByTestId("diagnose-problem")).ToContainTextAsync("no-such-namespace");
            Assert.DoesNotContain("/diagnoses/", page.Url, StringComparison.Ordinal);

            // From red to blue's end (left down by the fixture).
            await page.GetByTestId("diagnose-source").FillAsync(ns.Red);
            await page.GetByTestId("diagnose-destination").FillAsync($"{ns.Blue}/{ns.BlueVeth}");
            await page.GetByTestId("diagnose-start").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/diagnoses/[A-Za-z0-9_-]{16,}$"));
            var shared = page.Url;
            var diagnosis = page.GetByTestId("diagnosis");
            await Expect(diagnosis).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Done });
            await Expect(diagnosis).ToHaveAttributeAsync("data-verdict", "unreachable");
            var cause = page.GetByTestId("diagnosis-root-cause");
            await Expect(cause).ToHaveAttributeAsync("data-rule", "interface-down");
            await Expect(cause).ToHaveAttributeAsync("data-namespace", ns.Blue);
            await Expect(cause).ToHaveAttributeAsync("data-interface", ns.BlueVeth);
            var fix = cause.GetByTestId("diagnosis-fix").First;
            await Expect(fix).ToHaveTextAsync($"ip -n {ns.Blue} link set {ns.BlueVeth} up");
            // The steps teach the commands: the route lookup is there, with what it printed.
            await Expect(page.Locator("[data-testid='diagnosis-step'][data-name='route-lookup']").First).ToHaveAttributeAsync("data-status", "pass");
            await Expect(page.Locator("[data-testid='diagnosis-step'][data-status='fail']").First).ToBeVisibleAsync();
            await SaveScreenshotAsync(page, "diagnosis-broken.png", copyToDocs: false, fullPage: false);

            // The fix exactly as shown (an argument list), then "run again".
            var words = (await fix.InnerTextAsync()).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("ip", words[0]);
            await Command.RunCheckedAsync(words[0], words[1..]);
            await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", "lo", "up");
            // The kernel reports carrier a moment after `link set up` (linkwatch defers it, up to a
            // second on a busy machine): "run again" when `ip` says both ends are UP, as a person would.
            await OperStateUpAsync(ns.Blue, ns.BlueVeth);
            await OperStateUpAsync(ns.Red, ns.RedVeth);
            await page.GetByTestId("diagnosis-again").ClickAsync();
            await Expect(page).Not.ToHaveURLAsync(shared);
            await Expect(diagnosis).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Done });
            await Expect(diagnosis).ToHaveAttributeAsync("data-verdict", "reachable");
            await Expect(page.GetByTestId("diagnosis-ok")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("diagnosis-root-cause")).ToHaveCountAsync(0);
            await SaveScreenshotAsync(page, "diagnosis-fixed.png", copyToDocs: false, fullPage: false);

            // A teammate opens the first link: the stored diagnosis, as it was.
            await using var teammate = await fixture.NewContextAsync();
            var other = await teammate.NewPageAsync();
            await other.GotoAsync($"/?token={fixture.Server.Token}");
            await other.GotoAsync(shared);
            await Expect(other.GetByTestId("diagnosis")).ToHaveAttributeAsync("data-verdict", "unreachable", new() { Timeout = 60_000 });
            await Expect(other.GetByTestId("diagnosis-root-cause")).ToHaveAttributeAsync("data-interface", ns.BlueVeth);

            // From an interface's details: "diagnose a ping from here" fills the form's source.
            await page.GotoAsync($"/interfaces/{ns.Red}/{ns.RedVeth}");
            await page.GetByTestId("drawer-ping-from").ClickAsync();
            await Expect(page.GetByTestId("drawer")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("diagnose-source")).ToHaveValueAsync(ns.Red);

            Assert.DoesNotContain(browserErrors, e => !e.Contains("/api/diagnoses", StringComparison.Ordinal));
        });
        await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", ns.BlueVeth, "down");
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
