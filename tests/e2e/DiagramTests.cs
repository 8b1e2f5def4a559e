using System.Diagnostics;
using Dashboard.E2E.Tests.Infrastructure;
using Microsoft.Playwright;
using static Dashboard.E2E.Tests.Infrastructure.PageTools;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The topology diagram on real namespaces: the seed pair as an edge between two tiles, a
/// CNI-style bridge with its pods in a frame under the namespace that holds it; breaking the
/// pair with <c>ip</c> turns its edge red by push, fixing it turns it green, nothing else moves.
/// </summary>
public sealed class DiagramTests(DiagramTests.BridgeFixture fixture) : IClassFixture<DiagramTests.BridgeFixture>
{
    public const int Pods = 3;

    /// <summary>The e2e fixture plus a bridge with <see cref="Pods"/> pods.</summary>
    public sealed class BridgeFixture : IAsyncLifetime
    {
        public DashboardFixture Dashboard { get; } = new();

        public async Task InitializeAsync()
        {
            await Dashboard.InitializeAsync();
            await Dashboard.Namespaces.AddBridgeAsync(Pods);
        }

        public Task DisposeAsync() => Dashboard.DisposeAsync();
    }

    private static readonly LocatorAssertionsToBeVisibleOptions FirstLoad = new() { Timeout = 60_000 };

    /// <summary>Patience for a kernel change to reach the page; see LiveFindingsTests.Live.</summary>
    private const float Live = 30_000;

    [Fact]
    public async Task The_pair_edge_turns_red_when_broken_and_green_when_fixed_and_the_bridge_holds_its_pods()
    {
        var dashboard = fixture.Dashboard;
        var ns = dashboard.Namespaces;
        await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", "lo", "up");
        await Command.RunCheckedAsync("ip", "-n", ns.Blue, "link", "set", ns.BlueVeth, "up");

        await using var context = await dashboard.NewContextAsync();
        var page = await context.NewPageAsync();
        var browserErrors = CollectErrors(page);
        await RunWithDiagnosticsAsync(dashboard, page, "diagram", browserErrors, async () =>
        {
            await page.GotoAsync($"/?token={dashboard.Server.Token}");
            var diagram = page.GetByTestId("diagram");
            await Expect(diagram).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("connection")).ToHaveAttributeAsync("data-status", "connected", new() { Timeout = 10_000 });

            // The host is a box; the node namespace too (it holds a bridge with members).
            await Expect(diagram.Locator("[data-testid='diagram-ns'][data-shape='box']").First).ToBeVisibleAsync();
            var node = NamespaceShape(diagram, ns.Node);
            await Expect(node).ToHaveAttributeAsync("data-shape", "box", new() { Timeout = Live });
            await Expect(node.Locator($"[data-testid='diagram-interface'][data-interface='{ns.Bridge}']")).ToHaveCountAsync(1);
            // Its bridge's frame holds the pods, each joined to the bridge by its pair.
            var frame = diagram.Locator($"[data-testid='diagram-group'][data-key$='/{ns.Bridge}']");
            await Expect(frame).ToHaveAttributeAsync("data-members", Pods.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (var i = 1; i <= Pods; i++)
            {
                await Expect(NamespaceShape(diagram, ns.Pod(i))).ToHaveAttributeAsync("data-shape", "tile");
                await Expect(Edge(diagram, ns.Pod(i), "eth0")).ToHaveAttributeAsync("data-b-if", ns.HostVeth(i));
                await Expect(Edge(diagram, ns.Pod(i), "eth0")).ToHaveAttributeAsync("data-state", "ok");
            }

            // The seed pair: two tiles, one edge between their ends.
            var pair = diagram.Locator($"[data-testid='diagram-edge'][data-kind='veth'][data-a-ns='{ns.Blue}'][data-b-ns='{ns.Red}'], " +
                                       $"[data-testid='diagram-edge'][data-kind='veth'][data-a-ns='{ns.Red}'][data-b-ns='{ns.Blue}']");
            await Expect(pair).ToHaveCountAsync(1);
            await Expect(pair).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = Live });
            await Expect(NamespaceShape(diagram, ns.Red)).ToHaveAttributeAsync("data-state", "ok");
            await diagram.ScrollIntoViewIfNeededAsync();
            await SaveScreenshotAsync(page, "diagram-healthy.png", copyToDocs: false, fullPage: false);

            var before = await PositionsAsync(page);
            await page.EvaluateAsync("() => { window.__ndSamePage = true; }");

            var watch = Stopwatch.StartNew();
            await Command.RunCheckedAsync("ip", "-n", ns.Red, "link", "set", ns.RedVeth, "down");
            await Expect(pair).ToHaveAttributeAsync("data-state", "error", new() { Timeout = Live });
            var toRed = watch.Elapsed;
            await Expect(NamespaceShape(diagram, ns.Red)).ToHaveAttributeAsync("data-state", "error");
            // The failure-mode row says the same, and no other namespace moved.
            await Expect(page.Locator("[data-testid='failure-mode'][data-rule='interface-down']")).ToHaveAttributeAsync("data-level", "error");
            await AssertNothingMovedAsync(page, before, ns.Prefix);
            await SaveScreenshotAsync(page, "diagram-broken.png", copyToDocs: false, fullPage: false);

            watch.Restart();
            await Command.RunCheckedAsync("ip", "-n", ns.Red, "link", "set", ns.RedVeth, "up");
            await Expect(pair).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = Live });
            var toGreen = watch.Elapsed;
            await AssertNothingMovedAsync(page, before, ns.Prefix);
            Assert.True(await page.EvaluateAsync<bool>("() => window.__ndSamePage === true"), "The page reloaded.");

            // Click the pair: the details of its first end, at a URL of their own, with live counters.
            // The click goes to the edge itself (other tests' namespaces may be drawn near it meanwhile).
            await pair.Locator(".nd-edge-hit").DispatchEventAsync("click");
            var drawer = page.GetByTestId("drawer");
            await Expect(drawer).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var end = await pair.GetAttributeAsync("data-a-if");
            var endNs = await pair.GetAttributeAsync("data-a-ns");
            var peer = end == ns.RedVeth ? ns.BlueVeth : ns.RedVeth;
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/interfaces/{endNs}/{end}$"));
            await Expect(drawer.GetByTestId("drawer-title")).ToHaveTextAsync(end!);
            await Expect(drawer.GetByTestId("drawer-peer")).ToContainTextAsync(peer);
            await Expect(drawer.GetByTestId("drawer-command").First).ToContainTextAsync($"ip -n {endNs} link show {end}");
            await Expect(drawer.Locator("[data-testid='drawer-counter'][data-name='peer_ifindex']")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
            await SaveScreenshotAsync(page, "drawer.png", copyToDocs: false, fullPage: false);
            // Its peer link opens the other end.
            await drawer.GetByTestId("drawer-peer-link").ClickAsync();
            await Expect(drawer.GetByTestId("drawer-title")).ToHaveTextAsync(peer);
            await drawer.GetByTestId("drawer-close").ClickAsync();
            await Expect(drawer).ToHaveCountAsync(0);
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/$"));

            // A teammate's pasted link opens straight on the drawer.
            await page.GotoAsync($"/interfaces/{ns.Pod(1)}/eth0");
            await Expect(drawer.GetByTestId("drawer-title")).ToHaveTextAsync("eth0", new() { Timeout = 60_000 });
            await Expect(drawer.GetByTestId("drawer-master")).ToHaveCountAsync(0);
            await Expect(drawer.GetByTestId("drawer-peer")).ToContainTextAsync(ns.HostVeth(1));
            Assert.Empty(browserErrors);
            Console.WriteLine($"diagram: edge red after {toRed.TotalMilliseconds:F0} ms, green after {toGreen.TotalMilliseconds:F0} ms");
        });
    }

    private static ILocator NamespaceShape(ILocator diagram, string name) =>
        diagram.Locator($"[data-testid='diagram-ns'][data-ns-name='{name}']");

    private static ILocator Edge(ILocator diagram, string ns, string iface) =>
        diagram.Locator($"[data-testid='diagram-edge'][data-a-ns='{ns}'][data-a-if='{iface}']");

    /// <summary>The name prefixes of other tests' namespaces: this suite's fixtures and the server tests' (TestNet.SuitePrefix).</summary>
    private static readonly string[] OtherTestsPrefixes = [FixtureNamespaces.SweepPrefix, FixtureNamespaces.LabSweepPrefix, "ndt"];

    /// <summary>
    /// Every namespace of this test and of the machine drawn before and after is where it was. Other
    /// tests running meanwhile add, wire and delete namespaces of their own (a lone namespace that gets
    /// its peer a moment later joins a pair's row, by design): theirs are not compared. One move is by
    /// design: the row of hub boxes is as tall as the tallest box seen, so when another test's taller
    /// hub appears every frame under the row moves down by exactly that growth, and nothing else.
    /// </summary>
    private static async Task AssertNothingMovedAsync(IPage page, string before, string ownPrefix)
    {
        var after = await PositionsAsync(page);
        static Dictionary<string, string> Parse(string lines) => lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('@', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => string.Join(";", g.Select(p => p[1]).Order()));
        bool Compared(string name) => name.StartsWith(ownPrefix, StringComparison.Ordinal)
            || !OtherTestsPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
        var was = Parse(before);
        var now = Parse(after);
        var grown = BoxRow(now) - BoxRow(was);
        var moved = was.Keys.Where(now.ContainsKey).Where(k => k != BoxRowKey && Compared(k))
            .Where(k => was[k] != now[k] && !(grown > 0 && Shifted(was[k], grown) == now[k]))
            .Select(k => $"{k}: {was[k]} -> {now[k]}").ToList();
        Assert.True(moved.Count == 0, $"Something moved:\n{string.Join("\n", moved)}\n\nBefore:\n{before}\n\nAfter:\n{after}");
    }

    private const string BoxRowKey = "~box-row";

    private static double BoxRow(Dictionary<string, string> positions) =>
        positions.TryGetValue(BoxRowKey, out var h) ? double.Parse(h, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>A tile's <c>translate(x y)</c> moved down by <paramref name="dy"/>.</summary>
    private static string? Shifted(string position, double dy)
    {
        var m = System.Text.RegularExpressions.Regex.Match(position, @"^translate\(([-\d.]+) ([-\d.]+)\)$");
        if (!m.Success) return null;
        var y = double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + dy;
        return $"translate({m.Groups[1].Value} {y.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)})";
    }

    /// <summary>Where every namespace is drawn, by name (transform of tiles, rect of boxes), and the height of the row of boxes.</summary>
    private static async Task<string> PositionsAsync(IPage page) => await page.EvaluateAsync<string>("""
        () => [...document.querySelectorAll("[data-testid='diagram-ns']")]
            .map(e => e.dataset.nsName + "@" + (e.getAttribute("transform") ?? e.querySelector("rect").getAttribute("x") + "," + e.querySelector("rect").getAttribute("y")))
            .concat(["~box-row@" + (document.querySelector("[data-testid='diagram-ns'][data-shape='box'] rect")?.getAttribute("height") ?? "0")])
            .sort().join("\n")
        """);
}
