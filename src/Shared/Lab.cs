namespace Dashboard.Shared;

/// <summary>
/// `GET /api/lab`: the hands-on lab (lab mode). Its scenarios build the seed document's setups in
/// throw-away namespaces named <see cref="Prefix"/>…, wired only to each other; its faults break them
/// the way the seed's failure-mode table says, one at a time, and heal them again. The whole of it is
/// 403 unless the server allows changes (<c>Dashboard:AllowChanges=true</c>, or <c>--lab</c>).
/// </summary>
public sealed record LabState(
    string Changes,
    string Prefix,
    IReadOnlyList<LabScenario> Scenarios,
    IReadOnlyList<LabFault> Faults,
    IReadOnlyList<LabNamespace> Namespaces,
    IReadOnlyList<LabAction> History);

/// <summary>
/// `GET /api/capabilities`: what this server lets a caller change, readable by every client (200 always),
/// so that a page can hide the lab and the "Apply fix" buttons without asking for a 403 first.
/// </summary>
/// <param name="Changes"><see cref="LabChanges"/>, or null when the server changes nothing.</param>
/// <param name="LabPrefix">The lab namespaces' prefix, or null when the lab is off.</param>
/// <param name="HowToEnable">When changes are off: how to turn them on.</param>
public sealed record Capabilities(string? Changes, string? LabPrefix, string? HowToEnable);

/// <summary>What the server may change: <see cref="LabChanges"/>.</summary>
public static class LabChanges
{
    /// <summary>Only lab namespaces (<c>--lab</c>): lab scenarios and faults, and fixes whose every command targets a lab namespace.</summary>
    public const string Lab = "lab";

    /// <summary>Anything (<c>Dashboard:AllowChanges=true</c>): the lab, and fixes on any namespace.</summary>
    public const string All = "all";
}

/// <summary>A setup of the seed document that the lab can build: <see cref="LabScenarios"/>.</summary>
/// <param name="Name">URL name, e.g. <c>seed-pair</c>.</param>
/// <param name="Title">One line for a person.</param>
/// <param name="Description">What it builds, in the seed's words.</param>
/// <param name="Built">All of its namespaces exist now.</param>
/// <param name="Namespaces">The namespaces it makes (full names, prefix included).</param>
/// <param name="BuildCommands">What building it runs, as a person would type it.</param>
public sealed record LabScenario(
    string Name,
    string Title,
    string Description,
    bool Built,
    IReadOnlyList<string> Namespaces,
    IReadOnlyList<string> BuildCommands)
{
    /// <summary>How it is or would be wired, when that depends on the machine (e.g. "real CNI bridge plugin" or "ip, /usr/lib/cni/bridge not found").</summary>
    public string? Note { get; init; }
}

/// <summary>A failure the lab can inject into a built scenario and heal: <see cref="LabFaults"/>.</summary>
/// <param name="Name">URL name, e.g. <c>interface-down</c>.</param>
/// <param name="Title">One line for a person ("Interface DOWN").</param>
/// <param name="Scenario">The scenario it breaks (it must be built first).</param>
/// <param name="Rule">What the dashboard should find: a <see cref="FindingRules"/> id, or a diagnosis rule such as <c>firewall-drop</c>.</param>
/// <param name="Symptom">What a person sees, as the seed's table says it.</param>
/// <param name="Active">Injected and not healed since (by the lab, or by a fix it could see).</param>
/// <param name="Available">Its scenario is built, so it can be injected now.</param>
/// <param name="InjectCommands">What injecting it runs, as a person would type it.</param>
/// <param name="HealCommands">What healing it runs.</param>
public sealed record LabFault(
    string Name,
    string Title,
    string Scenario,
    string Rule,
    string Symptom,
    bool Active,
    bool Available,
    IReadOnlyList<string> InjectCommands,
    IReadOnlyList<string> HealCommands)
{
    /// <summary>The row of the seed document's failure-mode table it plays ("Interface DOWN"), or null for the faults the table does not list.</summary>
    public string? SeedRow { get; init; }

    /// <summary>The ping that shows it: from this namespace (name) …</summary>
    public string? DiagnoseFrom { get; init; }

    /// <summary>… to this address, as <c>POST /api/diagnoses</c> takes them.</summary>
    public string? DiagnoseTo { get; init; }
}

/// <summary>A lab namespace that exists now, and the scenario that made it (null for a leftover nobody claims).</summary>
public sealed record LabNamespace(string Name, string? Id, string? Scenario);

/// <summary>
/// What a lab call did (the answer of every changing lab call, and of applying a fix): the commands it ran,
/// in order, each with how it ended. <see cref="Succeeded"/> is false when one of them failed; the commands
/// after a failure are not run.
/// </summary>
/// <param name="Action"><see cref="LabActions"/>.</param>
/// <param name="Target">The scenario, fault, finding or diagnosis acted on.</param>
public sealed record LabAction(
    string Action,
    string Target,
    bool Succeeded,
    IReadOnlyList<LabCommand> Commands,
    DateTimeOffset At)
{
    /// <summary>Something a person should know (a fallback taken, a command that failed and why).</summary>
    public string? Warning { get; init; }

    /// <summary>The lab faults this action (an applied fix) made inactive: good news, not a warning.</summary>
    public IReadOnlyList<string> Healed { get; init; } = [];
}

/// <summary>One command a lab call ran: the line a person would type, its exit code, stderr when it failed, how long it took.</summary>
public sealed record LabCommand(string Command, int ExitCode, string? Error, double DurationMs);

public static class LabActions
{
    public const string Build = "build";
    public const string Remove = "remove";
    public const string Inject = "inject";
    public const string Heal = "heal";
    public const string Reset = "reset";
    public const string Fix = "fix";
}

/// <summary>The scenario names.</summary>
public static class LabScenarios
{
    /// <summary>The seed's pod-red/pod-blue pair, its exact commands and addresses (10.0.1.1/24, 10.0.1.2/24).</summary>
    public const string SeedPair = "seed-pair";

    /// <summary>A Kubernetes-style node: a "node" namespace with a cni0 bridge and three pods (the real CNI bridge plugin when present).</summary>
    public const string KubernetesNode = "k8s-node";

    /// <summary>Two subnets routed through a middle namespace.</summary>
    public const string Routed = "routed";

    public static readonly IReadOnlyList<string> All = [SeedPair, KubernetesNode, Routed];
}

/// <summary>The fault names.</summary>
public static class LabFaults
{
    public const string InterfaceDown = "interface-down";
    public const string AddressRemoved = "address-removed";
    public const string WrongSubnet = "wrong-subnet";
    public const string MtuMismatch = "mtu-mismatch";
    public const string LoopbackDown = "loopback-down";
    public const string EndDeleted = "end-deleted";
    public const string NamespaceDeleted = "namespace-deleted";
    public const string BridgeMemberDown = "bridge-member-down";
    public const string DuplicateAddress = "duplicate-address";
    public const string FirewallDrop = "firewall-drop";

    public static readonly IReadOnlyList<string> All =
    [
        InterfaceDown, AddressRemoved, WrongSubnet, MtuMismatch, LoopbackDown,
        EndDeleted, NamespaceDeleted, BridgeMemberDown, DuplicateAddress, FirewallDrop,
    ];
}
