// From a kernel change to the finding: how long until `ip -n POD link set eth0 down` shows as an
// interface-down finding on the hub (FindingsChanged) and in GET /api/findings, and as eth0
// adminUp=false in a TopologyChanged push. Run by bench/live.sh against the real server and a
// CNI-style fixture of pod namespaces; usable on its own:
//
//   NDB_TOKEN=... dotnet bench/Latency/bin/Release/net10.0/Dashboard.Bench.Latency.dll \
//       --url http://127.0.0.1:5080 --prefix ndb-abc123-pod [--rounds 40] [--warmup 2]
//       [--timeout 5] [--seed N] [--out results.tsv] [--rounds-out rounds.tsv]
//   ... --prefix ndb-abc123-pod --listen 30     # only listen: one line "<time> T|F" per push
//
// Each round: pick a pod, t0, run `ip -n POD link set eth0 down` (no shell), then wait for
//   - hub/topology: a TopologyChanged in which the pod's eth0 (namespace id = inode of
//     /run/netns/POD) has adminUp=false,
//   - hub/findings: a FindingsChanged listing {"rule":"interface-down","namespaceId":<inode>,"interface":"eth0"},
//   - api/findings: GET /api/findings (Bearer), polled every 5 ms, listing that finding;
// then `ip ... link set eth0 up` and wait (hub) until eth0 is up again and the finding is gone,
// then a random pause of 300-800 ms. Times are from t0 (before the `ip` process is started) to
// the moment the client has the message (handler entry, after deserialisation) or the answer.
//
// Exit status: 0 all seen; 2 fatal (no hub, `ip` failed, no TopologyChanged or no recovery within
// the timeout); 3 the topology was measured but the interface-down finding was not seen in some
// rounds (or never: the rule is not wired).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Dashboard.Shared;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

var inv = CultureInfo.InvariantCulture;
var opt = Options.Parse(args);
if (opt is null) return 2;

// The pods of the fixture and their namespace ids.
var pods = new List<(string Name, string Id)>();
var podName = new Regex("^" + Regex.Escape(opt.Prefix) + "[0-9]+$");
foreach (var path in Directory.EnumerateFiles("/run/netns").Where(p => podName.IsMatch(Path.GetFileName(p))).Order(StringComparer.Ordinal))
    pods.Add((Path.GetFileName(path), Native.Inode(path).ToString(inv)));
if (pods.Count == 0) return Fatal($"no namespace /run/netns/{opt.Prefix}<n>: is the fixture there?");
Console.Error.WriteLine($"[latency] {pods.Count} pods named {opt.Prefix}<n>; {opt.Warmup} warm-up + {opt.Rounds} rounds; seed {opt.Seed}");

using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
{
    BaseAddress = new Uri(opt.Url),
    Timeout = TimeSpan.FromSeconds(10),
};
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", opt.Token);

// The current state, over REST: every pod's eth0 must be there and up.
var initial = await http.GetFromJsonAsync("/api/topology", WireJsonContext.Default.Topology)
    ?? throw new InvalidOperationException("GET /api/topology answered null");
foreach (var (name, id) in pods)
{
    var eth0 = Eth0(initial, id);
    if (eth0 is null) return Fatal($"GET /api/topology does not show {name} (namespace {id}) with an eth0; is the server watching this fixture?");
    if (!eth0.AdminUp) return Fatal($"{name}'s eth0 is already down: an earlier run did not clean up?");
}
var initialFindings = await GetFindings(http);

var watch = new HubWatch(initial, initialFindings);
var hubUrl = new Uri(new Uri(opt.Url), "/hubs/topology?access_token=" + Uri.EscapeDataString(opt.Token));
await using var hub = new HubConnectionBuilder()
    .WithUrl(hubUrl, o =>
    {
        o.Transports = HttpTransportType.WebSockets;
        o.SkipNegotiation = true;
        // A topology of 250 pods is about 1 MB; measure the server, not the client's back-pressure.
        o.TransportMaxBufferSize = 0;
        o.ApplicationMaxBufferSize = 0;
    })
    .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, WireJsonContext.Default))
    .Build();
hub.On<Topology>(nameof(ITopologyClient.TopologyChanged), t =>
{
    watch.OnTopology(t, Stopwatch.GetTimestamp());
    if (opt.ListenSeconds > 0) Console.WriteLine($"{DateTime.Now:yyyy-MM-ddTHH:mm:ss.ffffff} T");
});
hub.On<IReadOnlyList<Finding>>(nameof(ITopologyClient.FindingsChanged), f =>
{
    watch.OnFindings(f, Stopwatch.GetTimestamp());
    if (opt.ListenSeconds > 0) Console.WriteLine($"{DateTime.Now:yyyy-MM-ddTHH:mm:ss.ffffff} F");
});
hub.On<string, DiagnosisStep>(nameof(ITopologyClient.DiagnosisProgress), (_, _) => { });
hub.Closed += e =>
{
    watch.Closed(e);
    return Task.CompletedTask;
};
try
{
    await hub.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
}
catch (Exception e)
{
    return Fatal($"cannot connect to the hub {opt.Url}/hubs/topology (WebSockets, access_token): {e.Message}");
}
if (opt.ListenSeconds > 0)
{
    // Listen only: which pushes does a connected client get while nothing is done to the node?
    // One line per push on stdout, "<local time as `ip -ts` prints it> T|F", as they arrive.
    await Task.Delay(TimeSpan.FromSeconds(opt.ListenSeconds));
    Console.Error.WriteLine($"[latency] listened {opt.ListenSeconds} s: {watch.TopologyCount} TopologyChanged, {watch.FindingsCount} FindingsChanged{watch.ClosedReason}");
    return 0;
}
Console.Error.WriteLine($"[latency] connected to the hub; {initialFindings.Count} findings before the first round");

var rng = new Random(opt.Seed);
var order = new Queue<int>();
var timeout = TimeSpan.FromSeconds(opt.TimeoutSeconds);
var samples = new Dictionary<string, List<double>>
{
    ["hub TopologyChanged (eth0 adminUp=false)"] = [],
    ["hub FindingsChanged (interface-down)"] = [],
    ["GET /api/findings (interface-down)"] = [],
    ["ip link set down (process exit)"] = [],
    ["server takenAt - t0 (event + coalescing)"] = [],
    ["server durationMs (re-read + build)"] = [],
    ["recovery: hub eth0 up, finding gone"] = [],
};
int findingMisses = 0, apiMisses = 0, measuredRounds = 0;
bool findingsWired = true; // until the first round shows otherwise
var roundLines = new StringBuilder("round\tpod\tnamespaceId\tip_ms\thub_topology_ms\thub_findings_ms\tapi_findings_ms\tapi_polls\ttakenAt_ms\tdurationMs\trecovery_ms\n");

for (int round = -opt.Warmup; round < opt.Rounds; round++)
{
    if (order.Count == 0)
        foreach (var i in Enumerable.Range(0, pods.Count).OrderBy(_ => rng.Next())) order.Enqueue(i);
    var (pod, ns) = pods[order.Dequeue()];
    bool counted = round >= 0;
    string label = counted ? $"round {round + 1}/{opt.Rounds}" : $"warm-up round {round + opt.Warmup + 1}/{opt.Warmup}";

    var topoDown = watch.WaitTopology(t => Eth0(t, ns) is { AdminUp: false });
    var findDown = findingsWired ? watch.WaitFindings(f => HasDown(f, ns, "eth0")) : null;
    using var pollStop = new CancellationTokenSource();
    var poller = findingsWired ? PollFindings(http, ns, pollStop.Token) : null;

    var t0 = Stopwatch.GetTimestamp();
    var wall0 = DateTimeOffset.UtcNow;
    var ipError = await Ip(pod, "down");
    var tIp = Stopwatch.GetTimestamp();
    if (ipError is not null) return Fatal($"`ip -n {pod} link set eth0 down` failed: {ipError}");

    // Everything is measured against one deadline: t0 + timeout.
    var deadline = Task.Delay(TimeSpan.FromTicks(Math.Max(0, (timeout - Stopwatch.GetElapsedTime(t0)).Ticks)));
    var topo = await Within(topoDown.Task, deadline);
    if (topo is null)
    {
        pollStop.Cancel();
        return Fatal($"{label}: no TopologyChanged showed {pod}'s eth0 (namespace {ns}) with adminUp=false within {opt.TimeoutSeconds} s of `ip link set eth0 down`"
            + $" ({watch.TopologyCount} TopologyChanged and {watch.FindingsCount} FindingsChanged received so far{watch.ClosedReason})");
    }
    (long At, IReadOnlyList<Finding> Value)? found = findDown is null ? null : await Within(findDown.Task, deadline);
    (long At, int Polls)? api = poller is null ? null : await Within(poller, deadline);
    pollStop.Cancel();
    if (poller is not null) await poller.ContinueWith(_ => { }, TaskScheduler.Default);
    if (poller is { IsFaulted: true })
        Console.Error.WriteLine($"[latency] {label}: polling GET /api/findings failed: {poller.Exception!.GetBaseException().Message}");

    double Ms(long t) => Stopwatch.GetElapsedTime(t0, t).TotalMilliseconds;
    double ipMs = Ms(tIp), topoMs = Ms(topo.Value.At);
    double takenMs = (topo.Value.Value.TakenAt - wall0).TotalMilliseconds;
    double durMs = topo.Value.Value.DurationMs;
    double? findMs = found is null ? null : Ms(found.Value.At);
    double? apiMs = api is null ? null : Ms(api.Value.At);

    if (findingsWired && found is null && round == -opt.Warmup)
    {
        var now = await GetFindings(http);
        Console.Error.WriteLine($"[latency] NOTE: the hub showed {pod}'s eth0 down after {topoMs:F0} ms, but no interface-down finding for it (namespace {ns}, eth0)"
            + $" arrived in FindingsChanged{(apiMs is null ? " nor in GET /api/findings" : "")} within {opt.TimeoutSeconds} s;"
            + $" GET /api/findings lists {now.Count} findings ({string.Join(", ", now.Select(f => f.Rule).Distinct())})."
            + " Is the interface-down rule wired into the server's analysis? Measuring the topology only from now on.");
        findingsWired = false;
    }
    else if (findingsWired && counted)
    {
        if (found is null) findingMisses++;
        if (api is null) apiMisses++;
        if (found is null || api is null)
            Console.Error.WriteLine($"[latency] {label}: {pod} eth0 down: the finding was {(found is null ? "NOT seen on the hub" : "seen on the hub")} and {(api is null ? "NOT seen" : "seen")} in GET /api/findings within {opt.TimeoutSeconds} s");
    }

    // Back up; wait until the hub shows it up and the finding (on either end of the pair) gone.
    var peer = Eth0(topo.Value.Value, ns)?.Peer;
    var topoUp = watch.WaitTopology(t => Eth0(t, ns) is { AdminUp: true, OperState: "UP" });
    var findGone = findingsWired ? watch.WaitFindings(f => !HasDown(f, ns, "eth0") && (peer?.NamespaceId is null || !HasDown(f, peer.NamespaceId, peer.Name))) : null;
    var t1 = Stopwatch.GetTimestamp();
    ipError = await Ip(pod, "up");
    if (ipError is not null) return Fatal($"`ip -n {pod} link set eth0 up` failed: {ipError}");
    var upDeadline = Task.Delay(timeout);
    var up = await Within(topoUp.Task, upDeadline);
    var gone = findGone is null ? null : await Within(findGone.Task, upDeadline);
    if (up is null || (findGone is not null && gone is null))
        return Fatal($"{label}: after `ip -n {pod} link set eth0 up` the hub did not show {(up is null ? "eth0 up again" : "the interface-down finding gone")} within {opt.TimeoutSeconds} s{watch.ClosedReason}");
    double recMs = Stopwatch.GetElapsedTime(t1, Math.Max(up.Value.At, gone?.At ?? 0)).TotalMilliseconds;

    string F(double? v) => v is null ? "-" : v.Value.ToString("F1", inv);
    roundLines.Append(inv, $"{round}\t{pod}\t{ns}\t{F(ipMs)}\t{F(topoMs)}\t{F(findMs)}\t{F(apiMs)}\t{api?.Polls.ToString(inv) ?? "-"}\t{F(takenMs)}\t{F(durMs)}\t{F(recMs)}\n");
    if (opt.Verbose || !counted)
        Console.Error.WriteLine($"[latency] {label} {pod}: ip {ipMs:F1} ms, hub topology {topoMs:F1} ms, hub findings {F(findMs)} ms, api findings {F(apiMs)} ms, takenAt +{takenMs:F0} ms, durationMs {durMs:F1}, recovery {recMs:F0} ms");
    if (counted)
    {
        measuredRounds++;
        samples["hub TopologyChanged (eth0 adminUp=false)"].Add(topoMs);
        if (findMs is not null) samples["hub FindingsChanged (interface-down)"].Add(findMs.Value);
        if (apiMs is not null) samples["GET /api/findings (interface-down)"].Add(apiMs.Value);
        samples["ip link set down (process exit)"].Add(ipMs);
        samples["server takenAt - t0 (event + coalescing)"].Add(takenMs);
        samples["server durationMs (re-read + build)"].Add(durMs);
        samples["recovery: hub eth0 up, finding gone"].Add(recMs);
    }
    await Task.Delay(rng.Next(300, 800));
}

// Report: a table on stdout, and the same as TSV for bench/live.sh.
var tsv = new StringBuilder("metric\tn\tmisses\tp50_ms\tp95_ms\tmax_ms\tmean_ms\n");
Console.WriteLine();
Console.WriteLine($"{"from `ip link set eth0 down` (t0) to",-44} {"n",4} {"missed",6} {"p50 ms",8} {"p95 ms",8} {"max ms",8} {"mean ms",8}");
foreach (var (metric, list) in samples)
{
    int misses = metric switch
    {
        "hub FindingsChanged (interface-down)" => findingsWired ? findingMisses : measuredRounds,
        "GET /api/findings (interface-down)" => findingsWired ? apiMisses : measuredRounds,
        _ => 0,
    };
    list.Sort();
    string P(double q) => list.Count == 0 ? "n/a" : list[Math.Clamp((int)Math.Ceiling(q * list.Count) - 1, 0, list.Count - 1)].ToString("F1", inv);
    string max = list.Count == 0 ? "n/a" : list[^1].ToString("F1", inv);
    string mean = list.Count == 0 ? "n/a" : list.Average().ToString("F1", inv);
    Console.WriteLine($"{metric,-44} {list.Count,4} {misses,6} {P(0.5),8} {P(0.95),8} {max,8} {mean,8}");
    tsv.Append(inv, $"{metric}\t{list.Count}\t{misses}\t{P(0.5)}\t{P(0.95)}\t{max}\t{mean}\n");
}
Console.WriteLine();
Console.WriteLine($"hub messages received: {watch.TopologyCount} TopologyChanged (largest {watch.LargestTopologyNamespaces} namespaces), {watch.FindingsCount} FindingsChanged");
if (opt.Out is not null) await File.WriteAllTextAsync(opt.Out, tsv.ToString());
if (opt.RoundsOut is not null) await File.WriteAllTextAsync(opt.RoundsOut, roundLines.ToString());

if (!findingsWired)
{
    Console.Error.WriteLine("[latency] FAIL: no interface-down finding was ever seen (hub or API); only the topology was measured.");
    return 3;
}
if (findingMisses + apiMisses > 0)
{
    Console.Error.WriteLine($"[latency] FAIL: the interface-down finding was missed within {opt.TimeoutSeconds} s in {findingMisses} rounds on the hub and {apiMisses} rounds in GET /api/findings.");
    return 3;
}
return 0;

// ---------------------------------------------------------------------------------------------
static int Fatal(string message)
{
    Console.Error.WriteLine($"[latency] ERROR: {message}");
    return 2;
}

static NetworkInterface? Eth0(Topology t, string ns) =>
    t.Namespaces.FirstOrDefault(n => n.Id == ns)?.Interfaces.FirstOrDefault(i => i.Name == "eth0");

static bool HasDown(IReadOnlyList<Finding> findings, string ns, string? iface) =>
    findings.Any(f => f.Rule == FindingRules.InterfaceDown && f.NamespaceId == ns && f.Interface == iface);

static async Task<IReadOnlyList<Finding>> GetFindings(HttpClient http) =>
    await http.GetFromJsonAsync("/api/findings", WireJsonContext.Default.IReadOnlyListFinding) ?? [];

// GET /api/findings every 5 ms until it lists the interface-down finding; (when, how many requests).
static async Task<(long At, int Polls)> PollFindings(HttpClient http, string ns, CancellationToken ct)
{
    int polls = 0;
    while (true)
    {
        ct.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        polls++;
        using (var response = await http.GetAsync("/api/findings", ct))
        {
            response.EnsureSuccessStatusCode();
            var findings = await response.Content.ReadFromJsonAsync(WireJsonContext.Default.IReadOnlyListFinding, ct) ?? [];
            if (HasDown(findings, ns, "eth0")) return (Stopwatch.GetTimestamp(), polls);
        }
        var wait = TimeSpan.FromMilliseconds(5) - Stopwatch.GetElapsedTime(started);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
    }
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

// The task's result, or null when the deadline came first (or the task failed).
static async Task<T?> Within<T>(Task<T> task, Task deadline) where T : struct
{
    if (await Task.WhenAny(task, deadline) != task || !task.IsCompletedSuccessfully) return null;
    return task.Result;
}

/// <summary>The last state pushed over the hub, and waiters for conditions on the next pushes.</summary>
internal sealed class HubWatch(Topology topology, IReadOnlyList<Finding> findings)
{
    private readonly Lock _lock = new();
    private readonly List<(Func<Topology, bool> When, TaskCompletionSource<(long, Topology)> Done)> _topologyWaiters = [];
    private readonly List<(Func<IReadOnlyList<Finding>, bool> When, TaskCompletionSource<(long, IReadOnlyList<Finding>)> Done)> _findingsWaiters = [];
    private Topology _topology = topology;
    private IReadOnlyList<Finding> _findings = findings;
    private string _closed = "";

    public int TopologyCount { get; private set; }
    public int FindingsCount { get; private set; }
    public int LargestTopologyNamespaces { get; private set; }
    public string ClosedReason => _closed;

    /// <summary>Completes at the first push, after this call, that satisfies the condition.</summary>
    public TaskCompletionSource<(long At, Topology Value)> WaitTopology(Func<Topology, bool> when)
    {
        var tcs = new TaskCompletionSource<(long, Topology)>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) _topologyWaiters.Add((when, tcs));
        return tcs;
    }

    public TaskCompletionSource<(long At, IReadOnlyList<Finding> Value)> WaitFindings(Func<IReadOnlyList<Finding>, bool> when)
    {
        var tcs = new TaskCompletionSource<(long, IReadOnlyList<Finding>)>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) _findingsWaiters.Add((when, tcs));
        return tcs;
    }

    public void OnTopology(Topology t, long at)
    {
        lock (_lock)
        {
            _topology = t;
            TopologyCount++;
            LargestTopologyNamespaces = Math.Max(LargestTopologyNamespaces, t.Namespaces.Count);
            _topologyWaiters.RemoveAll(w => w.When(t) && w.Done.TrySetResult((at, t)));
        }
    }

    public void OnFindings(IReadOnlyList<Finding> f, long at)
    {
        lock (_lock)
        {
            _findings = f;
            FindingsCount++;
            _findingsWaiters.RemoveAll(w => w.When(f) && w.Done.TrySetResult((at, f)));
        }
    }

    public void Closed(Exception? e)
    {
        lock (_lock) _closed = $"; the hub connection closed: {e?.Message ?? "by the server"}";
    }
}

internal static class Native
{
    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int stat(string path, byte[] buffer);

    /// <summary>st_ino (offset 8 in struct stat on x86_64 and aarch64), following links: the namespace id of /run/netns/NAME.</summary>
    public static ulong Inode(string path)
    {
        var buffer = new byte[256];
        if (stat(path, buffer) != 0) throw new IOException($"stat {path}: errno {Marshal.GetLastPInvokeError()}");
        return BitConverter.ToUInt64(buffer, 8);
    }
}

internal sealed record Options(string Url, string Token, string Prefix, int Rounds, int Warmup, double TimeoutSeconds, int Seed, string? Out, string? RoundsOut, bool Verbose, double ListenSeconds)
{
    public static Options? Parse(string[] args)
    {
        string? url = null, token = Environment.GetEnvironmentVariable("NDB_TOKEN"), prefix = null, output = null, roundsOut = null;
        int rounds = 40, warmup = 2, seed = Random.Shared.Next();
        double timeout = 5, listen = 0;
        bool verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--url": url = Next().TrimEnd('/'); break;
                case "--token": token = Next(); break;
                case "--prefix": prefix = Next(); break;
                case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--timeout": timeout = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": output = Next(); break;
                case "--rounds-out": roundsOut = Next(); break;
                case "--listen": listen = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "-v" or "--verbose": verbose = true; break;
                default:
                    Console.Error.WriteLine($"[latency] unknown argument {args[i]}");
                    return null;
            }
        }
        if (url is null || string.IsNullOrEmpty(token) || prefix is null || rounds < 1 || warmup < 0 || timeout <= 0)
        {
            Console.Error.WriteLine("usage: NDB_TOKEN=<token> Dashboard.Bench.Latency --url http://127.0.0.1:PORT --prefix ndb-RUN-pod [--rounds 40] [--warmup 2] [--timeout 5] [--seed N] [--out FILE.tsv] [--rounds-out FILE.tsv] [-v]\n       or: ... --listen SECONDS (only listen: one line per push, \"<time> T|F\")");
            return null;
        }
        return new Options(url, token, prefix, rounds, warmup, timeout, seed, output, roundsOut, verbose, listen);
    }
}
