using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dashboard.Server.Analysis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Processes;
using Dashboard.Shared;
using Endpoint = Dashboard.Server.Analysis.Endpoint;

namespace Dashboard.Server.Diagnosis;

/// <summary>Running commands once per walk (and ahead of need), building steps, and small lookups.</summary>
internal sealed partial class DiagnosisWalk
{
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
