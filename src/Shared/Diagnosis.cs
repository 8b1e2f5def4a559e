namespace Dashboard.Shared;

/// <summary>
/// One step of a ping diagnosis along the packet path. Status: pass | fail | warn | skip.
/// <see cref="Command"/> is what a person would type to see the same (with the real names), and
/// <see cref="Output"/> what it printed, so the page teaches the seed's debugging commands.
/// </summary>
public sealed record DiagnosisStep(string Name, string Status, string Detail, string? Command, string? Output)
{
    /// <summary>The namespace the step looked at (its id), or null.</summary>
    public string? NamespaceId { get; init; }

    /// <summary>That namespace's display name.</summary>
    public string? NamespaceName { get; init; }

    /// <summary>The interface the step looked at, or null.</summary>
    public string? Interface { get; init; }

    /// <summary>For a failing or warning step: the failure-mode rule it matches (a <see cref="FindingRules"/> id, `firewall-drop`, `forwarding-disabled`), or null.</summary>
    public string? Rule { get; init; }

    /// <summary>The commands that fix what this step found, as the failure-mode table gives them. Empty when there is nothing to fix or no sure fix.</summary>
    public IReadOnlyList<string> Fix { get; init; } = [];

    /// <summary>How long the step's own command took, when it ran one.</summary>
    public double? DurationMs { get; init; }
}

/// <summary>The step statuses.</summary>
public static class StepStatus
{
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string Warn = "warn";
    public const string Skip = "skip";
}

/// <summary>`POST /api/diagnoses` body. Source: a namespace reference; destination: an IP address or "nsref/interface".</summary>
public sealed record DiagnosisRequest(string? Source, string? Destination);

/// <summary>
/// A ping diagnosis: the packet path from <see cref="Source"/> to <see cref="Destination"/> walked
/// step by step, the verdict of a real ping, and the first broken step as the root cause.
/// </summary>
public sealed record Diagnosis(
    string Id,
    DiagnosisSource Source,
    string Destination,
    string? Verdict,
    DiagnosisRootCause? RootCause,
    IReadOnlyList<DiagnosisStep> Steps,
    DateTimeOffset StartedAt,
    double DurationMs)
{
    /// <summary>running | done. A diagnosis is stored (and shareable for ever) once done; <see cref="Verdict"/> is null while it runs.</summary>
    public string Status { get; init; } = DiagnosisStatus.Done;

    /// <summary>What the request said the destination was ("pod-blue/veth-blue"), when it was not an address.</summary>
    public string? DestinationReference { get; init; }

    /// <summary>The hops the packet takes as far as the walk could follow them, source first.</summary>
    public IReadOnlyList<DiagnosisHop> Path { get; init; } = [];

    /// <summary>What the verdict does not say: problems that do not stop small pings (an MTU mismatch), a cause not found, a namespace gone mid-walk.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public static class DiagnosisStatus
{
    public const string Running = "running";
    public const string Done = "done";
}

public static class Verdicts
{
    public const string Reachable = "reachable";
    public const string Unreachable = "unreachable";
}

/// <summary>The namespace a diagnosis pings from.</summary>
public sealed record DiagnosisSource(string NamespaceId, string? Name)
{
    public string? DisplayName { get; init; }
}

/// <summary>Why the destination is unreachable: the first failing step's rule, where, and the fix.</summary>
public sealed record DiagnosisRootCause(string Rule, string? NamespaceId, string? NamespaceName, string? Interface, IReadOnlyList<string> Fix)
{
    /// <summary>The step that failed.</summary>
    public string? Step { get; init; }

    /// <summary>That step's detail: the evidence.</summary>
    public string? Detail { get; init; }
}

/// <summary>
/// One namespace on the path: where the packet comes in and goes out. Kind: source | bridge (a bridge
/// switches it at layer 2) | router (the namespace forwards it) | destination | exit (it leaves by an
/// interface the walk cannot follow).
/// </summary>
public sealed record DiagnosisHop(string Kind, string NamespaceId, string? NamespaceName, string? In, string? Out);

/// <summary>Who the <see cref="DiagnosisHop"/> kinds are.</summary>
public static class HopKinds
{
    public const string Source = "source";
    public const string Bridge = "bridge";
    public const string Router = "router";
    public const string Destination = "destination";
    public const string Exit = "exit";
}

/// <summary>Rule ids that only a diagnosis finds (the rest are <see cref="FindingRules"/>).</summary>
public static class DiagnosisRules
{
    /// <summary>An nftables/iptables rule (or a chain's drop policy) drops or rejects the traffic.</summary>
    public const string FirewallDrop = "firewall-drop";

    /// <summary>A namespace on the path must route the packet on, but IP forwarding is off there.</summary>
    public const string ForwardingDisabled = "forwarding-disabled";
}
