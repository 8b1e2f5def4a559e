using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dashboard.Server.Analysis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Processes;
using Dashboard.Shared;
using Endpoint = Dashboard.Server.Analysis.Endpoint;

namespace Dashboard.Server.Diagnosis;

/// <summary>What the walk found.</summary>
internal sealed record WalkResult(
    string Verdict,
    DiagnosisRootCause? RootCause,
    IReadOnlyList<DiagnosisStep> Steps,
    IReadOnlyList<DiagnosisHop> Path,
    IReadOnlyList<string> Warnings);

/// <summary>Which optional programs are there to run.</summary>
internal sealed record DiagnosisTools(bool Nft, bool IptablesSave, bool Tcpdump, bool Ethtool)
{
    public static readonly DiagnosisTools All = new(true, true, true, true);

    public static DiagnosisTools Detect() => new(
        Executables.Find("nft") is not null,
        Executables.Find("iptables-save") is not null,
        Executables.Find("tcpdump") is not null,
        Executables.Find("ethtool") is not null);
}

/// <summary>
/// Walks the seed's "Packet Transmission" steps from a source namespace to a destination address, on one
/// fresh <see cref="Topology"/> and the commands a person would run (through <see cref="ICommandRunner"/>):
/// source and lo; `ip route get` in each namespace the packet passes; the egress interface; across the
/// veth (ethtool's peer_ifindex), the peer, the MTUs; on the far side local delivery, a bridge and the
/// destination's port and pod side, or forwarding and the next hop (up to <see cref="MaxHops"/>); the
/// return route; nftables in every namespace on the path; the real ping (and a large one with DF when the
/// MTUs differ); the neighbour entries; and, when ping fails for a reason the walk did not find, a short
/// tcpdump on every interface of the path. Independent commands run in parallel; steps are handed to
/// <c>onStep</c> in walk order as soon as their evidence is in. Decisions are made on the topology and
/// the commands' output only: given the same, the walk gives the same steps.
/// </summary>
internal sealed partial class DiagnosisWalk
{
    public const int MaxHops = 8;
    private const int MaxOutput = 8000;
    private static readonly TimeSpan QuickTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(6);
    private const double CaptureSeconds = 1.5;

    private readonly Topology _topology;
    private readonly TopologyIndex _index;
    private readonly IReadOnlyList<Finding> _findings;
    private readonly NetworkNamespace _source;
    private readonly IPAddress _destination;
    private readonly NamespaceExec _exec;
    private readonly ICommandRunner _runner;
    private readonly DiagnosisTools _tools;
    private readonly Func<DiagnosisStep, Task> _onStep;
    private readonly TimeProvider _time;
    private readonly CancellationToken _cancellationToken;

    private readonly List<DiagnosisStep> _steps = [];
    private readonly List<DiagnosisHop> _path = [];
    private readonly List<string> _warnings = [];
    private readonly List<(NetworkNamespace Ns, Task<ProcessResult> Json, Task<ProcessResult> Text, List<(FirewallPacket Packet, Endpoint? On)> Packets)> _firewalls = [];
    private readonly List<(NetworkNamespace Ns, string Device, string NextHop)> _neighbours = [];
    private readonly List<(NetworkNamespace Ns, string Interface)> _captureAt = [];
    private readonly Dictionary<string, Task<ProcessResult>> _started = [];
    private Task<(CommandLine, ProcessResult)>? _largePing;
    private int _largePingSize;
    private IPAddress? _sourceAddress;

    public DiagnosisWalk(Topology topology, IReadOnlyList<Finding> findings, NetworkNamespace source, IPAddress destination,
        NamespaceExec exec, ICommandRunner runner, DiagnosisTools tools, Func<DiagnosisStep, Task> onStep, TimeProvider time,
        CancellationToken cancellationToken)
    {
        _topology = topology;
        _index = new TopologyIndex(topology);
        _findings = findings;
        _source = source;
        _destination = destination;
        _exec = exec;
        _runner = runner;
        _tools = tools;
        _onStep = onStep;
        _time = time;
        _cancellationToken = cancellationToken;
    }

    private bool V6 => _destination.AddressFamily == AddressFamily.InterNetworkV6;

    private string Dst => _destination.ToString();

    public async Task<WalkResult> RunAsync()
    {
        PingResult? ping = null;
        try
        {
            ping = await WalkAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException || !_cancellationToken.IsCancellationRequested)
        {
            await Emit(new DiagnosisStep("internal", StepStatus.Warn, $"The walk stopped early: {e.Message}", null, null));
            _warnings.Add($"The walk stopped early ({e.GetType().Name}): {e.Message}");
        }

        var reachable = ping?.Answered == true;
        var verdict = reachable ? Verdicts.Reachable : Verdicts.Unreachable;
        var failing = _steps.FirstOrDefault(s => s.Status == StepStatus.Fail && s.Rule is not null);
        DiagnosisRootCause? rootCause = null;
        if (!reachable && failing is not null)
            rootCause = new DiagnosisRootCause(failing.Rule!, failing.NamespaceId, failing.NamespaceName, failing.Interface, failing.Fix)
            {
                Step = failing.Name,
                Detail = failing.Detail,
            };
        if (reachable && failing is not null)
            _warnings.Add($"ping was answered although step {failing.Name} failed ({failing.Rule}): {failing.Detail}");
        if (!reachable && failing is null && ping is not null)
            _warnings.Add("No step of the walk explains why ping failed" + (_steps.Any(s => s.Name == "capture" && s.Status != StepStatus.Skip) ? "; see the capture steps for where the packets were last seen." : "."));
        // One line per problem that does not stop small pings: the first step that warned of it.
        foreach (var warn in _steps.Where(s => s.Status == StepStatus.Warn && s.Rule is not null && s.Rule != failing?.Rule).DistinctBy(s => s.Rule))
            _warnings.Add($"{warn.Rule} on {warn.NamespaceName}{(warn.Interface is null ? "" : "/" + warn.Interface)}: {warn.Detail}");
        return new WalkResult(verdict, rootCause, [.. _steps], [.. _path], _warnings.Distinct().ToList());
    }

    private async Task<PingResult?> WalkAsync()
    {
        var src = _source;
        await Emit(Step("source", StepStatus.Pass,
            $"{src.DisplayName} ({src.Id}) exists: {src.Interfaces.Count} interfaces ({string.Join(", ", src.Interfaces.Select(i => i.Name))})",
            null, null, ns: src));

        // The real test runs meanwhile: it is the slowest part.
        var pingCommand = _exec.Exec(src, "ping", PingArguments(count: 3));
        var pingTask = Start(pingCommand, PingTimeout);
        _ = Start(_exec.Ip(src, "route", "get", Dst), QuickTimeout);

        var ownsDestination = Owners(src).ToList();
        await CheckLoopback(src, ownsDestination.Count > 0);

        await FollowPath();

        await CheckFirewalls();

        if (_largePing is not null)
        {
            var (command, result) = await _largePing;
            var large = PingResult.Parse(result.ExitCode, result.Stdout, result.Stderr);
            await Emit(Step("ping-large", large.Answered ? StepStatus.Pass : StepStatus.Warn,
                large.Answered
                    ? $"A {_largePingSize}-byte ping with don't-fragment was answered: the MTUs on the path let full-size packets through"
                    : $"A {_largePingSize}-byte ping with don't-fragment was not answered ({large.Error ?? $"{large.Received}/{large.Transmitted} received"}): full-size packets are lost on this path, small ones are not",
                command, result, ns: src, rule: large.Answered ? null : FindingRules.MtuMismatch));
        }

        var ping = await EmitPing(again: false, pingCommand, await pingTask);

        await CheckNeighbours();

        var failing = _steps.Any(s => s.Status == StepStatus.Fail && s.Rule is not null);
        if (ping.Answered || failing) return ping;
        // Nothing explains the loss: ping once more, with tcpdump on the path. A path that has just come
        // up (a link set up a moment ago, its carrier or a neighbour still on the way) answers now.
        var again = await PingAgain();
        if (!again.Answered) return ping;
        _warnings.Add($"The first ping got no answer, the second ({again.Received} of {again.Transmitted} answered) did: "
            + "the path came up while the diagnosis ran (a link just set up, its carrier or an ARP/NDP answer still on the way) "
            + "or it loses packets now and then. Run the diagnosis again to see it stay up.");
        return again;
    }

    // ---- source -------------------------------------------------------------------------------

    private async Task CheckLoopback(NetworkNamespace src, bool destinationIsLocal)
    {
        var lo = src.Interfaces.FirstOrDefault(i => i.Kind == InterfaceKinds.Loopback);
        if (lo is null)
        {
            await Emit(Step("loopback", StepStatus.Skip, $"{src.DisplayName} has no loopback interface", null, null, ns: src));
            return;
        }
        var command = _exec.Ip(src, "link", "show", "dev", lo.Name);
        var result = await Run(command, QuickTimeout);
        var e = new Endpoint(src, lo);
        if (TopologyIndex.IsDown(lo))
        {
            var fix = FindingFix(FindingRules.LoopbackDown, e) ?? [Commands.LinkUp(src, lo.Name)];
            await Emit(Step("loopback", destinationIsLocal ? StepStatus.Fail : StepStatus.Warn,
                $"{lo.Name} is DOWN in {src.DisplayName} (operstate {lo.OperState}{(lo.AdminUp ? "" : ", IFF_UP not set")})"
                + (destinationIsLocal ? $": {Dst} is an address of {src.DisplayName} itself and cannot be reached" : ": local traffic fails; pings to other namespaces do not need it"),
                command, result, on: e, rule: FindingRules.LoopbackDown, fix: fix));
        }
        else
        {
            await Emit(Step("loopback", StepStatus.Pass, $"{lo.Name} is up in {src.DisplayName}", command, result, on: e));
        }
    }
}
