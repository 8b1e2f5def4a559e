using Dashboard.Server.Processes;
using Dashboard.Shared;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Lab;

/// <summary>How a lab call ended: an action (200), or a problem with its status code.</summary>
internal sealed record LabOutcome(LabAction? Action, int Status = StatusCodes.Status200OK, string? Title = null, string? Detail = null)
{
    public static LabOutcome Problem(int status, string title, string detail) => new(null, status, title, detail);
}

/// <summary>
/// The lab: builds scenarios in namespaces named with the prefix, injects and heals faults, runs fixes,
/// keeps which faults are active and the last actions. Every changing call runs under one lock, so two
/// builds (or a build and a fix) never interleave. Commands go through the one <see cref="ProcessRunner"/>.
/// </summary>
internal sealed class LabService(
    ProcessRunner runner,
    LabKernel kernel,
    IOptions<DashboardOptions> dashboard,
    IOptions<LabOptions> options,
    TimeProvider time,
    ILogger<LabService> logger) : IDisposable
{
    public const int HistoryLength = 20;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly HashSet<string> _active = new(StringComparer.Ordinal);
    private readonly LinkedList<LabAction> _history = new();

    public LabCatalog Catalog { get; } = new(options.Value.Prefix);

    /// <summary><see cref="LabChanges.All"/>, <see cref="LabChanges.Lab"/>, or null when the server may change nothing.</summary>
    public string? Changes =>
        dashboard.Value.AllowChanges ? LabChanges.All : options.Value.Enabled ? LabChanges.Lab : null;

    public const string HowToEnable = "Start the dashboard with --lab (lab namespaces only), or set Dashboard:AllowChanges=true (any namespace; env Dashboard__AllowChanges=true).";

    public string LabDirectory => Path.Combine(dashboard.Value.DataDirectoryFullPath, "lab");

    private string IpamDirectory => Path.Combine(LabDirectory, "ipam");

    private string CniConfigFile => Path.Combine(LabDirectory, "k8s-node-cni.json");

    /// <summary>The CNI bridge plugin when installed, else null (the k8s-node scenario is built with ip).</summary>
    private string? Plugin => File.Exists(options.Value.CniBridgePlugin) ? options.Value.CniBridgePlugin : null;

    // ---- reading --------------------------------------------------------------------------------

    public async Task<LabState> StateAsync(CancellationToken cancellationToken)
    {
        var existing = LabKernel.Namespaces(Catalog.Prefix);
        var scenarios = Catalog.Scenarios.Select(s => new LabScenario(s.Name, s.Title, s.Description, IsBuilt(s), s.Namespaces, BuildSteps(s.Name).Select(x => x.Display).ToList())
        {
            Note = s.Name == LabScenarios.KubernetesNode
                ? Plugin is { } p ? $"real CNI bridge plugin ({p}, host-local IPAM in {IpamDirectory})" : $"ip, {options.Value.CniBridgePlugin} not found (Debian package containernetworking-plugins)"
                : null,
        }).ToList();
        var port = await BridgePortAsync(cancellationToken);
        LabFault[] faults;
        LabAction[] history;
        lock (_history)
        {
            faults = [.. Catalog.Faults.Select(f =>
            {
                var (inject, heal) = Catalog.FaultSteps(f.Name, port);
                return new LabFault(f.Name, f.Title, f.Scenario, f.Rule, f.Symptom, _active.Contains(f.Name), IsBuilt(Catalog.Scenario(f.Scenario)!),
                    [.. inject.Select(s => s.Display)], [.. heal.Select(s => s.Display)])
                {
                    SeedRow = f.SeedRow,
                    DiagnoseFrom = f.DiagnoseFrom,
                    DiagnoseTo = f.DiagnoseTo,
                };
            })];
            history = [.. _history];
        }
        var namespaces = existing.Select(n => new LabNamespace(n, LabKernel.Id(n), Catalog.Scenarios.FirstOrDefault(s => s.Namespaces.Contains(n))?.Name)).ToList();
        return new LabState(Changes ?? "none", Catalog.Prefix, scenarios, faults, namespaces, history);
    }

    /// <summary>
    /// All of its namespaces exist; or the only one missing is the one an active namespace-deleted fault
    /// deleted (the scenario is still there to heal).
    /// </summary>
    private bool IsBuilt(ScenarioDefinition s)
    {
        var missing = s.Namespaces.Where(n => !LabKernel.Exists(n)).ToList();
        if (missing.Count == 0) return true;
        lock (_history)
            return s.Name == LabScenarios.SeedPair && _active.Contains(LabFaults.NamespaceDeleted) && missing.SequenceEqual([Catalog.Blue]);
    }

    /// <summary>pod-2's host-side veth as the kernel names it (a placeholder to show when k8s-node is not built).</summary>
    private async Task<string> BridgePortAsync(CancellationToken cancellationToken) =>
        LabKernel.Exists(Catalog.Node) && LabKernel.Exists(Catalog.Pod(2))
            ? await kernel.HostSideVethAsync(Catalog.Node, Catalog.Pod(2), cancellationToken) ?? "<pod-2-host-veth>"
            : "<pod-2-host-veth>";

    private IReadOnlyList<LabStep> BuildSteps(string scenario) => scenario switch
    {
        LabScenarios.SeedPair => Catalog.BuildSeedPair(),
        LabScenarios.KubernetesNode => Catalog.BuildKubernetesNode(Plugin, IpamDirectory, CniConfigFile),
        LabScenarios.Routed => Catalog.BuildRouted(),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    // ---- changing -------------------------------------------------------------------------------

    public Task<LabOutcome> BuildAsync(string scenario, CancellationToken cancellationToken) => Locked(async () =>
    {
        var definition = Catalog.Scenario(scenario)!;
        var commands = new List<LabCommand>();
        await RemoveNamespacesAsync(definition, commands);
        string? note = null;
        if (scenario == LabScenarios.KubernetesNode)
        {
            try
            {
                Directory.CreateDirectory(LabDirectory);
                File.WriteAllText(CniConfigFile, Catalog.CniConfig(IpamDirectory).ToJsonString());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Record(LabActions.Build, scenario, false, commands, $"The CNI config could not be written to {LabDirectory}: {e.Message}. Nothing was built.");
            }
            if (Plugin is null) note = $"{options.Value.CniBridgePlugin} not found: built with ip instead of the CNI bridge plugin.";
        }
        var (ok, failed) = await RunAsync(BuildSteps(scenario), commands);
        string? warning = note;
        if (!ok)
        {
            // Roll back what this build made: its namespaces (none existed before it started), shown with the rest.
            var made = definition.Namespaces.Where(LabKernel.Exists).ToList();
            await RemoveNamespacesAsync(definition, commands);
            warning = $"`{failed!.Command}` failed ({failed.Error ?? $"exit code {failed.ExitCode}"}); the build stopped and was rolled back"
                + (made.Count > 0 ? $" (removed {string.Join(", ", made)})." : ".") + (note is null ? "" : " " + note);
        }
        return Record(LabActions.Build, scenario, ok, commands, warning);
    }, cancellationToken);

    public Task<LabOutcome> RemoveAsync(string scenario, CancellationToken cancellationToken) => Locked(async () =>
    {
        var commands = new List<LabCommand>();
        var ok = await RemoveNamespacesAsync(Catalog.Scenario(scenario)!, commands);
        return Record(LabActions.Remove, scenario, ok, commands, ok ? null : "A namespace could not be removed; see the commands.");
    }, cancellationToken);

    public Task<LabOutcome> ResetAsync(CancellationToken cancellationToken) => Locked(async () =>
    {
        var commands = new List<LabCommand>();
        var ok = await RemoveAllAsync(commands);
        lock (_history) _active.Clear();
        return Record(LabActions.Reset, "lab", ok, commands, ok ? null : "A namespace could not be removed; see the commands.");
    }, cancellationToken);

    public Task<LabOutcome> InjectAsync(string fault, CancellationToken cancellationToken) => Locked(async () =>
    {
        var definition = Catalog.Fault(fault)!;
        if (NotBuilt(definition) is { } problem) return problem;
        lock (_history)
        {
            if (_active.Contains(fault))
                return LabOutcome.Problem(StatusCodes.Status409Conflict, "Fault already active", $"The fault {fault} is already injected; heal it first (DELETE /api/lab/faults/{fault}).");
        }
        var (inject, _) = Catalog.FaultSteps(fault, await BridgePortAsync(cancellationToken));
        var commands = new List<LabCommand>();
        var (ok, failed) = await RunAsync(inject, commands);
        if (ok) lock (_history) _active.Add(fault);
        return Record(LabActions.Inject, fault, ok, commands, ok ? null : $"`{failed!.Command}` failed: {failed.Error ?? $"exit code {failed.ExitCode}"}.");
    }, cancellationToken);

    public Task<LabOutcome> HealAsync(string fault, CancellationToken cancellationToken) => Locked(async () =>
    {
        var definition = Catalog.Fault(fault)!;
        if (NotBuilt(definition) is { } problem) return problem;
        var (_, heal) = Catalog.FaultSteps(fault, await BridgePortAsync(cancellationToken));
        var commands = new List<LabCommand>();
        var (ok, failed) = await RunAsync(heal, commands);
        if (ok) lock (_history) _active.Remove(fault);
        return Record(LabActions.Heal, fault, ok, commands, ok ? null : $"`{failed!.Command}` failed: {failed.Error ?? $"exit code {failed.ExitCode}"}.");
    }, cancellationToken);

    /// <summary>Runs a fix's commands (already parsed and checked), in order, stopping at the first failure; then forgets the faults it healed.</summary>
    public Task<LabOutcome> FixAsync(string target, IReadOnlyList<ParsedCommand> fix, CancellationToken cancellationToken) => Locked(async () =>
    {
        var commands = new List<LabCommand>();
        var steps = fix.Select(c => new LabStep(c.Program, c.Arguments, c.Line)).ToList();
        var (ok, failed) = await RunAsync(steps, commands);
        var healed = await ForgetHealedAsync(cancellationToken);
        var warning = ok ? null : $"`{failed!.Command}` failed: {failed.Error ?? $"exit code {failed.ExitCode}"}; the commands after it were not run.";
        return Record(LabActions.Fix, target, ok, commands, warning, healed);
    }, cancellationToken);

    /// <summary>At start and at stop: every namespace with the prefix, and the IPAM folder, removed.</summary>
    public async Task<IReadOnlyList<string>> RemoveEverythingAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var names = LabKernel.Namespaces(Catalog.Prefix);
            await RemoveAllAsync([]);
            lock (_history) _active.Clear();
            return names;
        }
        finally
        {
            _lock.Release();
        }
    }

    // ---- the parts ------------------------------------------------------------------------------

    private LabOutcome? NotBuilt(FaultDefinition fault)
    {
        var scenario = Catalog.Scenario(fault.Scenario)!;
        return IsBuilt(scenario)
            ? null
            : LabOutcome.Problem(StatusCodes.Status409Conflict, "Scenario not built",
                $"The fault {fault.Name} breaks the scenario {scenario.Name}, which is not built; build it first (POST /api/lab/scenarios/{scenario.Name}).");
    }

    /// <summary>The active faults whose effect is gone (a fix healed them) are forgotten; returns their names.</summary>
    private async Task<List<string>> ForgetHealedAsync(CancellationToken cancellationToken)
    {
        string[] active;
        lock (_history) active = [.. _active];
        var gone = new List<string>();
        foreach (var fault in active)
        {
            if (!await StillThereAsync(fault, cancellationToken)) gone.Add(fault);
        }
        lock (_history) _active.ExceptWith(gone);
        return gone;
    }

    /// <summary>Whether the kernel still shows the fault's effect.</summary>
    private async Task<bool> StillThereAsync(string fault, CancellationToken cancellationToken)
    {
        var c = Catalog;
        switch (fault)
        {
            case LabFaults.InterfaceDown:
                return await kernel.LinkAsync(c.Blue, "veth-blue", cancellationToken) is { Up: false };
            case LabFaults.AddressRemoved:
                return await kernel.LinkAsync(c.Red, "veth-red", cancellationToken) is { } red && !red.Addresses.Contains("10.0.1.1/24");
            case LabFaults.WrongSubnet:
                return await kernel.LinkAsync(c.Blue, "veth-blue", cancellationToken) is { } blue && (blue.Addresses.Contains("10.0.2.2/24") || !blue.Addresses.Contains("10.0.1.2/24"));
            case LabFaults.MtuMismatch:
                return await kernel.LinkAsync(c.Blue, "veth-blue", cancellationToken) is { Mtu: 1400 };
            case LabFaults.LoopbackDown:
                return await kernel.LinkAsync(c.Red, "lo", cancellationToken) is { Up: false };
            case LabFaults.EndDeleted:
                return LabKernel.Exists(c.Blue) && await kernel.LinkAsync(c.Blue, "veth-blue", cancellationToken) is null;
            case LabFaults.NamespaceDeleted:
                return !LabKernel.Exists(c.Blue);
            case LabFaults.FirewallDrop:
                return await kernel.NftTableDropsAsync(c.Blue, LabCatalog.FirewallTable, cancellationToken);
            case LabFaults.BridgeMemberDown:
                var port = await BridgePortAsync(cancellationToken);
                return await kernel.LinkAsync(c.Node, port, cancellationToken) is { Up: false };
            case LabFaults.DuplicateAddress:
                return await kernel.LinkAsync(c.Pod(3), "eth0", cancellationToken) is { } eth0 && eth0.Addresses.Contains(LabCatalog.PodAddress(1) + "/24");
            default:
                return false;
        }
    }

    private async Task<bool> RemoveNamespacesAsync(ScenarioDefinition scenario, List<LabCommand> commands)
    {
        var existing = scenario.Namespaces.Where(LabKernel.Exists).Reverse().ToList();
        var (ok, _) = await RunAsync([.. existing.Select(LabCatalog.DeleteNamespace)], commands, stopAtFailure: false);
        if (scenario.Name == LabScenarios.KubernetesNode) DeleteDirectory(IpamDirectory);
        lock (_history)
        {
            foreach (var f in Catalog.Faults.Where(f => f.Scenario == scenario.Name)) _active.Remove(f.Name);
        }
        return ok;
    }

    private async Task<bool> RemoveAllAsync(List<LabCommand> commands)
    {
        var existing = LabKernel.Namespaces(Catalog.Prefix);
        var (ok, _) = await RunAsync([.. existing.Select(LabCatalog.DeleteNamespace)], commands, stopAtFailure: false);
        DeleteDirectory(LabDirectory);
        return ok;
    }

    private void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Lab could not remove {Path}: {Error}", path, e.Message);
        }
    }

    /// <summary>
    /// Runs steps in order (each through the runner); the first failure that is not tolerated stops them unless
    /// told otherwise. Once started, steps run to their end whatever the caller does (each is limited by
    /// <see cref="StepTimeout"/>): a browser tab closed mid-build must not leave a half-built scenario, a
    /// half-injected fault or an action missing from the history.
    /// </summary>
    private async Task<(bool Ok, LabCommand? Failed)> RunAsync(IReadOnlyList<LabStep> steps, List<LabCommand> commands, bool stopAtFailure = true)
    {
        LabCommand? failed = null;
        foreach (var step in steps)
        {
            var r = await runner.RunAsync(step.Program, step.Arguments, step.StandardInput, step.Environment, StepTimeout, CancellationToken.None);
            var error = r.Stderr.Trim() is { Length: > 0 } e ? e : null;
            // A CNI plugin reports its error as JSON on stdout.
            if (!r.Succeeded && error is null && r.Stdout.Trim() is { Length: > 0 } o) error = o.Length > 500 ? o[..500] : o;
            bool tolerated = !r.Succeeded && error is not null && step.Tolerated.Any(t => error.Contains(t, StringComparison.OrdinalIgnoreCase));
            var command = new LabCommand(step.Display, r.ExitCode, r.Succeeded ? null : tolerated ? $"{error} (already so: fine)" : error, Math.Round(r.Duration.TotalMilliseconds, 1));
            commands.Add(command);
            if (r.Succeeded || tolerated) continue;
            failed ??= command;
            if (stopAtFailure) break;
        }
        return (failed is null, failed);
    }

    private LabOutcome Record(string action, string target, bool ok, List<LabCommand> commands, string? warning, IReadOnlyList<string>? healed = null)
    {
        var result = new LabAction(action, target, ok, commands, time.GetUtcNow()) { Warning = warning, Healed = healed ?? [] };
        lock (_history)
        {
            _history.AddFirst(result);
            while (_history.Count > HistoryLength) _history.RemoveLast();
        }
        if (ok)
            logger.LogInformation("Lab {Action} {Target} succeeded: {CommandCount} commands in {DurationMs:F0} ms{Warning}",
                action, target, commands.Count, commands.Sum(c => c.DurationMs), warning is null ? "" : "; " + warning);
        else
            logger.LogWarning("Lab {Action} {Target} failed after {CommandCount} commands: {Warning}", action, target, commands.Count, warning);
        return new LabOutcome(result);
    }

    public void Dispose() => _lock.Dispose();

    private async Task<LabOutcome> Locked(Func<Task<LabOutcome>> action, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await action();
        }
        finally
        {
            _lock.Release();
        }
    }
}
