using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Dashboard.E2E.Tests.Infrastructure.PageTools;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Snapshots on real namespaces: for each failure mode of the seed, a snapshot of the healthy pair,
/// the pair broken with <c>ip</c>, a second snapshot, and the compare page naming what changed (in
/// the diagram's colours and in the change list). One story through the UI alone, and links that
/// open in a fresh browser (a new login). One fixture pair for the class: each test makes the pair
/// healthy again first (and makes it again when a test deleted it).
/// </summary>
public sealed class SnapshotTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions FirstLoad = new() { Timeout = 60_000 };

    /// <summary>Patience for a kernel change to reach the server's state; see LiveFindingsTests.Live.</summary>
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(30);

    /// <summary>Rules about what is gone: they stay listed a while after the event, healthy pair or not.</summary>
    private static readonly string[] Lingering = ["veth-pair-removed", "namespace-removed"];

    private FixtureNamespaces Ns => fixture.Namespaces;

    /// <summary>The failure modes of the seed, plus an MTU change; the two that delete things last (their findings linger).</summary>
    public static TheoryData<string> Modes => ["interface-down", "no-ip", "wrong-subnet", "mtu", "one-end-deleted", "namespace-deleted"];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Comparing_before_and_after_names_the_change_and_the_finding(string mode)
    {
        var watch = Stopwatch.StartNew();
        await MakeHealthyAsync();
        var before = await TakeAsync($"before {mode}");
        var rule = await BreakAsync(mode);
        await WaitForFindingAsync(rule);
        var after = await TakeAsync($"after {mode}");

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);
        await RunWithDiagnosticsAsync(fixture, page, $"compare-{mode}", browserErrors, async () =>
        {
            await page.GotoAsync($"/?token={fixture.Server.Token}&returnUrl=" + Uri.EscapeDataString($"/compare/{before}/{after}"));
            await Expect(page).ToHaveURLAsync(new Regex($"/compare/{before}/{after}$"));
            var changes = page.GetByTestId("changes");
            await Expect(changes).ToBeVisibleAsync(FirstLoad);
            await Expect(page.GetByTestId("compare-from")).ToContainTextAsync($"before {mode}");
            await Expect(page.GetByTestId("compare-to")).ToContainTextAsync($"after {mode}");
            await Expect(page.GetByTestId("diagram-legend")).ToHaveAttributeAsync("data-mode", "comparison");

            var red = Shape(page, Ns.Red);
            var blue = Shape(page, Ns.Blue);
            var edge = PairEdge(page);
            switch (mode)
            {
                case "interface-down":
                    await ExpectField(changes, Ns.Red, Ns.RedVeth, "adminUp", "up", "down");
                    await ExpectFinding(changes, rule, $"{Ns.Red} / {Ns.RedVeth}");
                    await Expect(red).ToHaveAttributeAsync("data-state", "changed");
                    await Expect(edge).ToHaveAttributeAsync("data-state", "changed");
                    break;
                case "no-ip":
                    await ExpectField(changes, Ns.Blue, Ns.BlueVeth, "addresses", from: Ns.BlueAddress);
                    await ExpectFinding(changes, rule, $"{Ns.Blue} / {Ns.BlueVeth}");
                    await Expect(blue).ToHaveAttributeAsync("data-state", "changed");
                    await Expect(red).ToHaveAttributeAsync("data-state", "same");
                    await Expect(edge).ToHaveAttributeAsync("data-state", "changed");
                    break;
                case "wrong-subnet":
                    await ExpectField(changes, Ns.Blue, Ns.BlueVeth, "addresses", from: Ns.BlueAddress, to: OtherSubnet);
                    await ExpectFinding(changes, rule, Ns.Prefix);
                    await Expect(blue).ToHaveAttributeAsync("data-state", "changed");
                    await Expect(edge).ToHaveAttributeAsync("data-state", "changed");
                    break;
                case "mtu":
                    await ExpectField(changes, Ns.Blue, Ns.BlueVeth, "mtu", "1500", "1400");
                    await ExpectFinding(changes, rule, Ns.Prefix);
                    await Expect(blue).ToHaveAttributeAsync("data-state", "changed");
                    await Expect(edge).ToHaveAttributeAsync("data-state", "changed");
                    break;
                case "one-end-deleted":
                    await Expect(Change(changes, "interface-removed", $"{Ns.Red}/{Ns.RedVeth}")).ToHaveCountAsync(1);
                    await Expect(Change(changes, "interface-removed", $"{Ns.Blue}/{Ns.BlueVeth}")).ToHaveCountAsync(1);
                    await Expect(changes.Locator($"[data-testid='change'][data-kind='link-removed'][data-place*='{Ns.RedVeth}']")).ToHaveCountAsync(1);
                    await ExpectFinding(changes, rule, Ns.Prefix);
                    // Both namespaces are still there; the pair is drawn, removed, between them.
                    await Expect(red).ToHaveAttributeAsync("data-state", "changed");
                    await Expect(blue).ToHaveAttributeAsync("data-state", "changed");
                    await Expect(edge).ToHaveAttributeAsync("data-state", "removed");
                    break;
                case "namespace-deleted":
                    await Expect(Change(changes, "namespace-removed", Ns.Blue)).ToHaveCountAsync(1);
                    await Expect(Change(changes, "interface-removed", $"{Ns.Red}/{Ns.RedVeth}")).ToHaveCountAsync(1);
                    await Expect(changes.Locator($"[data-testid='change'][data-kind='link-removed'][data-place*='{Ns.BlueVeth}']")).ToHaveCountAsync(1);
                    await ExpectFinding(changes, rule, Ns.Blue);
                    await Expect(blue).ToHaveAttributeAsync("data-state", "removed");
                    await Expect(red).ToHaveAttributeAsync("data-state", "changed");
                    await Expect(edge).ToHaveAttributeAsync("data-state", "removed");
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
            }
            await Expect(page.GetByTestId("compare-same")).ToHaveCountAsync(0);
            // What changed is in view, however wide the node (other tests' namespaces) is.
            await ExpectInViewAsync(page, mode == "namespace-deleted" ? blue : red);
            await SaveScreenshotAsync(page, $"compare-{mode}.png", copyToDocs: false, fullPage: false);
            Assert.Empty(browserErrors);
        });
        Console.WriteLine($"snapshots {mode}: {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task The_whole_story_through_the_ui_take_break_take_compare_swap_open_compare_with_now()
    {
        await MakeHealthyAsync();
        var suffix = Convert.ToHexStringLower(BitConverter.GetBytes(Environment.TickCount64))[..6];
        var first = $"story before {suffix}";
        var second = $"story after {suffix}";

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);
        await RunWithDiagnosticsAsync(fixture, page, "snapshots-story", browserErrors, async () =>
        {
            await page.GotoAsync($"/?token={fixture.Server.Token}");
            await Expect(page.GetByTestId("diagram")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 60_000 });
            await page.GetByTestId("nav-snapshots").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/snapshots$"));

            // Take one: type a label, press Enter; the new row shows.
            var label = page.GetByTestId("snapshot-label");
            await label.FillAsync(first);
            await label.PressAsync("Enter");
            var firstRow = Row(page, first);
            await Expect(firstRow).ToHaveAttributeAsync("data-new", "true", new() { Timeout = 15_000 });

            // Break the pair, wait until the server sees it, take another.
            await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "link", "set", Ns.BlueVeth, "down");
            await WaitForFindingAsync("interface-down");
            await label.FillAsync(second);
            await page.GetByTestId("snapshot-take").ClickAsync();
            var secondRow = Row(page, second);
            await Expect(secondRow).ToHaveAttributeAsync("data-new", "true", new() { Timeout = 15_000 });
            // Its row counts the whole node's errors, which other tests running meanwhile change too: the row
            // counts at least the broken pair's, and the snapshot itself holds that finding.
            var errorsAfter = int.Parse((await secondRow.GetByTestId("snapshot-findings").GetAttributeAsync("data-errors"))!, CultureInfo.InvariantCulture);
            Assert.True(errorsAfter >= 1, $"errors after {errorsAfter}");
            using (var http = Api())
            {
                using var held = JsonDocument.Parse(await http.GetStringAsync($"api/snapshots/{await secondRow.GetAttributeAsync("data-id")}"));
                Assert.Contains(held.RootElement.GetProperty("findings").EnumerateArray(), f =>
                    f.GetProperty("rule").GetString() == "interface-down" && f.GetProperty("namespaceName").GetString() == Ns.Blue);
            }
            await Expect(page.GetByTestId("snapshot-row").First).ToHaveAttributeAsync("data-label", second); // newest first
            await SaveScreenshotAsync(page, "snapshots-list.png", copyToDocs: false, fullPage: false);

            // Pick both, compare: older to newer.
            var firstId = await firstRow.GetAttributeAsync("data-id");
            var secondId = await secondRow.GetAttributeAsync("data-id");
            await secondRow.GetByTestId("snapshot-pick").CheckAsync();
            await firstRow.GetByTestId("snapshot-pick").CheckAsync();
            await page.GetByTestId("snapshot-compare-selected").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/compare/{firstId}/{secondId}$"));
            var changes = page.GetByTestId("changes");
            await Expect(changes).ToBeVisibleAsync(FirstLoad);
            await ExpectField(changes, Ns.Blue, Ns.BlueVeth, "adminUp", "up", "down");
            await ExpectFinding(changes, "interface-down", $"{Ns.Blue} / {Ns.BlueVeth}");
            await Expect(Shape(page, Ns.Blue)).ToHaveAttributeAsync("data-state", "changed");
            await Expect(PairEdge(page)).ToHaveAttributeAsync("data-state", "changed");
            await SaveScreenshotAsync(page, "compare-story.png", copyToDocs: false, fullPage: false);

            // Swap: the other way round, the finding is resolved.
            await page.GetByTestId("compare-swap").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/compare/{secondId}/{firstId}$"));
            await Expect(changes.Locator($"[data-testid='change'][data-kind='finding-resolved'][data-rule='interface-down'][data-place='{Ns.Blue} / {Ns.BlueVeth}']"))
                .ToHaveCountAsync(1, new() { Timeout = 15_000 });

            // The later snapshot on its own page: the banner, the diagram and the table as they were.
            await page.GetByTestId("compare-list-link").ClickAsync();
            await Row(page, second).GetByTestId("snapshot-open").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/snapshots/{secondId}$"));
            var banner = page.GetByTestId("snapshot-banner");
            await Expect(banner).ToBeVisibleAsync(FirstLoad);
            await Expect(banner.GetByTestId("snapshot-label")).ToHaveTextAsync(second);
            await Expect(page.GetByTestId("failure-modes")).ToHaveAttributeAsync("data-frozen", "true");
            await Expect(page.Locator("[data-testid='failure-mode'][data-rule='interface-down']")).ToHaveAttributeAsync("data-level", "error");
            await Expect(Shape(page, Ns.Blue)).ToHaveAttributeAsync("data-state", "error");
            await SaveScreenshotAsync(page, "snapshot-page.png", copyToDocs: false, fullPage: false);
            // Fixing the pair now changes nothing on this page: it is the past.
            await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "link", "set", Ns.BlueVeth, "up");
            await WaitForHealthyAsync();
            await Expect(Shape(page, Ns.Blue)).ToHaveAttributeAsync("data-state", "error");
            // …and comparing it with now says the pair came back up.
            await page.GetByTestId("snapshot-compare-now").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/compare/{secondId}/live$"));
            await Expect(page.GetByTestId("compare-to")).ToContainTextAsync("now");
            await ExpectField(page.GetByTestId("changes"), Ns.Blue, Ns.BlueVeth, "adminUp", "down", "up");

            Assert.Empty(browserErrors);
        });
    }

    [Fact]
    public async Task Export_import_delete_and_the_pages_in_dark_mode()
    {
        await MakeHealthyAsync();
        var suffix = Convert.ToHexStringLower(BitConverter.GetBytes(Environment.TickCount64))[..6];
        var first = $"dark before {suffix}";
        var second = $"dark after {suffix}";
        var firstId = await TakeAsync(first);
        await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "link", "set", Ns.BlueVeth, "down");
        await WaitForFindingAsync("interface-down");
        var secondId = await TakeAsync(second);

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        // 400: the import of a file that is not a snapshot, refused on purpose.
        var browserErrors = CollectErrors(page, 400);
        await RunWithDiagnosticsAsync(fixture, page, "snapshots-files", browserErrors, async () =>
        {
            await page.GotoAsync($"/?token={fixture.Server.Token}&returnUrl=%2Fsnapshots");
            await Expect(Row(page, second)).ToBeVisibleAsync(FirstLoad);

            // Export, then import the file: a new row, marked imported.
            var download = await page.RunAndWaitForDownloadAsync(() => Row(page, second).GetByTestId("snapshot-export").ClickAsync());
            var file = await download.PathAsync();
            Assert.Contains(second, await File.ReadAllTextAsync(file));
            var rowsBefore = await page.GetByTestId("snapshot-row").CountAsync();
            await page.GetByTestId("snapshot-import-file").SetInputFilesAsync(file);
            var imported = page.Locator("[data-testid='snapshot-row'][data-new='true']");
            await Expect(imported).ToHaveAttributeAsync("data-label", second, new() { Timeout = 15_000 });
            await Expect(imported.GetByTestId("snapshot-origin")).ToHaveAttributeAsync("data-origin", "import");
            await Expect(page.GetByTestId("snapshot-row")).ToHaveCountAsync(rowsBefore + 1);

            // A file that is not a snapshot: the server's reason, on the page.
            await page.GetByTestId("snapshot-import-file").SetInputFilesAsync(new FilePayload
            {
                Name = "notes.json", MimeType = "application/json", Buffer = "{\"hello\": \"world\"}"u8.ToArray(),
            });
            await Expect(page.GetByTestId("snapshots-problem")).ToContainTextAsync("notes.json", new() { Timeout = 15_000 });
            var problem = await page.GetByTestId("snapshots-problem").InnerTextAsync();
            Assert.True(problem.Length > "Import of notes.json refused: ".Length + 10, problem);

            // Delete the imported one, after saying yes.
            var importedId = await imported.GetAttributeAsync("data-id");
            var importedRow = page.Locator($"[data-testid='snapshot-row'][data-id='{importedId}']");
            await importedRow.GetByTestId("snapshot-delete").ClickAsync();
            await importedRow.GetByTestId("snapshot-delete-confirm").ClickAsync();
            await Expect(importedRow).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("snapshot-row")).ToHaveCountAsync(rowsBefore);

            // Dark mode, moving inside the app (no reloads): the list, the comparison, the snapshot.
            await page.GetByTestId("dark-mode").ClickAsync();
            await SaveScreenshotAsync(page, "snapshots-list-dark.png", copyToDocs: false, fullPage: false);
            await Row(page, first).GetByTestId("snapshot-pick").CheckAsync();
            await Row(page, second).GetByTestId("snapshot-pick").CheckAsync();
            await page.GetByTestId("snapshot-compare-selected").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/compare/{firstId}/{secondId}$"));
            await Expect(PairEdge(page)).ToHaveAttributeAsync("data-state", "changed", new() { Timeout = 15_000 });
            await SaveScreenshotAsync(page, "compare-dark.png", copyToDocs: false, fullPage: false);
            await page.GetByTestId("compare-to").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/snapshots/{secondId}$"));
            await Expect(page.GetByTestId("snapshot-banner")).ToBeVisibleAsync(FirstLoad);
            await Expect(Shape(page, Ns.Blue)).ToHaveAttributeAsync("data-state", "error");
            await SaveScreenshotAsync(page, "snapshot-page-dark.png", copyToDocs: false, fullPage: false);
            await page.GetByTestId("dark-mode").ClickAsync();

            // A smaller laptop: nothing cut or overlapping, and what changed still in view.
            await page.SetViewportSizeAsync(1024, 700);
            await page.GoBackAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/compare/{firstId}/{secondId}$"));
            await Expect(page.GetByTestId("changes")).ToBeVisibleAsync(FirstLoad);
            await ExpectInViewAsync(page, Shape(page, Ns.Blue));
            await SaveScreenshotAsync(page, "compare-narrow.png", copyToDocs: false, fullPage: true);
            await page.GetByTestId("compare-list-link").ClickAsync();
            await Expect(Row(page, first)).ToBeVisibleAsync(FirstLoad);
            await SaveScreenshotAsync(page, "snapshots-list-narrow.png", copyToDocs: false, fullPage: false);
            Assert.Empty(browserErrors);
        });
    }

    [Fact]
    public async Task A_compare_link_and_a_snapshot_link_open_in_a_fresh_browser_after_the_login_and_show_the_same()
    {
        await MakeHealthyAsync();
        var before = await TakeAsync("link before");
        await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "link", "set", Ns.BlueVeth, "mtu", "1400");
        await WaitForFindingAsync("mtu-mismatch");
        var after = await TakeAsync("link after");
        var compare = $"/compare/{before}/{after}";
        var snapshot = $"/snapshots/{after}";

        // The view of someone already logged in.
        await using var mine = await fixture.NewContextAsync();
        var page = await mine.NewPageAsync();
        var errors = CollectErrors(page);
        string[] seen = [];
        await RunWithDiagnosticsAsync(fixture, page, "links-mine", errors, async () =>
        {
            await page.GotoAsync($"/?token={fixture.Server.Token}&returnUrl=" + Uri.EscapeDataString(compare));
            await Expect(page.GetByTestId("changes")).ToBeVisibleAsync(FirstLoad);
            await Expect(Change(page.GetByTestId("changes"), "interface-changed", $"{Ns.Blue}/{Ns.BlueVeth}")).ToHaveCountAsync(1);
            seen = await ChangeRowsAsync(page);
            Assert.Empty(errors);
        });

        // A teammate pastes the links into a fresh browser: the login page, then the page itself.
        await using var theirs = await fixture.NewContextAsync();
        var fresh = await theirs.NewPageAsync();
        var freshErrors = CollectErrors(fresh, 401);
        await RunWithDiagnosticsAsync(fixture, fresh, "links-fresh", freshErrors, async () =>
        {
            await fresh.GotoAsync(compare);
            await Expect(fresh.GetByTestId("login-form")).ToBeVisibleAsync();
            await fresh.Locator("#token").FillAsync(fixture.Server.Token);
            await fresh.Locator("#token").PressAsync("Enter");
            await Expect(fresh).ToHaveURLAsync(new Regex($"{Regex.Escape(compare)}$"));
            await Expect(fresh.GetByTestId("changes")).ToBeVisibleAsync(FirstLoad);
            await Expect(Change(fresh.GetByTestId("changes"), "interface-changed", $"{Ns.Blue}/{Ns.BlueVeth}")).ToHaveCountAsync(1);
            Assert.Equal(seen, await ChangeRowsAsync(fresh));
            await Expect(Shape(fresh, Ns.Blue)).ToHaveAttributeAsync("data-state", "changed");
            await Expect(PairEdge(fresh)).ToHaveAttributeAsync("data-state", "changed");

            // The snapshot link in the same fresh browser (now logged in), and straight from the address bar.
            await fresh.GotoAsync(snapshot);
            await Expect(fresh.GetByTestId("snapshot-banner")).ToBeVisibleAsync(FirstLoad);
            await Expect(fresh.GetByTestId("snapshot-label")).ToHaveTextAsync("link after");
            await Expect(fresh.Locator("[data-testid='failure-mode'][data-rule='mtu-mismatch']")).Not.ToHaveAttributeAsync("data-level", "ok");
            Assert.DoesNotContain(freshErrors, e => !e.StartsWith("401 ", StringComparison.Ordinal));
        });
    }

    // ---- the pair ----

    /// <summary>The subnet "wrong subnet" moves the blue end to.</summary>
    private string OtherSubnet => $"10.215.{Convert.ToInt32(Ns.Prefix[^2..], 16).ToString(CultureInfo.InvariantCulture)}.2/24";

    /// <summary>Breaks the pair the way <paramref name="mode"/> says; the rule that names it.</summary>
    private async Task<string> BreakAsync(string mode)
    {
        switch (mode)
        {
            case "interface-down":
                await Command.RunCheckedAsync("ip", "-n", Ns.Red, "link", "set", Ns.RedVeth, "down");
                return "interface-down";
            case "no-ip":
                await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "address", "del", Ns.BlueAddress, "dev", Ns.BlueVeth);
                return "no-ip-address";
            case "wrong-subnet":
                await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "address", "del", Ns.BlueAddress, "dev", Ns.BlueVeth);
                await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "address", "add", OtherSubnet, "dev", Ns.BlueVeth);
                return "subnet-mismatch";
            case "mtu":
                await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "link", "set", Ns.BlueVeth, "mtu", "1400");
                return "mtu-mismatch";
            case "one-end-deleted":
                await Command.RunCheckedAsync("ip", "-n", Ns.Blue, "link", "del", Ns.BlueVeth);
                return "veth-pair-removed";
            case "namespace-deleted":
                await Command.RunCheckedAsync("ip", "netns", "delete", Ns.Blue);
                return "namespace-removed";
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
        }
    }

    /// <summary>
    /// The seed pair, healthy: both namespaces, the pair (made again if a test deleted it), the
    /// addresses, MTU 1500, everything up; then waits until the server sees it so.
    /// </summary>
    private async Task MakeHealthyAsync()
    {
        if (!(await FixtureNamespaces.ListAsync()).Contains(Ns.Blue))
            await Command.RunCheckedAsync("ip", "netns", "add", Ns.Blue);
        var redHas = (await Command.RunAsync("ip", ["-n", Ns.Red, "link", "show", Ns.RedVeth])).ExitCode == 0;
        var blueHas = (await Command.RunAsync("ip", ["-n", Ns.Blue, "link", "show", Ns.BlueVeth])).ExitCode == 0;
        if (!redHas || !blueHas)
        {
            if (redHas) await Command.RunAsync("ip", ["-n", Ns.Red, "link", "del", Ns.RedVeth]);
            if (blueHas) await Command.RunAsync("ip", ["-n", Ns.Blue, "link", "del", Ns.BlueVeth]);
            await Command.RunCheckedAsync("ip", "link", "add", Ns.RedVeth, "netns", Ns.Red, "type", "veth", "peer", "name", Ns.BlueVeth, "netns", Ns.Blue);
        }
        foreach (var (ns, veth, address) in new[] { (Ns.Red, Ns.RedVeth, Ns.RedAddress), (Ns.Blue, Ns.BlueVeth, Ns.BlueAddress) })
        {
            await Command.RunCheckedAsync("ip", "-n", ns, "-4", "address", "flush", "dev", veth);
            await Command.RunCheckedAsync("ip", "-n", ns, "address", "add", address, "dev", veth);
            await Command.RunCheckedAsync("ip", "-n", ns, "link", "set", veth, "mtu", "1500", "up");
            await Command.RunCheckedAsync("ip", "-n", ns, "link", "set", "lo", "up");
        }
        await WaitForHealthyAsync();
    }

    private Task WaitForHealthyAsync() => WaitForAsync("the pair healthy", async http =>
    {
        var findings = await FixtureFindingsAsync(http);
        if (findings.Any(f => !Lingering.Contains(f.Rule))) return false;
        using var topology = JsonDocument.Parse(await http.GetStringAsync("api/topology"));
        return topology.RootElement.GetProperty("namespaces").EnumerateArray()
            .Where(n => n.TryGetProperty("name", out var name) && name.GetString() is { } text && (text == Ns.Red || text == Ns.Blue))
            .SelectMany(n => n.GetProperty("interfaces").EnumerateArray())
            .Count(i => i.GetProperty("kind").GetString() == "veth" && i.GetProperty("operState").GetString() == "UP"
                        && i.GetProperty("mtu").GetInt32() == 1500 && i.GetProperty("peer").ValueKind == JsonValueKind.Object) == 2;
    });

    private Task WaitForFindingAsync(string rule) => WaitForAsync($"a {rule} finding on the pair", async http =>
        (await FixtureFindingsAsync(http)).Any(f => f.Rule == rule));

    private async Task<List<(string Rule, string? Namespace)>> FixtureFindingsAsync(HttpClient http)
    {
        using var findings = JsonDocument.Parse(await http.GetStringAsync("api/findings"));
        return findings.RootElement.EnumerateArray()
            .Select(f => (Rule: f.GetProperty("rule").GetString()!, Namespace: f.TryGetProperty("namespaceName", out var name) ? name.GetString() : null))
            .Where(f => f.Namespace == Ns.Red || f.Namespace == Ns.Blue)
            .ToList();
    }

    private async Task WaitForAsync(string what, Func<HttpClient, Task<bool>> condition)
    {
        using var http = Api();
        var deadline = Stopwatch.StartNew();
        while (!await condition(http))
        {
            if (deadline.Elapsed > Live)
                throw new TimeoutException($"The server did not show {what} within {Live.TotalSeconds} s.\nFindings: {await http.GetStringAsync("api/findings")}");
            await Task.Delay(150);
        }
    }

    /// <summary>POST /api/snapshots; the new id.</summary>
    private async Task<string> TakeAsync(string label)
    {
        using var http = Api();
        using var response = await http.PostAsJsonAsync("api/snapshots", new { label, by = "e2e" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /api/snapshots answered {(int)response.StatusCode}: {body}");
        using var created = JsonDocument.Parse(body);
        return created.RootElement.GetProperty("id").GetString()!;
    }

    private HttpClient Api()
    {
        var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Server.Token);
        return http;
    }

    // ---- the page ----

    private static ILocator Row(IPage page, string label) => page.Locator($"[data-testid='snapshot-row'][data-label='{label}']");

    private static ILocator Shape(IPage page, string ns) => page.Locator($"[data-testid='diagram-ns'][data-ns-name='{ns}']");

    /// <summary>The seed pair's edge, whichever end the diagram names first.</summary>
    private ILocator PairEdge(IPage page) =>
        page.Locator($"[data-testid='diagram-edge'][data-kind='veth'][data-a-if='{Ns.RedVeth}'], [data-testid='diagram-edge'][data-kind='veth'][data-b-if='{Ns.RedVeth}']");

    private static ILocator Change(ILocator changes, string kind, string place) =>
        changes.Locator($"[data-testid='change'][data-kind='{kind}'][data-place='{place}']");

    /// <summary>The interface's row in the change list names <paramref name="field"/>, with what it was and what it became (in part).</summary>
    private static async Task ExpectField(ILocator changes, string ns, string iface, string field, string? from = null, string? to = null)
    {
        var row = Change(changes, "interface-changed", $"{ns}/{iface}");
        await Expect(row).ToHaveCountAsync(1);
        var value = row.Locator($"[data-testid='change-field'][data-field='{field}']");
        await Expect(value).ToHaveCountAsync(1);
        if (from is not null) await Expect(value).ToHaveAttributeAsync("data-from", new Regex(Regex.Escape(from)));
        if (to is not null) await Expect(value).ToHaveAttributeAsync("data-to", new Regex(Regex.Escape(to)));
    }

    /// <summary>A new finding of <paramref name="rule"/> whose place contains <paramref name="place"/>.</summary>
    private static async Task ExpectFinding(ILocator changes, string rule, string place)
    {
        var rows = changes.Locator($"[data-testid='change'][data-kind='finding-new'][data-rule='{rule}']");
        await Expect(rows.First).ToBeVisibleAsync();
        var places = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.getAttribute('data-place'))");
        Assert.True(places.Any(p => p.Contains(place, StringComparison.Ordinal)), $"No new {rule} finding at {place}; at: {string.Join(", ", places)}");
    }

    private static async Task ExpectInViewAsync(IPage page, ILocator shape)
    {
        var pane = await page.GetByTestId("diagram").BoundingBoxAsync();
        var box = await shape.BoundingBoxAsync();
        Assert.NotNull(pane);
        Assert.NotNull(box);
        Assert.True(box.X >= pane.X - 1 && box.Y >= pane.Y - 1 && box.X + box.Width <= pane.X + pane.Width + 1 && box.Y + box.Height <= pane.Y + pane.Height + 1,
            $"The changed namespace is at {box.X},{box.Y} {box.Width}x{box.Height}, the diagram at {pane.X},{pane.Y} {pane.Width}x{pane.Height}.");
    }

    private static Task<string[]> ChangeRowsAsync(IPage page) =>
        page.GetByTestId("change").EvaluateAllAsync<string[]>("rows => rows.map(r => r.getAttribute('data-kind') + ' ' + r.getAttribute('data-place') + ' ' + r.innerText)");
}
