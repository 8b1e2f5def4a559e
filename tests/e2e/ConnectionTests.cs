using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Dashboard.E2E.Tests.Infrastructure.PageTools;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The connection chip against the real server: the browser loses the network, the chip says
/// reconnecting then offline (with the age of the data), the network comes back and the page is
/// live again without a reload; a browser that loses its cookie is sent to the login page.
/// Its own fixture: the test changes the pair's state.
/// </summary>
public sealed class ConnectionTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions FirstLoad = new() { Timeout = 60_000 };

    /// <summary>Patience for a push or a reconnect on a busy 2-CPU machine (see LiveFindingsTests).</summary>
    private const float Live = 30_000;

    /// <summary>
    /// "Offline" is Chromium's offline emulation (<c>SetOfflineAsync</c>), which fails every new
    /// request: the hub's negotiate, its fallback transports, the API reads. It does not close a
    /// WebSocket that is already open: frames stop arriving, and the client would only notice by its
    /// 30 s server timeout (measured: 36 s). A network that drops shows up sooner than that when the
    /// connection is reset, which is what this test does: the hub's WebSocket runs through
    /// Playwright's WebSocket route (a pass-through to the real server), and going offline closes it
    /// from the network's side. While offline the route refuses new WebSockets too.
    /// </summary>
    [Fact]
    public async Task Offline_shows_reconnecting_then_offline_and_comes_back_live_without_a_reload()
    {
        var ns = fixture.Namespaces;
        await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", ns.BlueVeth, "down");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);
        var offline = false;
        var sockets = new ConcurrentBag<(IWebSocketRoute Page, IWebSocketRoute Server)>();
        await page.RouteWebSocketAsync(new Regex("/hubs/topology"), ws =>
        {
            if (Volatile.Read(ref offline))
            {
                _ = ws.CloseAsync(new() { Code = 1001, Reason = "offline" });
                return;
            }
            sockets.Add((ws, ws.ConnectToServer()));
        });

        try
        {
            await RunWithDiagnosticsAsync(fixture, page, "connection", browserErrors, async () =>
            {
                await page.GotoAsync($"/?token={fixture.Server.Token}");
                var chip = page.GetByTestId("connection");
                var blueState = page.Locator($"[data-testid='namespace-card'][data-namespace-name='{ns.Blue}'] [data-testid='interface-row'][data-interface='{ns.BlueVeth}'] [data-testid='interface-state']");
                await Expect(blueState).ToBeVisibleAsync(FirstLoad);
                await Expect(chip).ToHaveAttributeAsync("data-status", "connected", new() { Timeout = Live });
                await Expect(blueState).ToContainTextAsync("DOWN");
                Assert.NotEmpty(sockets); // the hub really runs through the route
                Assert.Empty(browserErrors);
                await page.EvaluateAsync("() => { window.__ndSamePage = true; }");

                // The network goes away.
                Volatile.Write(ref offline, true);
                await context.SetOfflineAsync(true);
                foreach (var (pageSide, serverSide) in sockets)
                {
                    await serverSide.CloseAsync(new() { Code = 1001, Reason = "network lost" });
                    await pageSide.CloseAsync(new() { Code = 1001, Reason = "network lost" });
                }
                await Expect(chip).ToHaveAttributeAsync("data-status", "reconnecting", new() { Timeout = 10_000 });
                await Expect(chip).ToContainTextAsync("reconnecting · data");

                // Meanwhile the node changes: nobody can push it to this page.
                await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", ns.BlueVeth, "up");

                // Past 15 s it says offline, with the age of what it shows; it keeps trying.
                await Expect(chip).ToHaveAttributeAsync("data-status", "offline", new() { Timeout = 25_000 });
                await Expect(chip).ToContainTextAsync(new Regex(@"offline · data \d+ s old"));
                await Expect(blueState).ToContainTextAsync("DOWN");
                await SaveScreenshotAsync(page, "connection-offline.png", copyToDocs: false, fullPage: false);

                // The network comes back: live again, the change made meanwhile read, no reload.
                Volatile.Write(ref offline, false);
                await context.SetOfflineAsync(false);
                await Expect(chip).ToHaveAttributeAsync("data-status", "connected", new() { Timeout = Live });
                await Expect(blueState).Not.ToContainTextAsync("DOWN", new() { Timeout = Live });
                Assert.True(await page.EvaluateAsync<bool>("() => window.__ndSamePage === true"), "The page reloaded.");

                // And pushes flow again on the new connection.
                await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", ns.BlueVeth, "down");
                await Expect(blueState).ToContainTextAsync("DOWN", new() { Timeout = Live });
                Assert.True(await page.EvaluateAsync<bool>("() => window.__ndSamePage === true"), "The page reloaded.");
                await SaveScreenshotAsync(page, "connection-back.png", copyToDocs: false, fullPage: false);

                // What failed while offline were requests to the network that was away, and nothing else.
                Assert.All(browserErrors, e => Assert.Matches("^failed: .*ERR_INTERNET_DISCONNECTED", e));
            });
        }
        finally
        {
            await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", ns.BlueVeth, "down");
        }
    }

    [Fact]
    public async Task A_browser_that_loses_its_cookie_is_sent_to_the_login_page_of_the_page_it_was_on()
    {
        var ns = fixture.Namespaces;
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page, expectedStatuses: 401);

        await RunWithDiagnosticsAsync(fixture, page, "cookie-lost", browserErrors, async () =>
        {
            await page.GotoAsync($"/?ns={ns.Red}&token={fixture.Server.Token}");
            await Expect(page.GetByTestId("namespace-card")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("connection")).ToHaveAttributeAsync("data-status", "connected", new() { Timeout = Live });

            // As after a restart with a new token: the cookie no longer lets the browser in.
            await context.ClearCookiesAsync();
            // The refresh reads with the lost cookie. Any read may come first: the page re-reads the
            // topology when a push does not fit what it holds (other tests change the kernel), and the
            // first 401 reloads the page, so the button can be gone before the click. Either way the
            // login page must follow.
            try
            {
                await page.GetByTestId("refresh").ClickAsync(new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
                // The page left before the click: what follows checks it left for the login page.
            }

            await Expect(page.Locator("input#token")).ToBeVisibleAsync(new() { Timeout = Live });
            await Expect(page.Locator("input[name='returnUrl']")).ToHaveValueAsync($"/?ns={ns.Red}");
            await Expect(page.GetByTestId("namespace-card")).ToHaveCountAsync(0);
            Assert.DoesNotContain(ns.Blue, await page.ContentAsync(), StringComparison.Ordinal);

            await page.Locator("input#token").FillAsync(fixture.Server.Token);
            await page.Locator("input#token").PressAsync("Enter");
            await Expect(page.GetByTestId("namespace-card")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
            Assert.EndsWith($"/?ns={ns.Red}", page.Url, StringComparison.Ordinal);
            // The 401s were expected; a request cut short by the reload is the only other thing allowed.
            Assert.All(browserErrors, e => Assert.Matches("^failed: .*ERR_ABORTED", e));
        });
    }
}
