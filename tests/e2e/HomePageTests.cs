using System.Text.RegularExpressions;
using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>The first page against the real server, real namespaces and a real browser.</summary>
public sealed class HomePageTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions FirstLoad = new() { Timeout = 60_000 };

    [Fact]
    public async Task Lists_the_fixture_namespaces_and_their_veth_peers()
    {
        var ns = fixture.Namespaces;
        var redId = await FixtureNamespaces.InodeAsync(ns.Red);
        var blueId = await FixtureNamespaces.InodeAsync(ns.Blue);
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);

        await RunWithDiagnosticsAsync(page, "home", browserErrors, async () =>
        {
            await page.GotoAsync($"/?token={fixture.Server.Token}");

            var red = Namespace(page, ns.Red);
            await Expect(red).ToBeVisibleAsync(FirstLoad);
            // The login link set the cookie and dropped the token from the address.
            Assert.DoesNotContain("token=", page.Url, StringComparison.Ordinal);

            await Expect(red.GetByTestId("namespace-name")).ToHaveTextAsync(ns.Red);
            await Expect(red.GetByTestId("namespace-owner")).ToHaveTextAsync("netns");
            await Expect(red.GetByTestId("namespace-id")).ToHaveTextAsync(redId);

            var redVeth = Interface(red, ns.RedVeth);
            await Expect(redVeth.GetByTestId("interface-kind")).ToHaveTextAsync("veth");
            await Expect(redVeth.GetByTestId("interface-addresses")).ToContainTextAsync(ns.RedAddress);
            await Expect(redVeth.GetByTestId("veth-peer")).ToHaveTextAsync($"{ns.BlueVeth} in {ns.Blue}");
            await Expect(Interface(red, "lo").GetByTestId("interface-kind")).ToHaveTextAsync("loopback");

            var blueVeth = Interface(Namespace(page, ns.Blue), ns.BlueVeth);
            await Expect(blueVeth.GetByTestId("interface-state")).ToContainTextAsync("DOWN");
            await Expect(blueVeth.GetByTestId("interface-addresses")).ToContainTextAsync(ns.BlueAddress);
            await Expect(blueVeth.GetByTestId("veth-peer")).ToHaveTextAsync($"{ns.RedVeth} in {ns.Red}");

            // The pair is listed once in the veth pairs table.
            var pair = page.GetByTestId("veth-pair").Filter(new() { HasText = ns.RedVeth });
            await Expect(pair).ToHaveCountAsync(1);
            await Expect(pair).ToContainTextAsync(ns.BlueVeth);

            Assert.Empty(browserErrors);
            await SaveScreenshotAsync(page, "home.png", copyToDocs: true);

            // A peer links to its namespace's card.
            await redVeth.GetByTestId("veth-peer").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"#ns-{blueId}$"));

            // The filter narrows the cards to what matches.
            await page.GetByTestId("filter").FillAsync(ns.Red); // MudTextField puts the attribute on its <input>
            await Expect(Namespace(page, ns.Blue)).ToHaveCountAsync(0);
            await Expect(Namespace(page, ns.Red)).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task Without_the_token_the_page_is_the_login_page_and_shows_no_data()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page, expectedStatuses: 401);

        await RunWithDiagnosticsAsync(page, "login", browserErrors, async () =>
        {
            var response = await page.GotoAsync("/");
            Assert.Equal(401, response?.Status);
            await Expect(page.Locator("input#token")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("namespace-card")).ToHaveCountAsync(0);
            var html = await page.ContentAsync();
            Assert.DoesNotContain(fixture.Namespaces.Red, html, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Namespaces.RedVeth, html, StringComparison.Ordinal);
            await SaveScreenshotAsync(page, "login.png", copyToDocs: false);

            // A wrong token is told so, and still sees nothing.
            await page.GotoAsync("/?token=0123456789abcdef0123456789abcdef");
            await Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            Assert.DoesNotContain(fixture.Namespaces.Red, await page.ContentAsync(), StringComparison.Ordinal);

            // The API behind the page answers 401 too.
            var api = await context.APIRequest.GetAsync("/api/topology");
            Assert.Equal(401, api.Status);
        });
    }

    private static ILocator Namespace(IPage page, string name) =>
        page.Locator($"[data-testid='namespace-card'][data-namespace-name='{name}']");

    private static ILocator Interface(ILocator ns, string name) =>
        ns.Locator($"[data-testid='interface-row'][data-interface='{name}']");

    /// <summary>Script errors, console errors and failed requests: a page that looks right but logs errors is not right.</summary>
    private static List<string> CollectErrors(IPage page, params int[] expectedStatuses)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // Failed requests are reported below, with their address.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                errors.Add($"console: {message.Text}");
        };
        page.PageError += (_, error) => errors.Add($"page error: {error}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && !expectedStatuses.Contains(response.Status))
                errors.Add($"{response.Status} {response.Request.Method} {response.Url}");
        };
        page.RequestFailed += (_, request) => errors.Add($"failed: {request.Method} {request.Url} {request.Failure}");
        return errors;
    }

    /// <summary>On failure: a screenshot, the browser's errors and the server's log go with the exception.</summary>
    private async Task RunWithDiagnosticsAsync(IPage page, string name, List<string> browserErrors, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch (Exception e)
        {
            var shot = await SaveScreenshotAsync(page, $"{name}-failed.png", copyToDocs: false);
            throw new InvalidOperationException(
                $"{e.Message}\n\nScreenshot: {shot}\nBrowser errors:\n  {string.Join("\n  ", browserErrors)}\nServer log:\n{fixture.Server.Log}", e);
        }
    }

    /// <summary>
    /// Into tests/e2e/screenshots/. The README's docs/screenshot.png is refreshed only when
    /// DASHBOARD_E2E_UPDATE_DOCS=1, so that test runs do not churn a committed file.
    /// </summary>
    private static async Task<string> SaveScreenshotAsync(IPage page, string fileName, bool copyToDocs)
    {
        Directory.CreateDirectory(Paths.Screenshots);
        var path = Path.Combine(Paths.Screenshots, fileName);
        try
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }
        catch (PlaywrightException)
        {
            return "(none: the page could not be captured)";
        }
        if (copyToDocs && Environment.GetEnvironmentVariable("DASHBOARD_E2E_UPDATE_DOCS") == "1")
        {
            Directory.CreateDirectory(Paths.Docs);
            File.Copy(path, Path.Combine(Paths.Docs, "screenshot.png"), overwrite: true);
        }
        return path;
    }
}
