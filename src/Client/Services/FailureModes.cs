using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>One rule of the failure-mode table: what it is called, what a person sees, and where it holds now.</summary>
public sealed record FailureModeRow(string Rule, string Issue, string Symptom, IReadOnlyList<Finding> Findings)
{
    /// <summary>"error", "warning", "info", or "ok" when the rule holds nowhere.</summary>
    public string Level =>
        Findings.Any(f => f.Severity == Severities.Error) ? Severities.Error
        : Findings.Any(f => f.Severity == Severities.Warning) ? Severities.Warning
        : Findings.Count > 0 ? Severities.Info
        : "ok";
}

/// <summary>The seed document's failure-mode table, one row per rule of API.md, filled in with the live findings.</summary>
public static class FailureModes
{
    /// <summary>Rule id → (issue, symptom), in the order of <see cref="FindingRules.All"/>; the seed's words where it has a row.</summary>
    public static readonly IReadOnlyList<(string Rule, string Issue, string Symptom)> Rules =
    [
        (FindingRules.InterfaceDown, "Interface DOWN", "ping: Network is unreachable"),
        (FindingRules.NoIpAddress, "No IP assigned", "ping: connect: Network is unreachable"),
        (FindingRules.SubnetMismatch, "Wrong subnet", "Packets sent but no reply"),
        (FindingRules.MtuMismatch, "MTU mismatch", "Large packets are dropped or fragmented; small pings work"),
        (FindingRules.LoopbackDown, "Loopback DOWN", "Local traffic fails; services on localhost refuse connections"),
        (FindingRules.PeerMissing, "Peer missing", "Packets sent but no reply: the other end is in no readable namespace"),
        (FindingRules.VethPairRemoved, "One end deleted", "Both ends disappear"),
        (FindingRules.NamespaceRemoved, "Namespace deleted", "Veth pair destroyed"),
        (FindingRules.DuplicateAddress, "Duplicate address", "Replies come from the wrong host, or pings work intermittently"),
        (FindingRules.NoRoute, "No route", "ping: connect: Network is unreachable"),
    ];

    /// <summary>
    /// One row per known rule (healthy ones included, so a healthy node reads as all green), then a
    /// row for any rule id this client does not know yet. A finding's own symptom wins over the table's.
    /// </summary>
    public static IReadOnlyList<FailureModeRow> Build(IReadOnlyList<Finding> findings)
    {
        var byRule = findings.GroupBy(f => f.Rule, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Finding>)g.OrderBy(Order).ThenBy(f => f.NamespaceName ?? f.NamespaceId, StringComparer.Ordinal).ThenBy(f => f.Interface, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var rows = new List<FailureModeRow>(Rules.Count);
        foreach (var (rule, issue, symptom) in Rules)
        {
            var these = byRule.GetValueOrDefault(rule) ?? [];
            rows.Add(new FailureModeRow(rule, issue, these.Count > 0 ? these[0].Symptom : symptom, these));
        }
        foreach (var (rule, these) in byRule.Where(kv => !Rules.Any(r => r.Rule == kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            rows.Add(new FailureModeRow(rule, rule, these[0].Symptom, these));
        return rows;
    }

    /// <summary>"pod-blue / veth-blue", or the namespace alone.</summary>
    public static string Where(Finding finding)
    {
        var ns = finding.NamespaceName ?? finding.NamespaceId;
        return finding.Interface is { } i ? $"{ns} / {i}" : ns;
    }

    /// <summary>
    /// Where a finding's "where" link goes: the interface's details (<c>interfaces/pod-blue/veth-blue</c>,
    /// the page's query kept), or the namespace alone (<c>?ns=pod-blue</c>) when it names no interface.
    /// </summary>
    public static string Href(Finding finding, string? query = null)
    {
        var name = finding.NamespaceName is { } n && IsPlainName(n) ? n : finding.NamespaceId;
        return finding.Interface is { } iface
            ? TopologyView.InterfaceHref(name, iface, query)
            : LocateHref(finding);
    }

    /// <summary>The page narrowed to the finding's namespace: the diagram rings it and centres on it.</summary>
    public static string LocateHref(Finding finding) => $"?ns={Uri.EscapeDataString(finding.NamespaceName ?? finding.NamespaceId)}";

    private static bool IsPlainName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static int Order(Finding f) => f.Severity switch
    {
        Severities.Error => 0,
        Severities.Warning => 1,
        _ => 2,
    };
}
