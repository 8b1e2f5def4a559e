using System.Globalization;
using System.Text;
using System.Text.Json;

/// <summary>
/// Reads a Chromium trace (browser.StartTracingAsync, Playwright's default categories, which include
/// devtools.timeline and the V8 sampling profiler) and says where the page's main thread spent its
/// time: exclusive time per trace event name (FunctionCall = script, including .NET in WebAssembly;
/// UpdateLayoutTree = style; Layout; Paint; GC ...), the longest tasks with their biggest parts, and
/// from the CPU samples the functions (self time) and the scripts they belong to.
/// </summary>
internal static class TraceSummary
{
    private sealed record Ev(string Name, double Ts, double Dur);

    public static string Summarize(string path, string title)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
            var events = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("traceEvents");

            // The renderer's main thread with the most work is the page's.
            var mainThreads = new HashSet<(long Pid, long Tid)>();
            foreach (var e in events.EnumerateArray())
            {
                if (Str(e, "ph") == "M" && Str(e, "name") == "thread_name" && e.TryGetProperty("args", out var a) && Str(a, "name") == "CrRendererMain")
                    mainThreads.Add((Long(e, "pid"), Long(e, "tid")));
            }
            var work = new Dictionary<(long, long), double>();
            foreach (var e in events.EnumerateArray())
            {
                var key = (Long(e, "pid"), Long(e, "tid"));
                if (mainThreads.Contains(key) && Str(e, "ph") == "X" && Str(e, "name") == "RunTask")
                    work[key] = work.GetValueOrDefault(key) + Double(e, "dur");
            }
            if (work.Count == 0) return $"- {title}: no renderer main thread found in {Path.GetFileName(path)}\n";
            var main = work.MaxBy(w => w.Value).Key;

            // Complete events of that thread (X, and B/E pairs), sorted, nested by time.
            var list = new List<Ev>();
            var open = new Stack<(string Name, double Ts)>();
            foreach (var e in events.EnumerateArray())
            {
                if ((Long(e, "pid"), Long(e, "tid")) != main) continue;
                var ph = Str(e, "ph");
                if (ph == "X") list.Add(new Ev(Str(e, "name") ?? "", Double(e, "ts"), Double(e, "dur")));
                else if (ph == "B") open.Push((Str(e, "name") ?? "", Double(e, "ts")));
                else if (ph == "E" && open.Count > 0)
                {
                    var (n, ts) = open.Pop();
                    list.Add(new Ev(n, ts, Double(e, "ts") - ts));
                }
            }
            list.Sort((a, b) => a.Ts != b.Ts ? a.Ts.CompareTo(b.Ts) : b.Dur.CompareTo(a.Dur));

            // Exclusive time per name; per top-level task, its direct children.
            var self = new Dictionary<string, double>();
            var tasks = new List<(Ev Task, Dictionary<string, double> Parts)>();
            var stack = new List<(Ev Ev, double Child)>();
            Dictionary<string, double>? parts = null;
            // Scheduler wrappers say nothing about the work inside them.
            static bool Wrapper(string name) => name is "RunTask" or "ThreadControllerImpl::RunTask" or "BlinkScheduler_PerformMicrotaskCheckpoint"
                or "SimpleWatcher::OnHandleReady" or "Receive mojo message";
            void Pop()
            {
                var (ev, child) = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                var own = Math.Max(0, ev.Dur - child);
                self[ev.Name] = self.GetValueOrDefault(ev.Name) + own;
                // A task's parts: the exclusive time of everything in it, by name.
                if (parts is not null && !Wrapper(ev.Name)) parts[ev.Name] = parts.GetValueOrDefault(ev.Name) + own;
                if (stack.Count > 0) stack[^1] = (stack[^1].Ev, stack[^1].Child + ev.Dur);
            }
            foreach (var ev in list)
            {
                while (stack.Count > 0 && ev.Ts >= stack[^1].Ev.Ts + stack[^1].Ev.Dur) Pop();
                if (stack.Count == 0)
                {
                    parts = [];
                    if (ev.Name == "RunTask") tasks.Add((ev, parts));
                }
                stack.Add((ev, 0));
            }
            while (stack.Count > 0) Pop();

            double busy = tasks.Sum(t => t.Task.Dur);
            var span = list.Count == 0 ? 0 : (list.Max(e => e.Ts + e.Dur) - list.Min(e => e.Ts));
            md.AppendLine(inv, $"- **{title}** ({Path.GetFileName(path)}): the page's main thread ran {tasks.Count} tasks for {busy / 1000:F0} ms in {span / 1e6:F1} s; {tasks.Count(t => t.Task.Dur > 50_000)} over 50 ms, {tasks.Count(t => t.Task.Dur > 200_000)} over 200 ms.");
            md.AppendLine(inv, $"  Exclusive time by trace event (FunctionCall: script, .NET in WebAssembly included; ParseHTML: innerHTML too; (program) below: the browser's own work): {string.Join(", ", self.Where(s => s.Value > 0).OrderByDescending(s => s.Value).Take(10).Select(s => $"{s.Key} {s.Value / 1000:F0} ms"))}.");
            foreach (var (task, p) in tasks.OrderByDescending(t => t.Task.Dur).Take(5))
                md.AppendLine(inv, $"  - task of {task.Dur / 1000:F0} ms: {string.Join(", ", p.Where(x => x.Value >= 500).OrderByDescending(x => x.Value).Take(6).Select(x => $"{x.Key} {x.Value / 1000:F0} ms"))}");

            // CPU samples of that thread: self time per function and per script.
            var (functions, scripts, total) = Samples(events, main.Item1, main.Item2);
            if (total > 0)
            {
                md.AppendLine(inv, $"  CPU samples ({total / 1000:F0} ms), self time by script: {string.Join(", ", scripts.OrderByDescending(s => s.Value).Take(8).Select(s => $"{s.Key} {s.Value / 1000:F0} ms ({100 * s.Value / total:F0} %)"))}.");
                md.AppendLine(inv, $"  Top functions (self): {string.Join(", ", functions.OrderByDescending(s => s.Value).Take(12).Select(s => $"`{s.Key}` {s.Value / 1000:F0} ms"))}.");
            }
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            md.AppendLine(inv, $"- {title}: could not read {path}: {e.Message}");
        }
        return md.ToString();
    }

    // The V8 sampling profiler's chunks (ProfileChunk) of the given thread: self time by function and by script.
    private static (Dictionary<string, double> Functions, Dictionary<string, double> Scripts, double Total) Samples(JsonElement events, long pid, long tid)
    {
        var nodes = new Dictionary<long, (string Function, string Script)>();
        var functions = new Dictionary<string, double>();
        var scripts = new Dictionary<string, double>();
        double total = 0;
        // A Profile event names the thread of its id; chunks carry the id.
        var ids = new HashSet<string>();
        foreach (var e in events.EnumerateArray())
            if (Str(e, "name") == "Profile" && Long(e, "pid") == pid && Long(e, "tid") == tid && Str(e, "id") is { } id) ids.Add(id);
        foreach (var e in events.EnumerateArray())
        {
            if (Str(e, "name") != "ProfileChunk" || Long(e, "pid") != pid) continue;
            if (ids.Count > 0 && (Str(e, "id") is not { } cid || !ids.Contains(cid))) continue;
            if (!e.TryGetProperty("args", out var args) || !args.TryGetProperty("data", out var data)) continue;
            if (data.TryGetProperty("cpuProfile", out var profile))
            {
                if (profile.TryGetProperty("nodes", out var ns))
                    foreach (var n in ns.EnumerateArray())
                    {
                        var cf = n.GetProperty("callFrame");
                        var fn = Str(cf, "functionName") is { Length: > 0 } f ? f : "(anonymous)";
                        var url = Str(cf, "url") ?? "";
                        var script = url.Length == 0 ? (fn.StartsWith('(') ? fn : "(no script)") : Path.GetFileName(new Uri(url, UriKind.RelativeOrAbsolute) is { IsAbsoluteUri: true } u ? u.AbsolutePath : url);
                        // Fingerprinted file names: dotnet.native.abc123.wasm -> dotnet.native.wasm
                        script = System.Text.RegularExpressions.Regex.Replace(script, @"\.[a-z0-9]{10}\.(js|wasm|css)$", ".$1");
                        nodes[Long(n, "id")] = (fn, script);
                    }
                if (profile.TryGetProperty("samples", out var samples) && data.TryGetProperty("timeDeltas", out var deltas))
                {
                    var s = samples.EnumerateArray().Select(x => x.GetInt64()).ToList();
                    var d = deltas.EnumerateArray().Select(x => x.GetDouble()).ToList();
                    for (int i = 0; i < s.Count && i < d.Count; i++)
                    {
                        // A sample's delta is the time since the previous one: charge it to this sample's function.
                        var dt = Math.Max(0, i + 1 < d.Count ? d[i + 1] : 0);
                        if (!nodes.TryGetValue(s[i], out var node) || node.Function == "(idle)") continue;
                        functions[$"{node.Function} [{node.Script}]"] = functions.GetValueOrDefault($"{node.Function} [{node.Script}]") + dt;
                        scripts[node.Script] = scripts.GetValueOrDefault(node.Script) + dt;
                        total += dt;
                    }
                }
            }
        }
        return (functions, scripts, total);
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;

    private static long Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : -1;

    private static double Double(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
}

/// <summary>
/// A Chromium performance trace over the DevTools protocol (what the Performance panel records:
/// the timeline and the V8 sampling profiler), written as a trace JSON that chrome://tracing, Perfetto
/// and the DevTools Performance panel open.
/// </summary>
internal sealed class CdpTrace
{
    private static readonly string[] Categories =
    [
        "-*", "devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline",
        "disabled-by-default-devtools.timeline.frame", "toplevel", "blink.console", "blink.user_timing",
        "latencyInfo", "disabled-by-default-devtools.timeline.stack", "disabled-by-default-v8.cpu_profiler",
    ];

    private readonly Microsoft.Playwright.ICDPSession _session;
    private readonly List<JsonElement> _events = [];
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CdpTrace(Microsoft.Playwright.ICDPSession session) => _session = session;

    public static async Task<CdpTrace> StartAsync(Microsoft.Playwright.IBrowserContext context, Microsoft.Playwright.IPage page)
    {
        var trace = new CdpTrace(await context.NewCDPSessionAsync(page));
        trace._session.Event("Tracing.dataCollected").OnEvent += (_, e) =>
        {
            if (e is { } v && v.TryGetProperty("value", out var list))
                lock (trace._events)
                    foreach (var ev in list.EnumerateArray()) trace._events.Add(ev.Clone());
        };
        trace._session.Event("Tracing.tracingComplete").OnEvent += (_, _) => trace._complete.TrySetResult();
        await trace._session.SendAsync("Tracing.start", new Dictionary<string, object>
        {
            ["transferMode"] = "ReportEvents",
            ["traceConfig"] = new Dictionary<string, object> { ["includedCategories"] = Categories, ["recordMode"] = "recordAsMuchAsPossible" },
        });
        return trace;
    }

    public async Task StopAsync(string path)
    {
        await _session.SendAsync("Tracing.end");
        await _complete.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await using (var file = File.Create(path))
        await using (var w = new Utf8JsonWriter(file))
        {
            w.WriteStartObject();
            w.WriteStartArray("traceEvents");
            lock (_events)
                foreach (var e in _events) e.WriteTo(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        await _session.DetachAsync();
    }
}
