using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dashboard.Server.Analysis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Processes;
using Dashboard.Shared;
using Endpoint = Dashboard.Server.Analysis.Endpoint;

namespace Dashboard.Server.Diagnosis;

/// <summary>The walk along the path: route lookups hop by hop, the egress interface, across the veth, through a bridge, delivery and the way back, and why a route is missing.</summary>
internal sealed partial class DiagnosisWalk
{
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
        // What led there is gone: a veth pair or a namespace removed a moment ago that had the target's subnet.
        if (RemovedWith(ns, target) is { } removal)
            return new Cause(removal.Rule, null, removal.Fix, $"{removal.Title}: {removal.Evidence}.");
        var describe = routes.Where(m => m.Route.Table != "local").Select(m => RouteLookup.Describe(m.Route)).Take(8).ToList();
        return new Cause(FindingRules.NoRoute, null, [],
            $"No interface of {ns.DisplayName} has {target}'s subnet or leads to a peer that has it; " + (describe.Count == 0 ? "there are no IPv4 routes." : $"routes: {string.Join("; ", describe)}."));
    }

    /// <summary>
    /// A live veth-pair-removed or namespace-removed finding that took an end of a pair in <paramref name="ns"/>
    /// (its recreate commands act in <paramref name="ns"/>) and whose recreate commands give back an address of
    /// <paramref name="target"/>'s subnet (the exact address first): the way to the target went with it.
    /// </summary>
    private Finding? RemovedWith(NetworkNamespace ns, IPAddress target)
    {
        var here = Commands.IpPrefix(ns) + " ";
        var removals = _findings
            .Where(f => f.Rule is FindingRules.VethPairRemoved or FindingRules.NamespaceRemoved && f.Fix.Any(line => line.StartsWith(here, StringComparison.Ordinal)))
            .ToList();
        // The addresses the removal's own fix lines put back (`… addr add CIDR dev …`), read as the shell would.
        IEnumerable<IpPrefix> Restored(Finding f) => f.Fix
            .Select(line => Commands.Split(line, out _))
            .OfType<IReadOnlyList<string>>()
            .Select(words => words.ToList().IndexOf("addr") is var i and >= 0 && i + 2 < words.Count && words[i + 1] == "add" ? IpPrefix.Parse(words[i + 2]) : null)
            .OfType<IpPrefix>();
        return removals.FirstOrDefault(f => Restored(f).Any(a => a.Address.Equals(target)))
            ?? removals.FirstOrDefault(f => Restored(f).Any(a => !a.IsHost && a.Contains(target)));
    }

    /// <summary>The subnet a source address was given with (its interface's prefix), e.g. 10.0.1.0/24.</summary>
    private string? SubnetOf(IPAddress address) =>
        _index.Endpoints.SelectMany(e => Addresses(e.Interface)).FirstOrDefault(a => a.Address.Equals(address) && !a.IsHost)?.Network;
}
