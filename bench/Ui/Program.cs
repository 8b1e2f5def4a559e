// The page, measured in headless Chromium (Debian's /usr/bin/chromium, launched as the e2e tests
// launch it) against a running server and a CNI-style fixture of pod namespaces. Run by bench/ui.sh;
// usable on its own:
//
//   NDB_TOKEN=... dotnet bench/Ui/bin/Release/net10.0/Dashboard.Bench.Ui.dll \
//       --url http://127.0.0.1:5080 --prefix ndb-abc123-pod [--loads 5] [--rounds 20] [--out ui.md]
//
// 1. First paint, cold: a new browser context (empty cache, no cookie) per load; time from just
//    before page.GotoAsync(URL/?token=...) (the link the server prints) until the diagram has drawn
//    the topology ([data-testid=diagram][data-ready=true], visible) AND the failure-mode panel
//    shows its rows with the findings read; "paint" is the end of the next frame after that DOM
//    change. Plus what the first load transferred and with which content-encoding.
// 2. Kernel -> screen: one page open and connected; each round takes another pod, runs
//    `ip -n POD link set eth0 down` (a process, no shell) and times until the pod's red tile is in
//    the diagram and its finding in the interface-down row; then `up`, until both are gone.
// 3. Stalls: gaps between requestAnimationFrame callbacks, long tasks and long animation frames,
//    during the first loads and during the rounds, reported apart.
//
// How times are taken: an in-page probe (probe.js, added before the page's own scripts) records DOM
// conditions from a MutationObserver callback (it runs right after each batch of DOM changes), so
// the figures do not depend on how often this program polls. Page times (performance.timeOrigin +
// performance.now()) are converted to this process's clock with an offset measured before each
// load and round (the evaluate round trip with the smallest delay; the offset and that delay are
// reported).
//
// Exit status: 0 all seen; 2 fatal (no browser, the page never became ready, a pod's state could not
// be restored); 3 a change was not seen on the page within --timeout in some round.
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

var inv = CultureInfo.InvariantCulture;
if (args is ["--summarize-trace", var tracePath, ..])
{
    // Only summarise a trace recorded earlier (--trace-dir).
    Console.Write(TraceSummary.Summarize(tracePath, Path.GetFileName(tracePath)));
    return 0;
}
var opt = Options.Parse(args);
if (opt is null) return 2;

var podName = new Regex("^" + Regex.Escape(opt.Prefix) + "([0-9]+)$");
var pods = Directory.EnumerateFiles("/run/netns")
    .Select(Path.GetFileName)
    .Select(n => (Name: n!, M: podName.Match(n!)))
    .Where(p => p.M.Success)
    .OrderBy(p => int.Parse(p.M.Groups[1].Value, inv))
    .Select(p => p.Name)
    .ToList();
if (pods.Count == 0) return Fatal($"no namespace /run/netns/{opt.Prefix}<n>: is the fixture there?");

string probe;
using (var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("probe.js")!)
using (var reader = new StreamReader(stream))
    probe = await reader.ReadToEndAsync();

Log($"{pods.Count} pods named {opt.Prefix}<n>; {opt.LoadWarmup}+{opt.Loads} cold loads, {opt.Warmup}+{opt.Rounds} kernel rounds; chromium {opt.Chromium}");
using var playwright = await Playwright.CreateAsync();
IBrowser browser;
try
{
    browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = opt.Chromium,
        Headless = true,
        // As tests/e2e/DashboardFixture.cs launches it.
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
}
catch (PlaywrightException e)
{
    return Fatal($"cannot launch {opt.Chromium}: {e.Message}");
}
await using var _ = browser;
Log($"browser {browser.Version}");
var link = $"{opt.Url}/?token={Uri.EscapeDataString(opt.Token)}{(opt.Query is { Length: > 0 } q ? "&" + q : "")}";
var errors = new List<string>();

// ---------------------------------------------------------------------------------------------
// 1. First paint, cold
// ---------------------------------------------------------------------------------------------
var loads = new List<LoadResult>();
for (int i = -opt.LoadWarmup; i < opt.Loads; i++)
{
    var label = i < 0 ? $"warm-up load {i + opt.LoadWarmup + 1}/{opt.LoadWarmup}" : $"load {i + 1}/{opt.Loads}";
    var load = await ColdLoadAsync(label, detail: i == 0, traceFile: null);
    if (load is null) return 2;
    load.Counted = i >= 0;
    loads.Add(load);
    Log($"{label}: diagram + panel in the DOM {load.DomMs:F0} ms, painted {load.PaintMs:F0} ms (HTML {load.HtmlMs:F0}, last .wasm {load.LastWasmMs:F0}, "
        + $"GET /api/topology done {load.TopologyMs:F0}, connected {load.ConnectedMs:F0}); max frame gap {load.Stats.MaxGap:F0} ms, "
        + $"max long task {load.Stats.MaxLongTask:F0} ms; {load.Transfer / 1024.0:F0} KB transferred");
    await Task.Delay(500); // the closed context's processes go
}
string? loadTrace = null;
if (opt.TraceDir is not null)
{
    Directory.CreateDirectory(opt.TraceDir);
    loadTrace = Path.Combine(opt.TraceDir, "trace-first-load.json");
    var traced = await ColdLoadAsync("traced load (not counted)", detail: false, traceFile: loadTrace);
    if (traced is null) return 2;
    Log($"traced load: painted {traced.PaintMs:F0} ms (tracing slows it); trace in {loadTrace}");
}

// ---------------------------------------------------------------------------------------------
// 2 + 3. Kernel -> screen, one page; stalls during the rounds
// ---------------------------------------------------------------------------------------------
await using var context = await NewContextAsync();
var page = await context.NewPageAsync();
WatchErrors(page, "updates page");
await page.GotoAsync(link, new PageGotoOptions { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
if (await WaitAsync(page, ["ready", "connected"], TimeSpan.FromSeconds(60)) is not { } opened || opened.Any(r => r is null))
    return Fatal("the page did not show the diagram and the failure-mode panel, connected, within 60 s");
if (opt.Shots is not null)
{
    Directory.CreateDirectory(opt.Shots);
    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(opt.Shots, "ui-loaded.png") });
}
Log($"page open and connected; settling {opt.SettleSeconds} s");
await Task.Delay(TimeSpan.FromSeconds(opt.SettleSeconds));

var rng = new Random(opt.Seed);
var order = new Queue<string>();
var rounds = new List<RoundResult>();
int misses = 0;
double updatesFrom = 0, updatesTo = 0;
double offsetNow = 0;
for (int round = -opt.Warmup; round < opt.Rounds; round++)
{
    var counted = round >= 0;
    var label = counted ? $"round {round + 1}/{opt.Rounds}" : $"warm-up round {round + opt.Warmup + 1}/{opt.Warmup}";
    var r = await KernelRoundAsync(label);
    if (r is null) return 2;
    r.Counted = counted;
    rounds.Add(r);
    offsetNow = r.ClockOffset;
    if (counted && updatesFrom == 0) updatesFrom = r.T0;
    if (counted) updatesTo = r.End;
    if (counted && (r.TileDom is null || r.FindingDom is null)) misses++;
    if (opt.Verbose || !counted || r.TileDom is null || r.FindingDom is null)
        Log($"{label} {r.Pod}: tile {F(r.TileDom)}/{F(r.TilePaint)} ms, finding {F(r.FindingDom)}/{F(r.FindingPaint)} ms (DOM/painted); "
            + $"pushes: findings {F(r.FindingsPush)} ms ({r.FindingsBytes} B), topology {F(r.TopologyPush)} ms ({r.TopologyBytes} B); "
            + $"gone {F(r.TileGone)}/{F(r.FindingGone)} ms; max frame gap {r.Stats.MaxGap:F0} ms, max long task {r.Stats.MaxLongTask:F0} ms");
    await Task.Delay(rng.Next(300, 800));
}
var updateStats = await StatsAsync(page, updatesFrom + offsetNow, updatesTo + offsetNow);
var wsAll = Invocations(await WsFromAsync(page, 0));

string? updatesTrace = null;
if (opt.TraceDir is not null)
{
    updatesTrace = Path.Combine(opt.TraceDir, "trace-updates.json");
    var trace = await CdpTrace.StartAsync(context, page);
    for (int i = 0; i < 3; i++)
    {
        var r = await KernelRoundAsync($"traced round {i + 1}/3");
        if (r is null) return 2;
        Log($"traced round {i + 1}/3 {r.Pod}: tile painted {F(r.TilePaint)} ms, finding painted {F(r.FindingPaint)} ms, findings push {F(r.FindingsPush)} ms, topology push {F(r.TopologyPush)} ms");
        await Task.Delay(500);
    }
    await trace.StopAsync(updatesTrace);
    Log($"trace of 3 rounds in {updatesTrace}");
}
await context.CloseAsync();

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------
var md = new StringBuilder();
var countedLoads = loads.Where(l => l.Counted).ToList();
var countedRounds = rounds.Where(r => r.Counted).ToList();
var first = countedLoads.First();
md.AppendLine(inv, $"**First paint, cold** — {countedLoads.Count} loads, each in a new browser context (empty cache, no cookie), 1440×900, after {opt.LoadWarmup} uncounted load(s); from just before `page.GotoAsync(\"/?token=…\")` to the diagram drawn (`[data-testid=diagram][data-ready=true]`, visible) and the failure-mode panel showing its rows with the findings read (*DOM*), and to the end of the next frame (*painted*):");
md.AppendLine();
md.AppendLine("| load | DOM (ms) | painted (ms) | HTML done | last .wasm done | GET /api/topology sent | … done | connected | max frame gap (ms) | max long task (ms) | long tasks > 200 ms | transferred (KB) |");
md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var (l, i) in loads.Select((l, i) => (l, i)))
    md.AppendLine(inv, $"| {(l.Counted ? (i - opt.LoadWarmup + 1).ToString(inv) : "warm-up")} | {l.DomMs:F0} | {l.PaintMs:F0} | {l.HtmlMs:F0} | {l.LastWasmMs:F0} | {l.TopologySentMs:F0} | {l.TopologyMs:F0} | {l.ConnectedMs:F0} | {l.Stats.MaxGap:F0} | {l.Stats.MaxLongTask:F0} | {l.Stats.LongTasksOver200} | {l.Transfer / 1024.0:F0} |");
var paintList = countedLoads.Select(l => l.PaintMs).ToList();
var domList = countedLoads.Select(l => l.DomMs).ToList();
string Med(Func<LoadResult, double> f) => Median(countedLoads.Select(f).ToList()).ToString("F0", inv);
md.AppendLine(inv, $"| **median** | **{Median(domList):F0}** | **{Median(paintList):F0}** | {Med(l => l.HtmlMs)} | {Med(l => l.LastWasmMs)} | {Med(l => l.TopologySentMs)} | {Med(l => l.TopologyMs)} | {Med(l => l.ConnectedMs)} | | | | |");
md.AppendLine(inv, $"| **max** | **{domList.Max():F0}** | **{paintList.Max():F0}** | | | | | | {countedLoads.Max(l => l.Stats.MaxGap):F0} | {countedLoads.Max(l => l.Stats.MaxLongTask):F0} | {countedLoads.Sum(l => l.Stats.LongTasksOver200)} | |");
md.AppendLine();
md.AppendLine(inv, $"Where the median load's time goes: {Med(l => l.LastWasmMs)} ms until the last .wasm arrived; {Median(countedLoads.Select(l => l.TopologySentMs - l.LastWasmMs).ToList()):F0} ms more until the app asked for the topology (runtime and app start); {Median(countedLoads.Select(l => l.TopologyMs - l.TopologySentMs).ToList()):F0} ms for that answer; {Median(countedLoads.Select(l => l.DomMs - l.TopologyMs).ToList()):F0} ms from the answer to the diagram and panel in the DOM (deserialising, the findings read, the first render); {Median(countedLoads.Select(l => l.PaintMs - l.DomMs).ToList()):F0} ms to paint it.");
md.AppendLine();
md.AppendLine(inv, $"First load's transfer (load 1, resource timing up to {opt.TransferWindowSeconds:F0} s after connected): {first.Count} responses, {first.Transfer / 1024.0:F0} KB on the wire (bodies {first.Encoded / 1024.0:F0} KB encoded, {first.Decoded / 1024.0:F0} KB decoded). By kind: {first.Kinds}.");
md.AppendLine(inv, $"Content-Encoding of the `_framework` .wasm/.js responses: {first.Encodings}. The browser sent `Accept-Encoding: {first.AcceptEncoding}`. GET /api/topology: {first.TopologyBytes / 1024.0:F0} KB on the wire ({first.TopologyDecoded / 1024.0:F0} KB JSON), content-encoding `{(first.TopologyEncoding is { Length: > 0 } te ? te : "none")}`; it was requested {first.TopologyRequests}× during the load.");
md.AppendLine();

md.AppendLine(inv, $"**Kernel → screen** — {countedRounds.Count} rounds (after {opt.Warmup} warm-up), a different pod each, on one page open and connected; from just before `ip -n POD link set eth0 down` starts (t0) to the DOM change (seen by a MutationObserver in the page) and to the end of the next frame (*painted*); then `up` until both are gone:");
md.AppendLine();
md.AppendLine("| from t0 to | n | missed | p50 (ms) | p95 (ms) | max (ms) |");
md.AppendLine("|---|---:|---:|---:|---:|---:|");
void Row(string name, Func<RoundResult, double?> pick)
{
    var list = countedRounds.Select(pick).Where(v => v is not null).Select(v => v!.Value).Order().ToList();
    md.AppendLine(inv, $"| {name} | {list.Count} | {countedRounds.Count - list.Count} | {P(list, 0.5)} | {P(list, 0.95)} | {(list.Count == 0 ? "n/a" : list[^1].ToString("F0", inv))} |");
}
Row("red tile of the pod in the diagram, DOM", r => r.TileDom);
Row("red tile of the pod in the diagram, **painted**", r => r.TilePaint);
Row("its finding in the interface-down row, DOM", r => r.FindingDom);
Row("its finding in the interface-down row, **painted**", r => r.FindingPaint);
Row("both painted (the later)", r => r.TilePaint is { } a && r.FindingPaint is { } b ? Math.Max(a, b) : null);
Row("`ip link set down` exits", r => r.IpMs);
Row("hub FindingsChanged in the page (WebSocket message)", r => r.FindingsPush);
Row("hub TopologyChanged in the page (WebSocket message)", r => r.TopologyPush);
Row("client: FindingsChanged message → finding painted", r => r.FindingPaint is { } p && r.FindingsPush is { } m && p >= m ? p - m : null);
Row("after `ip … up`: tile back to healthy (DOM)", r => r.TileGone);
Row("after `ip … up`: finding gone (DOM)", r => r.FindingGone);
md.AppendLine();
var topoSizes = wsAll.Where(w => w.Target == "TopologyChanged").Select(w => w.Bytes).ToList();
var findSizes = wsAll.Where(w => w.Target == "FindingsChanged").Select(w => w.Bytes).ToList();
md.AppendLine(inv, $"Pushes per round (from t0 until the page showed the pod healthy again): {countedRounds.Select(r => (double)r.TopologyPushes).DefaultIfEmpty(0).Average():F1} TopologyChanged and {countedRounds.Select(r => (double)r.FindingsPushes).DefaultIfEmpty(0).Average():F1} FindingsChanged on average (a round is two kernel changes: down and up).");
md.AppendLine(inv, $"Pushes received by the page over the whole run: {topoSizes.Count} TopologyChanged ({(topoSizes.Count == 0 ? "n/a" : $"{topoSizes.Average() / 1024:F0} KB on average, largest {topoSizes.Max() / 1024.0:F0} KB")}, in {(wsAll.Where(w => w.Target == "TopologyChanged").Select(w => w.Chunks).DefaultIfEmpty(0).Max())} WebSocket message(s) at most), {findSizes.Count} FindingsChanged ({(findSizes.Count == 0 ? "n/a" : $"{findSizes.Average():F0} B on average")}). Clock offset page − bench {offsetNow:F1} ms (round trip of the calibration ≤ {countedRounds.Select(r => r.ClockRtt).DefaultIfEmpty(0).Max():F1} ms).");
md.AppendLine();

md.AppendLine("**Stalls** — gaps between requestAnimationFrame callbacks (a frame the page could not produce), long tasks (> 50 ms, PerformanceObserver `longtask`) and long animation frames (`long-animation-frame`):");
md.AppendLine();
md.AppendLine("| phase | frames | max frame gap (ms) | gaps > 100 ms | gaps > 200 ms | long tasks | max long task (ms) | long tasks > 200 ms | long-task time (ms) | max long animation frame (ms) |");
md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
var ls = countedLoads.Select(l => l.Stats).ToList();
md.AppendLine(inv, $"| first load (each of {ls.Count} loads, to painted; worst / total) | {ls.Sum(s => s.Frames)} | {ls.Max(s => s.MaxGap):F0} | {ls.Sum(s => s.GapsOver100)} | {ls.Sum(s => s.GapsOver200)} | {ls.Sum(s => s.LongTasks)} | {ls.Max(s => s.MaxLongTask):F0} | {ls.Sum(s => s.LongTasksOver200)} | {ls.Sum(s => s.LongTaskMs):F0} | {ls.Max(s => s.MaxLoaf):F0} |");
md.AppendLine(inv, $"| updates ({countedRounds.Count} rounds, {(updatesTo - updatesFrom) / 1000:F0} s) | {updateStats.Frames} | {updateStats.MaxGap:F0} | {updateStats.GapsOver100} | {updateStats.GapsOver200} | {updateStats.LongTasks} | {updateStats.MaxLongTask:F0} | {updateStats.LongTasksOver200} | {updateStats.LongTaskMs:F0} | {updateStats.MaxLoaf:F0} |");
md.AppendLine();
if (updateStats.WorstLoafScript is { Length: > 0 } worst)
    md.AppendLine(inv, $"Longest animation frame during the updates: its longest script was `{worst}`.");
var perRound = countedRounds.Select(r => r.Stats.MaxGap).Order().ToList();
md.AppendLine(inv, $"Per round, the longest frame gap: p50 {P(perRound, 0.5)} ms, max {(perRound.Count == 0 ? "n/a" : perRound[^1].ToString("F0", inv))} ms; long tasks per round: {countedRounds.Select(r => r.Stats.LongTasks).DefaultIfEmpty(0).Average():F1} on average, {countedRounds.Select(r => r.Stats.LongTaskMs).DefaultIfEmpty(0).Average():F0} ms of them.");
md.AppendLine();

// Verdicts against the issue's targets.
var verdicts = new List<string>();
bool strictFail = false;
void Verdict(string name, double? value, double target, string unit = "ms")
{
    bool ok = value is not null && value <= target;
    strictFail |= !ok;
    verdicts.Add($"- **{(ok ? "PASS" : "FAIL")}** {name}: {(value is null ? "not measured" : value.Value.ToString("F0", inv) + " " + unit)} {(ok ? "≤" : ">")} {target.ToString(inv)} {unit}");
}
Verdict($"first paint, cold, the slowest of {countedLoads.Count} loads (painted)", paintList.Max(), opt.TargetFirstPaintMs);
var bothPaint = countedRounds.Select(r => r.TilePaint is { } a && r.FindingPaint is { } b ? Math.Max(a, b) : (double?)null).ToList();
if (bothPaint.Any(v => v is null))
{
    strictFail = true;
    verdicts.Add($"- **FAIL** kernel change → red tile and finding painted: not painted within {opt.TimeoutSeconds} s in {bothPaint.Count(v => v is null)} of {countedRounds.Count} rounds (> {opt.TargetUpdateMs.ToString(inv)} ms)");
}
else
{
    Verdict($"kernel change → red tile and finding painted, the slowest of {countedRounds.Count} rounds", bothPaint.Max(), opt.TargetUpdateMs);
}
Verdict("frames over 200 ms during the updates", updateStats.GapsOver200, 0, "frames");
verdicts.Add($"- **INFO** long tasks over 200 ms during the updates: {updateStats.LongTasksOver200} (longest {updateStats.MaxLongTask:F0} ms); during the first loads (reported apart): {ls.Sum(s => s.LongTasksOver200)}, longest {ls.Max(s => s.MaxLongTask):F0} ms");
if (errors.Count > 0)
    verdicts.Add($"- **NOTE** the browser reported {errors.Count} error(s){(opt.Out is null ? "" : " (all in " + Path.GetFileName(Path.ChangeExtension(opt.Out, ".errors.txt")) + ")")}; the first: `{errors[0].Split('\n')[0].Trim()}` … `{errors[0].Split('\n').Skip(1).FirstOrDefault(l => l.TrimStart().StartsWith("at Dashboard", StringComparison.Ordinal))?.Trim()}`");
foreach (var v in verdicts) md.AppendLine(v);

if (loadTrace is not null || updatesTrace is not null)
{
    md.AppendLine();
    md.AppendLine("**Where the main thread's time goes** (Chromium trace, `--trace-dir`; a separate traced load and 3 traced rounds, not counted above):");
    md.AppendLine();
    if (loadTrace is not null) md.Append(TraceSummary.Summarize(loadTrace, "traced cold load"));
    if (updatesTrace is not null) md.Append(TraceSummary.Summarize(updatesTrace, "3 traced kernel rounds"));
}

Console.WriteLine();
Console.WriteLine(md.ToString());
if (opt.Out is not null) await File.WriteAllTextAsync(opt.Out, md.ToString());
if (opt.Out is not null && errors.Count > 0) await File.WriteAllLinesAsync(Path.ChangeExtension(opt.Out, ".errors.txt"), errors);
if (opt.RoundsOut is not null)
{
    var tsv = new StringBuilder("round\tcounted\tpod\tip_ms\tfindings_push_ms\tfindings_bytes\ttopology_push_ms\ttopology_bytes\ttile_dom_ms\ttile_paint_ms\tfinding_dom_ms\tfinding_paint_ms\ttile_gone_ms\tfinding_gone_ms\ttopology_pushes\tfindings_pushes\tmax_frame_gap_ms\tlong_tasks\tmax_long_task_ms\tclock_offset_ms\tclock_rtt_ms\n");
    foreach (var (r, i) in rounds.Select((r, i) => (r, i)))
        tsv.Append(inv, $"{i - opt.Warmup + 1}\t{(r.Counted ? 1 : 0)}\t{r.Pod}\t{F(r.IpMs)}\t{F(r.FindingsPush)}\t{r.FindingsBytes}\t{F(r.TopologyPush)}\t{r.TopologyBytes}\t{F(r.TileDom)}\t{F(r.TilePaint)}\t{F(r.FindingDom)}\t{F(r.FindingPaint)}\t{F(r.TileGone)}\t{F(r.FindingGone)}\t{r.TopologyPushes}\t{r.FindingsPushes}\t{r.Stats.MaxGap:F1}\t{r.Stats.LongTasks}\t{r.Stats.MaxLongTask:F1}\t{r.ClockOffset:F2}\t{r.ClockRtt:F2}\n");
    await File.WriteAllTextAsync(opt.RoundsOut, tsv.ToString());
}
if (misses > 0)
{
    Log($"FAIL: the change was not seen on the page within {opt.TimeoutSeconds} s in {misses} round(s)");
    return 3;
}
return opt.Strict && strictFail ? 3 : 0;

// =============================================================================================
async Task<IBrowserContext> NewContextAsync()
{
    var c = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
    await c.AddInitScriptAsync(probe);
    return c;
}

void WatchErrors(IPage p, string where)
{
    p.Console += (_, m) =>
    {
        if (m.Type == "error") lock (errors) errors.Add($"{where}: console: {m.Text}");
        if (opt.ConsoleOut is not null) lock (errors) File.AppendAllText(opt.ConsoleOut, $"{Now():F1}\t{where}\t{m.Type}\t{m.Text}\n");
    };
    p.PageError += (_, e) => { lock (errors) errors.Add($"{where}: page error: {e}"); };
    p.RequestFailed += (_, r) =>
    {
        // Closing a context cancels what is still loading; only failures while it is open count.
        if (!p.IsClosed) lock (errors) errors.Add($"{where}: failed: {r.Method} {r.Url} {r.Failure}");
    };
}

async Task<LoadResult?> ColdLoadAsync(string label, bool detail, string? traceFile)
{
    await using var c = await NewContextAsync();
    var p = await c.NewPageAsync();
    WatchErrors(p, label);
    var responses = new List<IResponse>();
    p.Response += (_, r) => { lock (responses) responses.Add(r); };
    var trace = traceFile is null ? null : await CdpTrace.StartAsync(c, p);

    var (offset, _) = await CalibrateAsync(p); // about:blank: the same clock the next document will use
    var t0 = Now();
    try
    {
        await p.GotoAsync(link, new PageGotoOptions { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
    }
    catch (PlaywrightException e)
    {
        Fatal($"{label}: opening {opt.Url}/?token=… failed: {e.Message}");
        return null;
    }
    var done = await WaitAsync(p, ["ready"], TimeSpan.FromSeconds(60), needPaint: true);
    if (done is null || done[0] is null)
    {
        if (opt.Shots is not null) await p.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(opt.Shots, "ui-load-failed.png") });
        Fatal($"{label}: the diagram and the failure-mode panel did not show within 60 s (browser errors: {string.Join("; ", errors.Take(3))})");
        return null;
    }
    // What the probe saw in the DOM must be what a person sees: both boxes laid out and visible.
    foreach (var sel in new[] { "[data-testid=diagram][data-ready=true]", "[data-testid=failure-modes]" })
        if (!await p.Locator(sel).IsVisibleAsync())
        {
            Fatal($"{label}: {sel} is in the DOM but not visible");
            return null;
        }
    var connected = await WaitAsync(p, ["connected"], TimeSpan.FromSeconds(30));
    if (trace is not null) await trace.StopAsync(traceFile!);
    (offset, var rtt) = await CalibrateAsync(p);
    var ready = done[0]!.Value;
    var result = new LoadResult
    {
        DomMs = ready.Dom - offset - t0,
        PaintMs = ready.Paint - offset - t0,
        ConnectedMs = connected?[0] is { } cn ? cn.Dom - offset - t0 : double.NaN,
        ClockRtt = rtt,
    };
    result.Stats = await StatsAsync(p, t0 + offset, ready.Paint);
    // Let what the page asks for once connected (the second read, the hub) finish before counting bytes.
    await Task.Delay(TimeSpan.FromSeconds(opt.TransferWindowSeconds));
    var info = await EvalJsonAsync(p, "() => JSON.stringify(__ub.loadInfo())", null);
    double At(string name) => info.GetProperty(name).GetDouble() is var v && v > 0 ? v - offset - t0 : double.NaN;
    result.HtmlMs = At("htmlEnd");
    result.LastWasmMs = At("lastWasmEnd");
    result.TopologyMs = At("topologyEnd");
    result.TopologySentMs = At("topologyStart");
    result.Count = info.GetProperty("count").GetInt32();
    result.Transfer = info.GetProperty("transfer").GetDouble();
    result.Encoded = info.GetProperty("encoded").GetDouble();
    result.Decoded = info.GetProperty("decoded").GetDouble();
    result.TopologyBytes = info.GetProperty("topologyBytes").GetDouble();
    result.TopologyDecoded = info.GetProperty("topologyDecoded").GetDouble();
    result.TopologyRequests = info.GetProperty("topologyRequests").GetInt32();
    result.Kinds = string.Join(", ", info.GetProperty("kinds").EnumerateObject()
        .OrderByDescending(k => k.Value.GetProperty("transfer").GetDouble())
        .Select(k => string.Create(inv, $"{k.Name} {k.Value.GetProperty("n").GetInt32()}× {k.Value.GetProperty("transfer").GetDouble() / 1024:F0} KB")));
    if (detail)
    {
        List<IResponse> snapshot;
        lock (responses) snapshot = [.. responses];
        var framework = snapshot.Where(r => Regex.IsMatch(new Uri(r.Url).AbsolutePath, @"^/_framework/.*\.(wasm|js)$")).ToList();
        var encodings = new Dictionary<string, int>();
        foreach (var r in framework)
        {
            var headers = await r.AllHeadersAsync();
            var enc = headers.TryGetValue("content-encoding", out var e) && e.Length > 0 ? e : "none";
            encodings[enc] = encodings.GetValueOrDefault(enc) + 1;
        }
        result.Encodings = encodings.Count == 0 ? "none seen" : string.Join(", ", encodings.OrderByDescending(e => e.Value).Select(e => $"`{e.Key}` ×{e.Value}"));
        var wasm = framework.FirstOrDefault(r => r.Url.EndsWith(".wasm", StringComparison.Ordinal));
        if (wasm is not null)
        {
            var h = await wasm.Request.AllHeadersAsync();
            result.AcceptEncoding = h.TryGetValue("accept-encoding", out var ae) ? ae : "(none)";
        }
        var topo = snapshot.FirstOrDefault(r => new Uri(r.Url).AbsolutePath == "/api/topology");
        if (topo is not null)
        {
            var h = await topo.AllHeadersAsync();
            result.TopologyEncoding = h.TryGetValue("content-encoding", out var te) ? te : "";
        }
    }
    return result;
}

async Task<RoundResult?> KernelRoundAsync(string label)
{
    if (order.Count == 0)
        foreach (var pod in pods.OrderBy(_ => rng.Next())) order.Enqueue(pod);
    var podName = order.Dequeue();
    var r = new RoundResult { Pod = podName };
    var already = await p0().EvaluateAsync<string[]>("l => __ub.watch(l)", new object[]
    {
        new object[] { "tile-down", "tileDown", podName },
        new object[] { "finding-down", "findingDown", podName },
    });
    if (already.Length > 0)
    {
        Fatal($"{label}: {podName} shows as broken before its eth0 was set down ({string.Join(", ", already)}): an earlier run did not clean up?");
        return null;
    }
    var wsIndex = await p0().EvaluateAsync<int>("() => __ub.ws.length");
    (r.ClockOffset, r.ClockRtt) = await CalibrateAsync(p0());
    r.T0 = Now();
    var err = await Ip(podName, "down");
    r.IpMs = Now() - r.T0;
    if (err is not null)
    {
        Fatal($"`ip -n {podName} link set eth0 down` failed: {err}");
        return null;
    }
    var down = await WaitAsync(p0(), ["tile-down", "finding-down"], TimeSpan.FromSeconds(opt.TimeoutSeconds), needPaint: true);
    double? Rel(double? pageTime) => pageTime is { } t && t > 0 ? t - r.ClockOffset - r.T0 : null;
    r.TileDom = Rel(down?[0]?.Dom);
    r.TilePaint = Rel(down?[0]?.Paint);
    r.FindingDom = Rel(down?[1]?.Dom);
    r.FindingPaint = Rel(down?[1]?.Paint);
    if (opt.Shots is not null && rounds.Count == opt.Warmup)
        await p0().ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(opt.Shots, "ui-pod-down.png") });

    // The pushes of this round: the last complete one of each kind before the page showed the change.
    var msgs = Invocations(await WsFromAsync(p0(), wsIndex)).Where(m => m.Done >= r.T0 + r.ClockOffset).ToList();
    var findingAt = down?[1]?.Dom ?? double.MaxValue;
    var tileAt = down?[0]?.Dom ?? double.MaxValue;
    var f = msgs.LastOrDefault(m => m.Target == "FindingsChanged" && m.Done <= Math.Max(findingAt, tileAt)) ?? msgs.FirstOrDefault(m => m.Target == "FindingsChanged");
    var t = msgs.LastOrDefault(m => m.Target == "TopologyChanged" && m.Done <= Math.Max(findingAt, tileAt)) ?? msgs.FirstOrDefault(m => m.Target == "TopologyChanged");
    r.FindingsPush = Rel(f?.Done);
    r.FindingsBytes = f?.Bytes ?? 0;
    r.TopologyPush = Rel(t?.Done);
    r.TopologyBytes = t?.Bytes ?? 0;

    // Back up, and until the page shows it healthy again.
    await p0().EvaluateAsync<string[]>("l => __ub.watch(l)", new object[]
    {
        new object[] { "tile-gone", "tileGone", podName },
        new object[] { "finding-gone", "findingGone", podName },
    });
    var t1 = Now();
    err = await Ip(podName, "up");
    if (err is not null)
    {
        Fatal($"`ip -n {podName} link set eth0 up` failed: {err}");
        return null;
    }
    var up = await WaitAsync(p0(), ["tile-gone", "finding-gone"], TimeSpan.FromSeconds(opt.RecoverSeconds));
    if (up is null || up.Any(u => u is null))
    {
        Fatal($"{label}: after `ip -n {podName} link set eth0 up` the page still showed {podName} broken after {opt.RecoverSeconds} s");
        return null;
    }
    r.TileGone = up[0]!.Value.Dom - r.ClockOffset - t1;
    r.FindingGone = up[1]!.Value.Dom - r.ClockOffset - t1;
    r.End = Now();
    r.Stats = await StatsAsync(p0(), r.T0 + r.ClockOffset, r.End + r.ClockOffset);
    var all = Invocations(await WsFromAsync(p0(), wsIndex)).Where(m => m.Done >= r.T0 + r.ClockOffset).ToList();
    r.TopologyPushes = all.Count(m => m.Target == "TopologyChanged");
    r.FindingsPushes = all.Count(m => m.Target == "FindingsChanged");
    return r;
}

IPage p0() => page;

// Polls the probe for watches (their times come from the page, not from this loop).
async Task<(double Dom, double Paint)?[]?> WaitAsync(IPage p, string[] names, TimeSpan timeout, bool needPaint = false)
{
    var sw = Stopwatch.StartNew();
    (double, double)?[] last = new (double, double)?[names.Length];
    while (true)
    {
        var res = await EvalJsonAsync(p, "n => JSON.stringify(__ub.result(n))", names);
        int i = 0;
        bool all = true;
        foreach (var e in res.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                var dom = e[0].GetDouble();
                var paint = e[1].GetDouble();
                last[i] = (dom, paint);
                if (needPaint && paint == 0) all = false;
            }
            else
            {
                last[i] = null;
                all = false;
            }
            i++;
        }
        if (all) return last;
        // The deadline is for the DOM; a paint that is due gets up to 5 s more.
        bool domDone = last.All(l => l is not null);
        if (sw.Elapsed > timeout + (domDone ? TimeSpan.FromSeconds(5) : TimeSpan.Zero)) return last.Any(l => l is not null) ? last : null;
        await Task.Delay(opt.PollMs);
    }
}

async Task<Stats> StatsAsync(IPage p, double from, double to)
{
    var s = await EvalJsonAsync(p, "([a, b]) => JSON.stringify(__ub.stats(a, b))", new[] { from, to });
    return new Stats(
        s.GetProperty("frames").GetInt32(), s.GetProperty("maxGap").GetDouble(),
        s.GetProperty("gapsOver100").GetInt32(), s.GetProperty("gapsOver200").GetInt32(),
        s.GetProperty("longTasks").GetInt32(), s.GetProperty("maxLongTask").GetDouble(), s.GetProperty("longTasksOver200").GetInt32(),
        s.GetProperty("longTaskMs").GetDouble(), s.GetProperty("maxLoaf").GetDouble(), s.GetProperty("worstLoafScript").GetString() ?? "");
}

async Task<List<WsMessage>> WsFromAsync(IPage p, int index)
{
    var e = await EvalJsonAsync(p, "i => JSON.stringify(__ub.wsFrom(i))", index);
    return e.EnumerateArray().Select(m => new WsMessage(m[0].GetDouble(), m[1].GetInt64(), m[2].GetString() ?? "", m[3].GetInt32() == 1)).ToList();
}

// =============================================================================================
// The probe's answers travel as JSON text: Playwright's own mapping of nested objects to JsonElement is not what it seems.
static async Task<JsonElement> EvalJsonAsync(IPage p, string expression, object? arg)
{
    var json = await p.EvaluateAsync<string>(expression, arg);
    using var doc = JsonDocument.Parse(json);
    return doc.RootElement.Clone();
}

static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

// The page's clock minus ours, from the evaluate round trip with the smallest delay.
static async Task<(double Offset, double Rtt)> CalibrateAsync(IPage p)
{
    double best = double.MaxValue, offset = 0;
    for (int i = 0; i < 7; i++)
    {
        var a = Now();
        var pageNow = await p.EvaluateAsync<double>("() => performance.timeOrigin + performance.now()");
        var b = Now();
        if (b - a < best)
        {
            best = b - a;
            offset = pageNow - (a + b) / 2;
        }
    }
    return (offset, best);
}

// WebSocket messages -> SignalR invocations (a large one may come in several messages; a record ends with 0x1e).
static List<Push> Invocations(List<WsMessage> messages)
{
    var list = new List<Push>();
    Push? current = null;
    foreach (var m in messages)
    {
        current ??= new Push { Target = m.Target, First = m.Time };
        current.Bytes += m.Length;
        current.Chunks++;
        if (m.EndsRecord)
        {
            current.Done = m.Time;
            list.Add(current);
            current = null;
        }
    }
    return list;
}

static string P(List<double> sorted, double q) =>
    sorted.Count == 0 ? "n/a" : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)].ToString("F0", CultureInfo.InvariantCulture);

static double Median(List<double> values)
{
    var s = values.Order().ToList();
    return s.Count == 0 ? double.NaN : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static string F(double? v) => v is null ? "-" : v.Value.ToString("F1", CultureInfo.InvariantCulture);

static void Log(string message) => Console.Error.WriteLine($"[ui] {message}");

static int Fatal(string message)
{
    Console.Error.WriteLine($"[ui] ERROR: {message}");
    return 2;
}

// `ip -n POD link set eth0 up|down`, no shell; null when it worked, else what it said.
static async Task<string?> Ip(string pod, string state)
{
    var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in new[] { "-n", pod, "link", "set", "eth0", state }) psi.ArgumentList.Add(a);
    using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start ip");
    var stderr = p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync();
    return p.ExitCode == 0 ? null : $"exit status {p.ExitCode}: {(await stderr).Trim()}";
}

internal sealed record Stats(int Frames, double MaxGap, int GapsOver100, int GapsOver200, int LongTasks, double MaxLongTask,
    int LongTasksOver200, double LongTaskMs, double MaxLoaf, string WorstLoafScript);

internal sealed class LoadResult
{
    public bool Counted { get; set; }
    public double DomMs { get; set; }
    public double PaintMs { get; set; }
    public double HtmlMs { get; set; }
    public double LastWasmMs { get; set; }
    public double TopologyMs { get; set; }
    public double TopologySentMs { get; set; }
    public double ConnectedMs { get; set; }
    public double ClockRtt { get; set; }
    public Stats Stats { get; set; } = default!;
    public int Count { get; set; }
    public double Transfer { get; set; }
    public double Encoded { get; set; }
    public double Decoded { get; set; }
    public double TopologyBytes { get; set; }
    public double TopologyDecoded { get; set; }
    public int TopologyRequests { get; set; }
    public string TopologyEncoding { get; set; } = "";
    public string Kinds { get; set; } = "";
    public string Encodings { get; set; } = "";
    public string AcceptEncoding { get; set; } = "";
}

internal sealed class RoundResult
{
    public bool Counted { get; set; }
    public string Pod { get; set; } = "";
    public double T0 { get; set; }
    public double End { get; set; }
    public double ClockOffset { get; set; }
    public double ClockRtt { get; set; }
    public double? IpMs { get; set; }
    public double? TileDom { get; set; }
    public double? TilePaint { get; set; }
    public double? FindingDom { get; set; }
    public double? FindingPaint { get; set; }
    public double? FindingsPush { get; set; }
    public long FindingsBytes { get; set; }
    public double? TopologyPush { get; set; }
    public long TopologyBytes { get; set; }
    public double? TileGone { get; set; }
    public double? FindingGone { get; set; }
    public int TopologyPushes { get; set; }
    public int FindingsPushes { get; set; }
    public Stats Stats { get; set; } = default!;
}

internal sealed record WsMessage(double Time, long Length, string Target, bool EndsRecord);

internal sealed class Push
{
    public string Target { get; set; } = "";
    public double First { get; set; }
    public double Done { get; set; }
    public long Bytes { get; set; }
    public int Chunks { get; set; }
}

internal sealed record Options(string Url, string Token, string Prefix, string Chromium, int Loads, int LoadWarmup, int Rounds, int Warmup,
    double TimeoutSeconds, double RecoverSeconds, double SettleSeconds, double TransferWindowSeconds, int Seed, int PollMs, string? Out, string? RoundsOut,
    string? TraceDir, string? Shots, string? ConsoleOut, string? Query, bool Verbose, bool Strict, double TargetFirstPaintMs, double TargetUpdateMs)
{
    public static Options? Parse(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        string? url = null, token = Environment.GetEnvironmentVariable("NDB_TOKEN"), prefix = null, output = null, roundsOut = null, traceDir = null, shots = null, consoleOut = null, query = null;
        string chromium = Environment.GetEnvironmentVariable("DASHBOARD_E2E_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
        int loads = 5, loadWarmup = 1, rounds = 20, warmup = 2, seed = Random.Shared.Next(), poll = 25;
        double timeout = 30, recover = 60, settle = 3, transferWindow = 1, targetPaint = 3000, targetUpdate = 1000;
        bool verbose = false, strict = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--url": url = Next().TrimEnd('/'); break;
                case "--token": token = Next(); break;
                case "--prefix": prefix = Next(); break;
                case "--chromium": chromium = Next(); break;
                case "--loads": loads = int.Parse(Next(), inv); break;
                case "--load-warmup": loadWarmup = int.Parse(Next(), inv); break;
                case "--rounds": rounds = int.Parse(Next(), inv); break;
                case "--warmup": warmup = int.Parse(Next(), inv); break;
                case "--timeout": timeout = double.Parse(Next(), inv); break;
                case "--recover-timeout": recover = double.Parse(Next(), inv); break;
                case "--settle": settle = double.Parse(Next(), inv); break;
                case "--seed": seed = int.Parse(Next(), inv); break;
                case "--poll-ms": poll = int.Parse(Next(), inv); break;
                case "--out": output = Next(); break;
                case "--rounds-out": roundsOut = Next(); break;
                case "--trace-dir": traceDir = Next(); break;
                case "--shots": shots = Next(); break;
                case "--console": consoleOut = Next(); break;
                case "--query": query = Next().TrimStart('?', '&'); break;
                case "--target-first-paint-ms": targetPaint = double.Parse(Next(), inv); break;
                case "--target-update-ms": targetUpdate = double.Parse(Next(), inv); break;
                case "--strict": strict = true; break;
                case "-v" or "--verbose": verbose = true; break;
                case "-h" or "--help": url = null; i = args.Length; break;
                default:
                    Console.Error.WriteLine($"[ui] unknown argument {args[i]}");
                    return null;
            }
        }
        if (url is null || string.IsNullOrEmpty(token) || prefix is null || loads < 1 || loadWarmup < 0 || rounds < 1 || warmup < 0 || timeout <= 0 || recover <= 0 || poll < 1)
        {
            Console.Error.WriteLine("usage: NDB_TOKEN=<token> Dashboard.Bench.Ui --url http://127.0.0.1:PORT --prefix ndb-RUN-pod [--loads 5] [--load-warmup 1]\n"
                + "       [--rounds 20] [--warmup 2] [--timeout 30] [--recover-timeout 60] [--settle 3] [--seed N] [--chromium /usr/bin/chromium] [--out FILE.md]\n"
                + "       [--rounds-out FILE.tsv] [--trace-dir DIR] [--shots DIR] [--console FILE] [--query ns=NAME] [--strict] [-v]\n"
                + "       or: Dashboard.Bench.Ui --summarize-trace TRACE.json");
            return null;
        }
        return new Options(url, token, prefix, chromium, loads, loadWarmup, rounds, warmup, timeout, recover, settle, transferWindow, seed, poll,
            output, roundsOut, traceDir, shots, consoleOut, query, verbose, strict, targetPaint, targetUpdate);
    }
}
