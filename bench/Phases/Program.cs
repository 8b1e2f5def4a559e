// Times each phase of one discovery, the way TopologyDiscovery runs them, over the namespaces
// that exist now (run it while bench/run.sh holds its fixture: BENCH_PHASES=1 bench/run.sh 250).
//
//   dotnet bench/Phases/bin/Release/net10.0/Dashboard.Bench.dll [rounds]
//
// Phases: enumerate (bind mounts + /proc scan) · open (fd + socket through the NamespaceHopper, one
// trip for all namespaces) · the four dumps (links, addresses, routes, neighbours) · peers (RTM_GETNSID
// round trips) · owners · the whole Discover() · JSON of its answer, as the API writes it.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Dashboard.Server.Discovery;
using Dashboard.Server.Netlink;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 31;
var options = new DiscoveryOptions();
var json = new JsonOptions().SerializerOptions; // ASP.NET Core's web defaults (camelCase), as the API
json.TypeInfoResolverChain.Insert(0, Dashboard.Shared.WireJsonContext.Default);
using var discovery = new TopologyDiscovery(Options.Create(options), NullLogger<TopologyDiscovery>.Instance, TimeProvider.System);
using var hopper = new NamespaceHopper();

var samples = new Dictionary<string, List<double>>();
void Add(string phase, double ms)
{
    if (!samples.TryGetValue(phase, out var list)) samples[phase] = list = [];
    list.Add(ms);
}
double Time(Action a)
{
    long t = Stopwatch.GetTimestamp();
    a();
    return Stopwatch.GetElapsedTime(t).TotalMilliseconds;
}

int namespaces = 0, links = 0;
long jsonBytes = 0;
for (int round = -5; round < rounds; round++) // 5 warm-up rounds
{
    bool keep = round >= 0;
    var warnings = new List<string>();
    NamespaceEnumerator enumerator = null!;
    Dictionary<ulong, NamespaceCandidate> found = null!;
    double tEnum = Time(() => { enumerator = new NamespaceEnumerator(options); found = enumerator.Enumerate(warnings); });

    // Open an fd for each namespace (not timed: part of "open" in the server, but tiny).
    var reads = new List<NamespaceRead>();
    foreach (var c in found.Values)
    {
        int fd = NamespaceFiles.TryOpen(c, out _);
        if (fd >= 0) reads.Add(new NamespaceRead(c, fd));
    }

    // Sockets through the hopper: one trip for all namespaces, as TopologyDiscovery does.
    double tHop = Time(() =>
    {
        var sockets = hopper.RunInEach(reads.Select(r => r.Fd).ToArray(), NetlinkSocket.Open);
        for (int i = 0; i < reads.Count; i++) reads[i].Client = new RtnlClient(sockets[i].Value!);
    });

    List<LinkMessage>[] l = new List<LinkMessage>[reads.Count];
    List<AddressMessage>[] a = new List<AddressMessage>[reads.Count];
    List<RouteMessage>[] rt = new List<RouteMessage>[reads.Count];
    List<NeighbourMessage>[] n = new List<NeighbourMessage>[reads.Count];
    double tLinks = Time(() => { for (int i = 0; i < reads.Count; i++) l[i] = reads[i].Client!.GetLinks(); });
    double tAddrs = Time(() => { for (int i = 0; i < reads.Count; i++) a[i] = reads[i].Client!.GetAddresses(); });
    double tRoutes = Time(() => { for (int i = 0; i < reads.Count; i++) rt[i] = reads[i].Client!.GetRoutes(); });
    double tNeigh = Time(() => { for (int i = 0; i < reads.Count; i++) n[i] = reads[i].Client!.GetNeighbours(); });
    var snapshots = reads.Select((r, i) => new NamespaceSnapshot(r.Candidate, l[i], a[i], rt[i], n[i])).ToList();
    var open = reads.ToDictionary(r => r.Candidate.Inode, r => r.Client!);
    double tPeers = Time(() => new PeerResolver(snapshots, new NsidCache(hopper)).Resolve(open));
    double tOwners = Time(() =>
    {
        var cni = CniResultCache.Read(options.CniResultsDirectory, warnings);
        new OwnerResolver(options, hopper, enumerator.RootInode, cni).Resolve(found.Values.ToList());
    });
    double tClose = Time(() => { foreach (var r in reads) r.Dispose(); });

    long allocBefore = GC.GetTotalAllocatedBytes(precise: true);
    int gcBefore = GC.CollectionCount(0);
    Dashboard.Shared.Topology topology = null!;
    double tDiscover = Time(() => topology = discovery.Discover());
    long alloc = GC.GetTotalAllocatedBytes(precise: true) - allocBefore;
    int gcs = GC.CollectionCount(0) - gcBefore;
    byte[] bytes = [];
    double tJson = Time(() => bytes = JsonSerializer.SerializeToUtf8Bytes(topology, json));

    if (!keep) continue;
    namespaces = topology.Namespaces.Count;
    links = topology.Links.Count;
    jsonBytes = bytes.Length;
    Add("enumerate (bind mounts + /proc scan)", tEnum);
    Add("open sockets via NamespaceHopper (one trip)", tHop);
    Add("dump links", tLinks);
    Add("dump addresses", tAddrs);
    Add("dump routes", tRoutes);
    Add("dump neighbours (v4 and v6 in one dump)", tNeigh);
    Add("peers (RTM_GETNSID round trips)", tPeers);
    Add("owners (CNI cache, /proc cmdlines)", tOwners);
    Add("close sockets and fds", tClose);
    Add("── whole Discover() (parallel, as the server)", tDiscover);
    Add("── JSON of the answer (as the API writes it)", tJson);
    Add("   MB allocated by one Discover()", alloc / 1048576.0);
    Add("   gen0 GCs during one Discover()", gcs);
}

Console.WriteLine($"Phases of discovery: {namespaces} namespaces, {links} veth links, answer {jsonBytes / 1024} KB, {rounds} rounds after 5 warm-up, median / p90 / min");
Console.WriteLine();
Console.WriteLine($"| {"phase",-55} | {"median",8} | {"p90",8} | {"min",8} |");
Console.WriteLine($"|{new string('-', 57)}|{new string('-', 9)}:|{new string('-', 9)}:|{new string('-', 9)}:|");
foreach (var (phase, list) in samples)
{
    list.Sort();
    double median = list[(list.Count - 1) / 2], p90 = list[(int)Math.Ceiling(0.9 * list.Count) - 1], min = list[0];
    string unit = phase.Contains("MB", StringComparison.Ordinal) || phase.Contains("GCs", StringComparison.Ordinal) ? "" : " ms";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {phase,-55} | {median,5:F1}{unit,3} | {p90,5:F1}{unit,3} | {min,5:F1}{unit,3} |"));
}
