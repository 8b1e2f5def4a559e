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
        HostHealth.FindOnPath("nft") is not null,
        HostHealth.FindOnPath("iptables-save") is not null,
        HostHealth.FindOnPath("tcpdump") is not null,
        HostHealth.FindOnPath("ethtool") is not null);
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
internal sealed class DiagnosisWalk
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
            _warnings.Add("No step of the walk explains why ping failed" + (_steps.Any(s => s.Name == "capture") ? "; see the capture steps for where the packets were last seen." : "."));
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

        var pingResult = await pingTask;
        var ping = PingResult.Parse(pingResult.ExitCode, pingResult.Stdout, pingResult.Stderr);
        await Emit(Step("ping", ping.Answered ? StepStatus.Pass : StepStatus.Fail,
            ping.Answered
                ? $"{ping.Received} of {ping.Transmitted} echo requests to {Dst} answered"
                : $"No answer from {Dst}: {ping.Error ?? $"{ping.Received} of {ping.Transmitted} received"}",
            pingCommand, pingResult, ns: src));

        await CheckNeighbours();

        var failing = _steps.Any(s => s.Status == StepStatus.Fail && s.Rule is not null);
        if (!ping.Answered && !failing)
            await Capture();
        return ping;
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

    // ---- the path -----------------------------------------------------------------------------

    private async Task FollowPath()
    {
        var ns = _source;
        Endpoint? ingress = null;
        Endpoint? previousEgress = null;
        var visited = new HashSet<(string, string?)>();
        for (int hop = 0; ; hop++)
        {
            if (hop >= MaxHops)
            {
                await Emit(Step("hop-limit", StepStatus.Warn, $"Stopped following the path after {MaxHops} namespaces", null, null, ns: ns));
                return;
            }
            if (!visited.Add((ns.Id, ingress?.Name)))
            {
                await Emit(Step("routing-loop", StepStatus.Fail, $"The packet comes back to {ns.DisplayName}{(ingress is null ? "" : $" by {ingress.Name}")}: a routing loop", null, null, ns: ns));
                return;
            }
            bool isSource = ReferenceEquals(ns, _source);
            if (ingress is not null) _captureAt.Add((ns, ingress.Name));
            var routeCommand = _exec.Ip(ns, "route", "get", Dst);
            var routeResult = await Run(routeCommand, QuickTimeout);
            var route = RouteGetResult.Parse(routeResult.ExitCode, routeResult.Stdout, routeResult.Stderr);
            if (isSource && route.Source is { } s && IPAddress.TryParse(s, out var sourceAddress)) _sourceAddress = sourceAddress;

            if (!route.Routed)
            {
                if (IsGone(routeResult))
                {
                    await NamespaceGone("route-lookup", ns, routeCommand, routeResult);
                    return;
                }
                var cause = ExplainNoRoute(ns, _destination, ingress, previousEgress, route);
                await Emit(Step("route-lookup", StepStatus.Fail,
                    $"{ns.DisplayName} has no usable route to {Dst}: {route.Error ?? $"{route.Kind} route"}. {cause.Detail}",
                    routeCommand, routeResult, on: cause.On, ns: ns, rule: cause.Rule, fix: cause.Fix));
                AddHop(isSource ? HopKinds.Source : HopKinds.Router, ns, ingress, null);
                return;
            }

            if (route.IsLocal)
            {
                await Emit(Step("route-lookup", StepStatus.Pass, $"{Dst} is local in {ns.DisplayName} (table {route.Table ?? "local"})", routeCommand, routeResult, ns: ns));
                await Delivered(ns, ingress, previousEgress);
                return;
            }

            Prefetch(ns, route.Device!);
            await Emit(Step("route-lookup", StepStatus.Pass,
                $"{Dst} {(route.Via is null ? "" : $"via {route.Via} ")}dev {route.Device}{(route.Source is null ? "" : $" src {route.Source}")}{CrossCheck(ns, route)}",
                routeCommand, routeResult, ns: ns));

            if (!isSource) await CheckForwarding(ns);

            var egress = Find(ns, route.Device!);
            if (egress is null)
            {
                await Emit(Step("egress-interface", StepStatus.Warn, $"{route.Device} is not in the topology read at the start (it came or went meanwhile)", null, null, ns: ns));
                return;
            }
            AddHop(isSource ? HopKinds.Source : HopKinds.Router, ns, ingress, egress);
            AddFirewall(ns, isSource
                ? [(Packet(FirewallPacket.LocalOut, false, null, egress.Name), egress), (Packet(FirewallPacket.LocalIn, true, egress.Name, null), egress)]
                : [(Packet(FirewallPacket.Forward, false, ingress?.Name, egress.Name), ingress), (Packet(FirewallPacket.Forward, true, egress.Name, ingress?.Name), egress)]);
            _captureAt.Add((ns, egress.Name));
            _neighbours.Add((ns, egress.Name, route.NextHop ?? Dst));
            await CheckEgress(egress, route);

            var nextHop = route.NextHop ?? Dst;
            Endpoint? arrival;
            if (TopologyIndex.IsVeth(egress.Interface))
            {
                var peer = await CrossVeth(egress);
                if (peer is null) return;
                arrival = peer;
                if (_index.Bridge(peer) is { } bridge)
                {
                    arrival = await ThroughBridge(bridge, peer, nextHop);
                    if (arrival is null) return;
                }
            }
            else if (TopologyIndex.IsBridge(egress.Interface))
            {
                arrival = await ThroughBridge(egress, null, nextHop);
                if (arrival is null) return;
            }
            else
            {
                await Emit(Step("leaves-node", StepStatus.Warn,
                    $"The packet leaves {ns.DisplayName} by {egress.Name} ({egress.Interface.LinkKind ?? egress.Interface.Kind}), which is not a veth or a bridge: the walk cannot follow it further; ping says whether it arrives",
                    null, null, on: egress));
                _path.Add(new DiagnosisHop(HopKinds.Exit, ns.Id, ns.DisplayName, egress.Name, null));
                return;
            }
            previousEgress = egress;
            ns = arrival.Namespace;
            ingress = arrival;
        }
    }

    /// <summary>Across a veth: ethtool's peer_ifindex, the peer found in its namespace, the peer up, the MTUs. Null when the walk cannot go on.</summary>
    private async Task<Endpoint?> CrossVeth(Endpoint egress)
    {
        var ns = egress.Namespace;
        CommandLine? ethtool = null;
        ProcessResult? ethtoolResult = null;
        int? peerIndex = null;
        if (_tools.Ethtool && NamespaceExec.SafeInterface(egress.Name))
        {
            ethtool = _exec.Exec(ns, "ethtool", "-S", egress.Name);
            ethtoolResult = await Run(ethtool, QuickTimeout);
            if (ethtoolResult.Succeeded && EthtoolStats.Parse(ethtoolResult.Stdout).TryGetValue("peer_ifindex", out var p)) peerIndex = (int)p;
        }
        var peer = _index.Peer(egress);
        var evidence = peerIndex is { } pi ? $"ethtool -S {egress.Name}: peer_ifindex {pi}" : $"IFLA_LINK: peer ifindex {egress.Interface.Peer?.Ifindex.ToString(CultureInfo.InvariantCulture) ?? "none"}";
        if (peer is null)
        {
            var fix = FindingFix(FindingRules.PeerMissing, egress) ?? [];
            var where = egress.Interface.Peer?.NamespaceId is { } pid ? $"namespace {pid} has no veth with that ifindex" : "its namespace cannot be found or read";
            await Emit(Step("veth-peer", StepStatus.Fail, $"{evidence}; {where}: the other end of {egress.Name} is missing", ethtool, ethtoolResult,
                on: egress, rule: FindingRules.PeerMissing, fix: fix));
            return null;
        }
        var mismatch = peerIndex is { } index && index != peer.Interface.Ifindex ? $" (ethtool says {index}, the kernel's link attributes {peer.Interface.Ifindex})" : "";
        await Emit(Step("veth-peer", StepStatus.Pass,
            $"{evidence}: the peer is {peer.Name} (ifindex {peer.Interface.Ifindex}) in {peer.Namespace.DisplayName} ({peer.Namespace.Id}){mismatch}",
            ethtool, ethtoolResult, on: egress));

        var peerCommand = _exec.Ip(peer.Namespace, "addr", "show", "dev", peer.Name);
        var peerResult = await Run(peerCommand, QuickTimeout);
        await CheckInterfaceUp("peer-up", peer, peerCommand, peerResult, egress);

        var (a, b) = (egress.Interface.Mtu, peer.Interface.Mtu);
        if (a == b)
        {
            await Emit(Step("mtu", StepStatus.Pass, $"{egress.Name} and {peer.Name} both have MTU {a}", null, null, on: egress));
        }
        else
        {
            var finding = _findings.FirstOrDefault(f => f.Rule == FindingRules.MtuMismatch && IsOn(f, egress))
                ?? _findings.FirstOrDefault(f => f.Rule == FindingRules.MtuMismatch && IsOn(f, peer));
            var change = finding is not null && IsOn(finding, peer) ? peer : egress;
            var fix = finding?.Fix ?? [Commands.Mtu(change.Namespace, change.Name, Math.Min(a, b))];
            await Emit(Step("mtu", StepStatus.Warn,
                $"{egress.Name} has MTU {a}, its peer {peer.Label} {b}: packets larger than {Math.Min(a, b)} bytes are dropped; small pings pass",
                null, null, on: change, rule: FindingRules.MtuMismatch, fix: fix));
            StartLargePing(Math.Max(a, b));
        }
        return peer;
    }

    /// <summary>
    /// In a bridge's namespace: the bridge up; the next hop either the bridge itself (routed on from its
    /// namespace) or the pod side of another port, whose port and pod side must be up. Returns where the
    /// packet arrives (the bridge, or the pod side), or null when the walk cannot go on.
    /// </summary>
    private async Task<Endpoint?> ThroughBridge(Endpoint bridge, Endpoint? port, string nextHop)
    {
        var ns = bridge.Namespace;
        if (port is not null)
        {
            var bridgeCommand = _exec.Ip(ns, "link", "show", "dev", bridge.Name);
            var bridgeResult = await Run(bridgeCommand, QuickTimeout);
            await CheckInterfaceUp("bridge", bridge, bridgeCommand, bridgeResult, null);
        }
        var nextHopAddress = IPAddress.TryParse(nextHop, out var a) ? a : null;
        if (nextHopAddress is not null && Owns(bridge.Interface, nextHopAddress))
        {
            _path.Add(new DiagnosisHop(HopKinds.Bridge, ns.Id, ns.DisplayName, port?.Name, bridge.Name));
            if (port is not null) AddFirewall(ns, []);
            return bridge;
        }
        var segment = _index.Segment(bridge);
        var candidates = (segment?.Members ?? [])
            .Where(m => port is null || !ReferenceEquals(m, port))
            .Select(m => (Port: m, Far: _index.Peer(m)))
            .Where(x => x.Far is not null && nextHopAddress is not null && Owns(x.Far.Interface, nextHopAddress))
            .ToList();
        var bridgeStepCommand = _exec.Exec(ns, "bridge", "link", "show");
        if (candidates.Count == 0)
        {
            _path.Add(new DiagnosisHop(HopKinds.Bridge, ns.Id, ns.DisplayName, port?.Name, null));
            var result = await Run(bridgeStepCommand, QuickTimeout);
            await Emit(Step("bridge-port", StepStatus.Fail,
                $"No port of {bridge.Name} leads to an interface with {nextHop} ({segment?.Members.Count ?? 0} ports: {string.Join(", ", (segment?.Members ?? []).Select(m => m.Name))}): nobody on the bridge answers ARP for it",
                bridgeStepCommand, result, on: bridge));
            return null;
        }
        if (candidates.Count > 1)
        {
            var dup = candidates.Select(c => c.Far!).Select(f => _findings.FirstOrDefault(x => x.Rule == FindingRules.DuplicateAddress && IsOn(x, f))).OfType<Finding>().FirstOrDefault();
            await Emit(Step("duplicate-address", StepStatus.Warn,
                $"{nextHop} is on {string.Join(" and ", candidates.Select(c => c.Far!.Label))}, all behind {bridge.Name}: ARP answers may come from either",
                null, null, on: dup is null ? candidates[1].Far : Find(dup), rule: FindingRules.DuplicateAddress, fix: dup?.Fix ?? []));
        }
        var (member, far) = (candidates[0].Port, candidates[0].Far!);
        _path.Add(new DiagnosisHop(HopKinds.Bridge, ns.Id, ns.DisplayName, port?.Name ?? bridge.Name, member.Name));
        if (port is not null)
        {
            AddFirewall(ns, [(Packet(FirewallPacket.Bridged, false, port.Name, member.Name), member), (Packet(FirewallPacket.Bridged, true, member.Name, port.Name), member)]);
            _captureAt.Add((ns, port.Name));
        }
        _captureAt.Add((ns, member.Name));
        var memberCommand = _exec.Ip(ns, "link", "show", "dev", member.Name);
        var memberResult = await Run(memberCommand, QuickTimeout);
        await CheckInterfaceUp("bridge-port", member, memberCommand, memberResult, null, $"the port of {bridge.Name} that leads to {far.Label}");

        var farCommand = _exec.Ip(far.Namespace, "addr", "show", "dev", far.Name);
        var farResult = await Run(farCommand, QuickTimeout);
        await CheckInterfaceUp("far-end", far, farCommand, farResult, member, $"the other end of {member.Name}, which has {nextHop}");
        await CheckSegmentMtu(bridge, port, member, far);
        return far;
    }

    /// <summary>
    /// Across a bridge every hop must carry the same frames: the port the packet enters by, the bridge, the
    /// port it leaves by and that port's pod side. The first that differs is a warning with the failure-mode
    /// table's fix (a port takes its bridge's MTU, a pod side its port's).
    /// </summary>
    private async Task CheckSegmentMtu(Endpoint bridge, Endpoint? port, Endpoint member, Endpoint far)
    {
        var mtu = bridge.Interface.Mtu;
        var odd = new[] { port, member }.OfType<Endpoint>().FirstOrDefault(p => p.Interface.Mtu != mtu)
            ?? (far.Interface.Mtu != member.Interface.Mtu ? far : null);
        if (odd is null)
        {
            await Emit(Step("mtu", StepStatus.Pass, $"{bridge.Name}, its ports {string.Join(" and ", new[] { port, member }.OfType<Endpoint>().Select(p => p.Name))} and {far.Label} all have MTU {mtu}", null, null, on: bridge));
            return;
        }
        var reference = ReferenceEquals(odd, far) ? member : bridge;
        var finding = _findings.FirstOrDefault(f => f.Rule == FindingRules.MtuMismatch && IsOn(f, odd));
        await Emit(Step("mtu", StepStatus.Warn,
            $"{odd.Label} has MTU {odd.Interface.Mtu}, {reference.Label} {reference.Interface.Mtu}: packets larger than {Math.Min(odd.Interface.Mtu, reference.Interface.Mtu)} bytes are dropped; small pings pass",
            null, null, on: odd, rule: FindingRules.MtuMismatch, fix: finding?.Fix ?? [Commands.Mtu(odd.Namespace, odd.Name, reference.Interface.Mtu)]));
        StartLargePing(Math.Max(odd.Interface.Mtu, reference.Interface.Mtu));
    }

    /// <summary>The destination is local in <paramref name="ns"/>: who owns it, and the way back.</summary>
    private async Task Delivered(NetworkNamespace ns, Endpoint? ingress, Endpoint? previousEgress)
    {
        var owners = Owners(ns).ToList();
        var kind = ReferenceEquals(ns, _source) ? HopKinds.Source : HopKinds.Destination;
        _path.Add(new DiagnosisHop(HopKinds.Destination, ns.Id, ns.DisplayName, ingress?.Name ?? owners.FirstOrDefault()?.Name, null));
        if (kind == HopKinds.Destination)
        {
            AddFirewall(ns, [(Packet(FirewallPacket.LocalIn, false, ingress?.Name, null), ingress), (Packet(FirewallPacket.LocalOut, true, null, ingress?.Name), ingress)]);
            if (ingress is not null) _captureAt.Add((ns, ingress.Name));
        }
        var command = _exec.Ip(ns, "addr", "show", "to", Dst);
        var result = await Run(command, QuickTimeout);
        var owner = owners.FirstOrDefault();
        if (owner is null)
        {
            await Emit(Step("destination", StepStatus.Pass, $"{Dst} is delivered locally in {ns.DisplayName}", command, result, ns: ns));
        }
        else if (TopologyIndex.IsDown(owner.Interface) && !TopologyIndex.IsLoopback(owner.Interface))
        {
            await CheckInterfaceUp("destination", owner, command, result, null, $"it owns {Dst}");
        }
        else
        {
            await Emit(Step("destination", StepStatus.Pass,
                $"{Dst} is {owner.Name}'s address in {ns.DisplayName}{(ingress is null || ingress.Name == owner.Name ? "" : $" (the packet arrives by {ingress.Name})")}: delivered locally",
                command, result, on: owner));
        }
        if (kind == HopKinds.Destination && _sourceAddress is not null)
            await CheckReturnRoute(ns, ingress, previousEgress);
    }

    /// <summary>The reply's way back: `ip route get SOURCE` in the destination's namespace.</summary>
    private async Task CheckReturnRoute(NetworkNamespace ns, Endpoint? ingress, Endpoint? previousEgress)
    {
        var back = _sourceAddress!;
        var command = _exec.Ip(ns, "route", "get", back.ToString());
        var result = await Run(command, QuickTimeout);
        var route = RouteGetResult.Parse(result.ExitCode, result.Stdout, result.Stderr);
        if (route.Routed)
        {
            var asymmetric = ingress is not null && route.Device != ingress.Name && !route.IsLocal
                ? $"; the reply leaves by {route.Device}, not by {ingress.Name} where the request came in (reverse-path filtering may drop it)"
                : "";
            await Emit(Step("return-route", StepStatus.Pass,
                $"The reply to {back} goes {(route.Via is null ? "" : $"via {route.Via} ")}dev {route.Device}{asymmetric}", command, result, ns: ns));
            return;
        }
        if (IsGone(result))
        {
            await NamespaceGone("return-route", ns, command, result);
            return;
        }
        var cause = ExplainNoRoute(ns, back, ingress, previousEgress, route);
        await Emit(Step("return-route", StepStatus.Fail,
            $"{ns.DisplayName} has no route back to {back}: {route.Error ?? $"{route.Kind} route"}; requests arrive but replies cannot leave. {cause.Detail}",
            command, result, on: cause.On, ns: ns, rule: cause.Rule, fix: cause.Fix));
    }

    private async Task CheckForwarding(NetworkNamespace ns)
    {
        var key = V6 ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward";
        var command = _exec.Exec(ns, "sysctl", "-n", key);
        var result = await Run(command, QuickTimeout);
        var value = SysctlValue.Parse(result.ExitCode, result.Stdout);
        if (value == 1)
        {
            await Emit(Step("forwarding", StepStatus.Pass, $"{ns.DisplayName} forwards packets ({key} = 1)", command, result, ns: ns));
            return;
        }
        if (value is null)
        {
            if (IsGone(result)) await NamespaceGone("forwarding", ns, command, result);
            else await Emit(Step("forwarding", StepStatus.Warn, $"Could not read {key} in {ns.DisplayName}", command, result, ns: ns));
            return;
        }
        await Emit(Step("forwarding", StepStatus.Fail,
            $"{ns.DisplayName} must route {Dst} on, but IP forwarding is off there ({key} = {value}): it drops the packet",
            command, result, ns: ns, rule: DiagnosisRules.ForwardingDisabled,
            fix: [Commands.InNamespace(ns, $"sysctl -w {key}=1")]));
    }

    private async Task CheckEgress(Endpoint egress, RouteGetResult route)
    {
        var command = _exec.Ip(egress.Namespace, "addr", "show", "dev", egress.Name);
        var result = await Run(command, QuickTimeout);
        var i = egress.Interface;
        if (!i.AdminUp || TopologyIndex.OperDown(i))
        {
            await CheckInterfaceUp("egress-interface", egress, command, result, null, "the route's device");
            return;
        }
        string addressing;
        var addresses = Addresses(i).ToList();
        var nextHop = IPAddress.TryParse(route.NextHop, out var nh) ? nh : null;
        var covering = nextHop is null ? null : addresses.FirstOrDefault(a => a.Contains(nextHop));
        if (covering is not null)
            addressing = $"{covering} covers {(route.Via is null ? "the destination" : $"the gateway {route.Via}")}";
        else if (addresses.Count > 0)
            addressing = $"has {string.Join(", ", addresses)}; {route.NextHop} is reached by a link route";
        else
            addressing = "has no address of this family; the route reaches the next hop over the link";
        await Emit(Step("egress-interface", StepStatus.Pass,
            $"{egress.Name} is up (operstate {i.OperState}, MTU {i.Mtu}) and {addressing}", command, result, on: egress));
    }

    /// <summary>
    /// An interface the packet passes: admin down → interface-down on it; no carrier because the other end
    /// (<paramref name="cause"/>, or its veth peer) is admin down → warn (that end is named where it fails);
    /// else no carrier → interface-down.
    /// </summary>
    private async Task CheckInterfaceUp(string name, Endpoint e, CommandLine command, ProcessResult result, Endpoint? cause, string? role = null)
    {
        var i = e.Interface;
        var what = role is null ? e.Label : $"{e.Label} ({role})";
        if (!i.AdminUp)
        {
            await Emit(Step(name, StepStatus.Fail, $"{what} is DOWN: operstate {i.OperState}, IFF_UP not set", command, result,
                on: e, rule: FindingRules.InterfaceDown, fix: FindingFix(FindingRules.InterfaceDown, e) ?? [Commands.LinkUp(e.Namespace, e.Name)]));
            return;
        }
        if (TopologyIndex.OperDown(i))
        {
            var other = cause ?? (TopologyIndex.IsVeth(i) ? _index.Peer(e) : null);
            if (other is not null && !other.Interface.AdminUp)
            {
                await Emit(Step(name, StepStatus.Warn, $"{what} is up but has no carrier (operstate {i.OperState}) because {other.Label} is down", command, result, on: e));
                return;
            }
            if (TopologyIndex.IsBridge(i) && (_index.Segment(e)?.Members ?? []).All(m => TopologyIndex.IsDown(m.Interface)))
            {
                await Emit(Step(name, StepStatus.Warn, $"{what} is up but has no carrier (operstate {i.OperState}): all its ports are down", command, result, on: e));
                return;
            }
            await Emit(Step(name, StepStatus.Fail, $"{what} is {i.OperState}: IFF_UP is set but there is no carrier", command, result,
                on: e, rule: FindingRules.InterfaceDown, fix: FindingFix(FindingRules.InterfaceDown, e) ?? [Commands.LinkDown(e.Namespace, e.Name), Commands.LinkUp(e.Namespace, e.Name)]));
            return;
        }
        await Emit(Step(name, StepStatus.Pass, $"{what} is up (operstate {i.OperState}, MTU {i.Mtu})", command, result, on: e));
    }

    // ---- why there is no route ------------------------------------------------------------------

    private sealed record Cause(string Rule, Endpoint? On, IReadOnlyList<string> Fix, string Detail);

    /// <summary>
    /// The failure-mode rule that explains a failed route lookup to <paramref name="target"/> in
    /// <paramref name="ns"/>, with the fix the failure-mode table gives: the interface with that subnet is
    /// down; the veth that leads there has no address, or one of another subnet; a blocking route; else
    /// no-route (with `route add … via` the previous hop when the packet came from one).
    /// </summary>
    private Cause ExplainNoRoute(NetworkNamespace ns, IPAddress target, Endpoint? ingress, Endpoint? previousEgress, RouteGetResult route)
    {
        var mine = _index.Endpoints.Where(e => e.Namespace.Id == ns.Id && !TopologyIndex.IsLoopback(e.Interface)).ToList();
        foreach (var e in mine)
        {
            if (Addresses(e.Interface).Any(a => a.Contains(target) && !a.IsHost) && TopologyIndex.IsDown(e.Interface) && !e.Interface.AdminUp)
                return new Cause(FindingRules.InterfaceDown, e, FindingFix(FindingRules.InterfaceDown, e) ?? [Commands.LinkUp(ns, e.Name)],
                    $"{e.Label} has the subnet of {target} but is DOWN (IFF_UP not set), so its connected route is gone.");
        }
        foreach (var e in mine.Where(e => TopologyIndex.IsVeth(e.Interface)).OrderBy(e => ReferenceEquals(e, ingress) ? 0 : 1))
        {
            if (_index.Peer(e) is not { } peer) continue;
            bool leadsThere = FarAddresses(peer).Any(a => a.Contains(target));
            if (!leadsThere) continue;
            foreach (var rule in new[] { FindingRules.NoIpAddress, FindingRules.SubnetMismatch, FindingRules.NoRoute, FindingRules.InterfaceDown })
            {
                var f = _findings.FirstOrDefault(x => x.Rule == rule && (IsOn(x, e) || (rule == FindingRules.SubnetMismatch && IsOn(x, peer))));
                if (f is not null)
                    return new Cause(rule, Find(f) ?? e, f.Fix, $"{f.Title}: {f.Evidence}.");
            }
        }
        var routes = _index.Routes(ns);
        if (!V6 && Ipv4Cidr.ParseAddress(target.ToString()) is { } t && RouteLookup.Find(routes, t).Blocked is { } blocked)
            return new Cause(FindingRules.NoRoute, null, [Commands.Ip(ns, $"route del {RouteLookup.Describe(blocked.Route)}")],
                $"{target} matches {RouteLookup.Describe(blocked.Route)}.");
        // Came from a neighbour: route it back that way.
        if (ingress is not null && previousEgress is not null)
        {
            var gateway = Addresses(previousEgress.Interface).FirstOrDefault(a => Addresses(ingress.Interface).Any(b => b.Contains(a.Address)) && a.Address.AddressFamily == target.AddressFamily);
            var destination = SubnetOf(target) ?? target.ToString();
            if (gateway is not null)
                return new Cause(FindingRules.NoRoute, ingress,
                    [Commands.Ip(ns, $"route add {destination} via {gateway.Address} dev {Commands.Quote(ingress.Name)}")],
                    $"The packet came in by {ingress.Name} from {previousEgress.Label} ({gateway.Address}); no route leads back there.");
        }
        var describe = routes.Where(m => m.Route.Table != "local").Select(m => RouteLookup.Describe(m.Route)).Take(8).ToList();
        return new Cause(FindingRules.NoRoute, null, [],
            $"No interface of {ns.DisplayName} has {target}'s subnet or leads to a peer that has it; " + (describe.Count == 0 ? "there are no IPv4 routes." : $"routes: {string.Join("; ", describe)}."));
    }

    /// <summary>The subnet a source address was given with (its interface's prefix), e.g. 10.0.1.0/24.</summary>
    private string? SubnetOf(IPAddress address) =>
        _index.Endpoints.SelectMany(e => Addresses(e.Interface)).FirstOrDefault(a => a.Address.Equals(address) && !a.IsHost)?.Network;

    // ---- firewall --------------------------------------------------------------------------------

    private FirewallPacket Packet(string path, bool reply, string? inInterface, string? outInterface) =>
        reply
            ? new FirewallPacket(_destination, _sourceAddress ?? _destination, true, path, inInterface, outInterface)
            : new FirewallPacket(_sourceAddress, _destination, false, path, inInterface, outInterface);

    private void AddFirewall(NetworkNamespace ns, IReadOnlyList<(FirewallPacket Packet, Endpoint? On)> packets)
    {
        var existing = _firewalls.FirstOrDefault(f => f.Ns.Id == ns.Id);
        if (existing.Ns is not null)
        {
            existing.Packets.AddRange(packets);
            return;
        }
        if (!_tools.Nft)
        {
            _firewalls.Add((ns, Task.FromResult(new ProcessResult(-1, "", "nft is not installed", TimeSpan.Zero)), Task.FromResult(new ProcessResult(-1, "", "", TimeSpan.Zero)), [.. packets]));
            return;
        }
        _firewalls.Add((ns, Run(_exec.Exec(ns, "nft", "-j", "list", "ruleset"), QuickTimeout), Run(_exec.Exec(ns, "nft", "-a", "list", "ruleset"), QuickTimeout), [.. packets]));
    }

    private async Task CheckFirewalls()
    {
        foreach (var (ns, jsonTask, textTask, packets) in _firewalls)
        {
            var json = await jsonTask;
            var text = await textTask;
            var command = _exec.Exec(ns, "nft", "-a", "list", "ruleset");
            if (!_tools.Nft)
            {
                await Emit(Step("firewall", StepStatus.Skip, $"nft is not installed: the nftables rules of {ns.DisplayName} were not read", null, null, ns: ns));
                continue;
            }
            if (!json.Succeeded)
            {
                if (IsGone(json)) await NamespaceGone("firewall", ns, command, json);
                else await Emit(Step("firewall", StepStatus.Warn, $"nft could not list the ruleset of {ns.DisplayName}: {json.Stderr.Trim()}", command, json, ns: ns));
                continue;
            }
            var ruleset = NftRuleset.Parse(json.Stdout);
            if (ruleset is null)
            {
                await Emit(Step("firewall", StepStatus.Warn, $"nft's JSON for {ns.DisplayName} could not be read", command, text, ns: ns));
                continue;
            }
            // The fixed order of the packet's life: the request before the reply.
            var hits = packets.Select(p => (p.Packet, p.On, Hit: ruleset.FindDrop(p.Packet))).Where(x => x.Hit is not null).ToList();
            var hit = hits.FirstOrDefault(h => h.Hit!.Certain);
            if (hit.Hit is null && hits.Count > 0) hit = hits[0];
            if (hit.Hit is null)
            {
                await Emit(Step("firewall", StepStatus.Pass,
                    ruleset.RuleCount == 0 && ruleset.TableCount == 0
                        ? $"{ns.DisplayName} has no nftables rules"
                        : $"No nftables rule of {ns.DisplayName} drops the echo request or its reply ({ruleset.TableCount} tables, {ruleset.RuleCount} rules looked at)",
                    command, text, ns: ns));
            }
            else
            {
                var h = hit.Hit;
                var fix = Commands.InNamespace(ns, NftRuleset.FixFor(h, hit.Packet));
                await Emit(Step("firewall", h.Certain ? StepStatus.Fail : StepStatus.Warn,
                    $"{(h.Certain ? "" : "Maybe: ")}the {hit.Packet.Describe()} is {(h.Verdict == "reject" ? "rejected" : "dropped")} in {ns.DisplayName} by {h.Where}: {h.Text}"
                    + (h.Certain ? "" : " (the rule uses matches the dashboard cannot evaluate)"),
                    command, text, on: hit.On, ns: ns, rule: DiagnosisRules.FirewallDrop, fix: [fix]));
            }
            if (_tools.IptablesSave) await CheckLegacyIptables(ns);
        }
    }

    /// <summary>iptables-legacy rules do not show in nft's listing: shown, not evaluated.</summary>
    private async Task CheckLegacyIptables(NetworkNamespace ns)
    {
        var command = _exec.Exec(ns, "iptables-save");
        var result = await Run(command, QuickTimeout);
        if (!result.Succeeded || !result.Stdout.Contains("legacy", StringComparison.Ordinal)) return;
        var drops = result.Stdout.Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && (l.Contains("-j DROP", StringComparison.Ordinal) || l.Contains("-j REJECT", StringComparison.Ordinal))).ToList();
        var policies = result.Stdout.Split('\n').Where(l => l.StartsWith(':') && l.Contains(" DROP ", StringComparison.Ordinal)).ToList();
        if (drops.Count == 0 && policies.Count == 0) return;
        await Emit(Step("firewall-iptables", StepStatus.Warn,
            $"{ns.DisplayName} has iptables-legacy rules that drop or reject ({drops.Count} rules, {policies.Count} drop policies); they are shown, not evaluated: {string.Join("; ", drops.Concat(policies).Take(5))}",
            command, result, ns: ns));
    }

    // ---- neighbours, large ping, capture -----------------------------------------------------

    private async Task CheckNeighbours()
    {
        foreach (var (ns, device, nextHop) in _neighbours.Distinct())
        {
            if (!NamespaceExec.SafeInterface(device)) continue;
            var command = _exec.Ip(ns, "neigh", "show", nextHop, "dev", device);
            var result = await Run(command, QuickTimeout);
            var state = result.Succeeded ? NeighbourState.Parse(result.Stdout) : null;
            var (status, detail) = state switch
            {
                null => (StepStatus.Warn, $"{ns.DisplayName} has no neighbour entry for {nextHop} on {device}: nothing was sent to it, or the entry expired"),
                "FAILED" or "INCOMPLETE" => (StepStatus.Warn, $"{nextHop} on {device} is {state} in {ns.DisplayName}: {(V6 ? "neighbour solicitations" : "ARP requests")} got no answer"),
                _ => (StepStatus.Pass, $"{nextHop} on {device} is {state} in {ns.DisplayName}: its MAC address is known"),
            };
            var e = Find(ns, device);
            await Emit(Step("neighbour", status, detail, command, result, on: e, ns: ns));
        }
    }

    private void StartLargePing(int mtu)
    {
        if (_largePing is not null) return;
        _largePingSize = mtu - (V6 ? 48 : 28);
        // -w 1: a send refused with ENOBUFS (the veth dropped it) otherwise keeps ping waiting 2 s.
        var command = _exec.Exec(_source, "ping", ["-n", "-M", "do", "-s", _largePingSize.ToString(CultureInfo.InvariantCulture), "-c", "1", "-W", "1", "-w", "1", Dst]);
        _largePing = RunWith(command, PingTimeout);
    }

    /// <summary>tcpdump on every interface of the path for a moment while a few more pings go out: where were the packets last seen?</summary>
    private async Task Capture()
    {
        var at = _captureAt.Distinct().Where(x => NamespaceExec.SafeInterface(x.Interface)).ToList();
        if (at.Count == 0) return;
        if (!_tools.Tcpdump)
        {
            await Emit(Step("capture", StepStatus.Skip, "tcpdump is not installed: the packets were not followed", null, null));
            return;
        }
        var filter = $"{(V6 ? "icmp6" : "icmp")} and host {Dst}";
        var captures = at.Select(x =>
        {
            var shown = _exec.Exec(x.Ns, "tcpdump", "-i", x.Interface, "-n", "-l", "-c", "20", filter);
            return (x.Ns, x.Interface, Shown: shown, Task: RunAgain(NamespaceExec.StopAfter(shown, CaptureSeconds), PingTimeout));
        }).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(300), _time, _cancellationToken);
        var pingCommand = _exec.Exec(_source, "ping", PingArguments(count: 3));
        await RunAgain(pingCommand, PingTimeout);
        string? lastSeen = null;
        string? replies = null;
        foreach (var (ns, device, shown, task) in captures)
        {
            var result = await task;
            var capture = CaptureResult.Parse(result.ExitCode, result.Stdout, result.Stderr);
            var e = Find(ns, device);
            if (capture.Error is not null)
            {
                await Emit(Step("capture", StepStatus.Skip, $"Could not capture on {device} in {ns.DisplayName}: {capture.Error}", shown, result, on: e, ns: ns));
                continue;
            }
            if (capture.Requests > 0) lastSeen = $"{device} in {ns.DisplayName}";
            if (capture.Replies > 0) replies ??= $"{device} in {ns.DisplayName}";
            await Emit(Step("capture", capture.Requests > 0 ? StepStatus.Pass : StepStatus.Warn,
                $"{device} in {ns.DisplayName}: {capture.Requests} echo requests and {capture.Replies} replies seen in {CaptureSeconds:0.0} s while `{pingCommand.Display}` ran",
                shown, result, on: e, ns: ns));
        }
        _warnings.Add(lastSeen is null
            ? "The echo requests were seen on no interface of the path: they do not leave the source."
            : $"The echo requests were last seen on {lastSeen}" + (replies is null ? "; no reply was seen anywhere." : $"; replies were seen on {replies}."));
    }

    private string[] PingArguments(int count) => ["-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1", Dst];

    // ---- helpers --------------------------------------------------------------------------------

    private async Task NamespaceGone(string name, NetworkNamespace ns, CommandLine command, ProcessResult result) =>
        await Emit(Step(name, StepStatus.Fail, $"{ns.DisplayName} ({ns.Id}) vanished while it was being diagnosed: {FirstLine(result.Stderr)}",
            command, result, ns: ns, rule: FindingRules.NamespaceRemoved));

    /// <summary>The command could not enter the namespace: it is gone (deleted mid-walk).</summary>
    private static bool IsGone(ProcessResult result) =>
        result.ExitCode != 0 && (result.Stderr.Contains("Cannot open network namespace", StringComparison.Ordinal)
            || result.Stderr.Contains("nsenter: cannot open", StringComparison.Ordinal)
            || result.Stderr.Contains("reassociate to namespace", StringComparison.Ordinal));

    private string CrossCheck(NetworkNamespace ns, RouteGetResult route)
    {
        if (V6 || Ipv4Cidr.ParseAddress(Dst) is not { } target) return "";
        var lookup = RouteLookup.Find(_index.Routes(ns), target);
        if (lookup.Usable is { } match && match.Route.Device == route.Device)
            return $" (the topology agrees: {RouteLookup.Describe(match.Route)})";
        return lookup.Usable is { } other
            ? $" (the topology's longest match is {RouteLookup.Describe(other.Route)}: policy rules or a change since the read)"
            : " (the topology read at the start has no such route: a change since, or policy routing)";
    }

    private void AddHop(string kind, NetworkNamespace ns, Endpoint? ingress, Endpoint? egress) =>
        _path.Add(new DiagnosisHop(kind, ns.Id, ns.DisplayName, ingress?.Name, egress?.Name));

    private Endpoint? Find(NetworkNamespace ns, string device) =>
        _index.Endpoints.FirstOrDefault(e => e.Namespace.Id == ns.Id && e.Name == device);

    private Endpoint? Find(Finding f) =>
        f.Interface is null ? null : _index.Endpoints.FirstOrDefault(e => e.Namespace.Id == f.NamespaceId && e.Name == f.Interface);

    private static bool IsOn(Finding f, Endpoint e) => f.NamespaceId == e.Namespace.Id && f.Interface == e.Name;

    private IReadOnlyList<string>? FindingFix(string rule, Endpoint e) =>
        _findings.FirstOrDefault(f => f.Rule == rule && IsOn(f, e))?.Fix;

    /// <summary>Interfaces of <paramref name="ns"/> that have the destination address.</summary>
    private IEnumerable<Endpoint> Owners(NetworkNamespace ns) =>
        _index.Endpoints.Where(e => e.Namespace.Id == ns.Id && Owns(e.Interface, _destination));

    private static bool Owns(NetworkInterface i, IPAddress address) => Addresses(i).Any(a => a.Address.Equals(address));

    /// <summary>The addresses on the far side of a veth peer: its own, or its bridge's and every pod's on that bridge.</summary>
    private IEnumerable<IpPrefix> FarAddresses(Endpoint peer)
    {
        foreach (var a in Addresses(peer.Interface)) yield return a;
        if (_index.Bridge(peer) is { } bridge)
        {
            foreach (var a in Addresses(bridge.Interface)) yield return a;
            foreach (var far in _index.Segment(bridge)?.FarEnds ?? [])
                foreach (var a in Addresses(far.Interface)) yield return a;
        }
    }

    private static IEnumerable<IpPrefix> Addresses(NetworkInterface i) =>
        i.Addresses.Select(IpPrefix.Parse).OfType<IpPrefix>().Where(a => !a.IsLinkLocal);

    /// <summary>
    /// The result of <paramref name="command"/>, started now or by an earlier <see cref="Start"/>: each read runs
    /// once per walk, so reads started ahead (<see cref="Prefetch"/>) are shared with the step that shows them.
    /// </summary>
    private async Task<ProcessResult> Run(CommandLine command, TimeSpan timeout) => await Start(command, timeout);

    private Task<ProcessResult> Start(CommandLine command, TimeSpan timeout)
    {
        lock (_started)
        {
            if (!_started.TryGetValue(command.Display, out var task))
                _started[command.Display] = task = _runner.RunAsync(command, timeout, _cancellationToken);
            return task;
        }
    }

    /// <summary>A command that must run again even if it ran before (the capture's ping).</summary>
    private Task<ProcessResult> RunAgain(CommandLine command, TimeSpan timeout) => _runner.RunAsync(command, timeout, _cancellationToken);

    /// <summary>
    /// Starts, in parallel, the reads the walk will need once the packet leaves <paramref name="ns"/> by
    /// <paramref name="device"/>: the device, its veth peer (and the large ping when their MTUs differ), the
    /// peer's bridge, and the next namespace's route lookup and forwarding setting. Only reads; results are
    /// used, in walk order, by the steps that show them.
    /// </summary>
    private void Prefetch(NetworkNamespace ns, string device)
    {
        if (Find(ns, device) is not { } egress) return;
        Start(_exec.Ip(ns, "addr", "show", "dev", device), QuickTimeout);
        if (!TopologyIndex.IsVeth(egress.Interface)) return;
        if (_tools.Ethtool && NamespaceExec.SafeInterface(device)) Start(_exec.Exec(ns, "ethtool", "-S", device), QuickTimeout);
        if (_index.Peer(egress) is not { } peer) return;
        if (peer.Interface.Mtu != egress.Interface.Mtu) StartLargePing(Math.Max(peer.Interface.Mtu, egress.Interface.Mtu));
        Start(_exec.Ip(peer.Namespace, "addr", "show", "dev", peer.Name), QuickTimeout);
        if (_index.Bridge(peer) is { } bridge)
        {
            Start(_exec.Ip(bridge.Namespace, "link", "show", "dev", bridge.Name), QuickTimeout);
            return;
        }
        Start(_exec.Ip(peer.Namespace, "route", "get", Dst), QuickTimeout);
        if (!Owners(peer.Namespace).Any())
            Start(_exec.Exec(peer.Namespace, "sysctl", "-n", V6 ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward"), QuickTimeout);
    }

    private async Task<(CommandLine, ProcessResult)> RunWith(CommandLine command, TimeSpan timeout) =>
        (command, await Start(command, timeout));

    private static DiagnosisStep Step(string name, string status, string detail, CommandLine? command, ProcessResult? result,
        Endpoint? on = null, NetworkNamespace? ns = null, string? rule = null, IReadOnlyList<string>? fix = null)
    {
        var space = on?.Namespace ?? ns;
        return new DiagnosisStep(name, status, detail, command?.Display, result is null ? null : Output(result))
        {
            NamespaceId = space?.Id,
            NamespaceName = space?.DisplayName,
            Interface = on?.Name,
            Rule = status is StepStatus.Fail or StepStatus.Warn ? rule : null,
            Fix = status is StepStatus.Fail or StepStatus.Warn ? fix ?? [] : [],
            DurationMs = result is null ? null : Math.Round(result.Duration.TotalMilliseconds, 1),
        };
    }

    private async Task Emit(DiagnosisStep step)
    {
        // A later failure of the same problem on the same object is its consequence: said so, still a failure.
        if (step.Status == StepStatus.Fail && step.Rule is not null
            && _steps.FirstOrDefault(s => s.Status == StepStatus.Fail && s.Rule == step.Rule && s.NamespaceId == step.NamespaceId && s.Interface == step.Interface) is { } first)
            step = step with { Detail = $"{step.Detail} (the same problem as step {first.Name} above)" };
        _steps.Add(step);
        await _onStep(step);
    }

    private static string Output(ProcessResult result)
    {
        var text = result.Stdout.TrimEnd();
        if (result.Stderr.Trim().Length > 0) text = text.Length == 0 ? result.Stderr.TrimEnd() : $"{text}\n{result.Stderr.TrimEnd()}";
        return text.Length <= MaxOutput ? text : text[..MaxOutput] + $"\n… ({text.Length - MaxOutput} more characters)";
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
