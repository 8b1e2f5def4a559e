namespace Dashboard.Shared;

/// <summary>
/// One row of the live failure-mode table: what is wrong, on which object, the kernel facts that
/// show it, the symptom the seed document gives for it, and the exact commands that fix it.
/// </summary>
public sealed record Finding(
    string Id,
    string Rule,
    string Severity,
    string NamespaceId,
    string? NamespaceName,
    string? Interface,
    string Title,
    string Symptom,
    string Evidence,
    IReadOnlyList<string> Fix,
    DateTimeOffset Since);

/// <summary>The fixed rule ids of API.md.</summary>
public static class FindingRules
{
    public const string InterfaceDown = "interface-down";
    public const string NoIpAddress = "no-ip-address";
    public const string SubnetMismatch = "subnet-mismatch";
    public const string MtuMismatch = "mtu-mismatch";
    public const string LoopbackDown = "loopback-down";
    public const string PeerMissing = "peer-missing";
    public const string VethPairRemoved = "veth-pair-removed";
    public const string NamespaceRemoved = "namespace-removed";
    public const string DuplicateAddress = "duplicate-address";
    public const string NoRoute = "no-route";

    public static readonly IReadOnlyList<string> All =
    [
        InterfaceDown, NoIpAddress, SubnetMismatch, MtuMismatch, LoopbackDown,
        PeerMissing, VethPairRemoved, NamespaceRemoved, DuplicateAddress, NoRoute,
    ];
}

public static class Severities
{
    public const string Error = "error";
    public const string Warning = "warning";
    public const string Info = "info";
}
