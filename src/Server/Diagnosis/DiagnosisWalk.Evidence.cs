using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dashboard.Server.Analysis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Processes;
using Dashboard.Shared;
using Endpoint = Dashboard.Server.Analysis.Endpoint;

namespace Dashboard.Server.Diagnosis;

/// <summary>The evidence gathered beside the path: nftables (and iptables-legacy) in each namespace, neighbour entries, the large ping, the capture.</summary>
internal sealed partial class DiagnosisWalk
{
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

    /// <summary>
    /// A second ping, with tcpdump on every interface of the path for a moment while it goes out: does the
    /// path answer now, and if not, where were the packets last seen?
    /// </summary>
    private async Task<PingResult> PingAgain()
    {
        var at = _captureAt.Distinct().Where(x => NamespaceExec.SafeInterface(x.Interface)).ToList();
        var filter = $"{(V6 ? "icmp6" : "icmp")} and host {Dst}";
        var captures = !_tools.Tcpdump ? [] : at.Select(x =>
        {
            var shown = _exec.Exec(x.Ns, "tcpdump", "-i", x.Interface, "-n", "-l", "-c", "20", filter);
            return (x.Ns, x.Interface, Shown: shown, Task: RunAgain(NamespaceExec.StopAfter(shown, CaptureSeconds), PingTimeout));
        }).ToList();
        // tcpdump needs a moment to open its socket before the pings go out.
        if (captures.Count > 0) await Task.Delay(TimeSpan.FromMilliseconds(300), _time, _cancellationToken);
        var pingCommand = _exec.Exec(_source, "ping", PingArguments(count: 3));
        var again = await EmitPing(again: true, pingCommand, await RunAgain(pingCommand, PingTimeout));

        if (at.Count > 0 && !_tools.Tcpdump)
            await Emit(Step("capture", StepStatus.Skip, "tcpdump is not installed: the packets were not followed", null, null));
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
        if (captures.Count > 0 && !again.Answered)
            _warnings.Add(lastSeen is null
                ? "The echo requests were seen on no interface of the path: they do not leave the source."
                : $"The echo requests were last seen on {lastSeen}" + (replies is null ? "; no reply was seen anywhere." : $"; replies were seen on {replies}."));
        return again;
    }

    /// <summary>The step of a `ping -c 3` from the source (<c>ping</c>, <c>ping-again</c>): answered passes, else fails.</summary>
    private async Task<PingResult> EmitPing(bool again, CommandLine command, ProcessResult result)
    {
        var ping = PingResult.Parse(result.ExitCode, result.Stdout, result.Stderr);
        await Emit(Step(again ? "ping-again" : "ping", ping.Answered ? StepStatus.Pass : StepStatus.Fail,
            ping.Answered
                ? $"{ping.Received} of {ping.Transmitted} echo requests to {Dst} answered" + (again ? " on the second try: the path works now" : "")
                : $"{(again ? "Still no" : "No")} answer from {Dst}: {ping.Error ?? $"{ping.Received} of {ping.Transmitted} received"}",
            command, result, ns: _source));
        return ping;
    }

    private string[] PingArguments(int count) => ["-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1", Dst];
}
