using System.Text.RegularExpressions;
using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Dashboard.E2E.Tests.Infrastructure.PageTools;
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
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);

        await RunWithDiagnosticsAsync(fixture, page, "home", browserErrors, async () =>
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
            // What a new user sees first (the failure modes, then the node), not the whole scroll: with
            // hundreds of namespaces on the node a full-page capture is 80 000 px tall and times out.
            await SaveScreenshotAsync(page, "home.png", copyToDocs: true, fullPage: false);

            // A peer links to its details.
            await redVeth.GetByTestId("veth-peer").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/interfaces/{ns.Blue}/{ns.BlueVeth}$"));
            await Expect(page.GetByTestId("drawer-title")).ToHaveTextAsync(ns.BlueVeth);
            await page.GetByTestId("drawer-close").ClickAsync();

            // The filter narrows the cards to what matches.
            await page.GetByTestId("filter").FillAsync(ns.Red); // MudTextField puts the attribute on its <input>
            await Expect(Namespace(page, ns.Blue)).ToHaveCountAsync(0);
            await Expect(Namespace(page, ns.Red)).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task Without_the_token_the_page_is_the_login_page_and_shows_no_data()
    {
        var ns = fixture.Namespaces;
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page, expectedStatuses: 401);

        await RunWithDiagnosticsAsync(fixture, page, "login", browserErrors, async () =>
        {
            // A link a teammate pasted, opened by a browser that never logged in.
            var response = await page.GotoAsync($"/?ns={ns.Red}");
            Assert.Equal(401, response?.Status);
            var token = page.Locator("input#token");
            await Expect(token).ToBeVisibleAsync();
            await Expect(page.GetByTestId("namespace-card")).ToHaveCountAsync(0);
            var html = await page.ContentAsync();
            Assert.DoesNotContain(ns.Blue, html, StringComparison.Ordinal);
            Assert.DoesNotContain(ns.RedVeth, html, StringComparison.Ordinal);
            Assert.DoesNotContain(ns.RedAddress.Split('/')[0], html, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Server.Token, html, StringComparison.Ordinal);
            await SaveScreenshotAsync(page, "login.png", copyToDocs: false, fullPage: false);
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
            await SaveScreenshotAsync(page, "login-dark.png", copyToDocs: false, fullPage: false);
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });

            // A wrong token is told so, still sees nothing, and keeps the page it asked for.
            await token.FillAsync("0123456789abcdef0123456789abcdef");
            var wrong = await page.RunAndWaitForResponseAsync(() => token.PressAsync("Enter"),
                r => r.Request.IsNavigationRequest && r.Url.Contains("token=", StringComparison.Ordinal));
            Assert.Equal(401, wrong.Status);
            await Expect(page.Locator("#login-error")).ToBeVisibleAsync();
            Assert.DoesNotContain(ns.Blue, await page.ContentAsync(), StringComparison.Ordinal);
            await SaveScreenshotAsync(page, "login-wrong.png", copyToDocs: false, fullPage: false);

            // The API behind the page answers 401 too.
            var api = await context.APIRequest.GetAsync("/api/topology");
            Assert.Equal(401, api.Status);

            // The right token opens the page that was asked for, and the address holds no token.
            await token.FillAsync(fixture.Server.Token);
            await token.PressAsync("Enter");
            await Expect(Namespace(page, ns.Red)).ToBeVisibleAsync(FirstLoad);
            await Expect(page.GetByTestId("namespace-card")).ToHaveCountAsync(1);
            Assert.EndsWith($"/?ns={ns.Red}", page.Url, StringComparison.Ordinal);
            await Expect(page.GetByTestId("connection")).ToHaveAttributeAsync("data-status", "connected", new() { Timeout = 30_000 });
            Assert.Empty(browserErrors);
        });
    }

    private static ILocator Namespace(IPage page, string name) =>
        page.Locator($"[data-testid='namespace-card'][data-namespace-name='{name}']");

    private static ILocator Interface(ILocator ns, string name) =>
        ns.Locator($"[data-testid='interface-row'][data-interface='{name}']");
}
