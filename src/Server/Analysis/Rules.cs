using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// The live failure-mode table of API.md, as pure functions of one <see cref="Topology"/>: no I/O, no clock.
/// Removed pairs and namespaces need memory and come from <see cref="FindingsTracker"/>.
/// </summary>
public static class Rules
{
    /// <summary>Root causes first: a later rule stays quiet about what an earlier finding explains.</summary>
    internal static readonly IReadOnlyList<IFindingRule> All =
    [
        new PeerMissingRule(),
        new InterfaceDownRule(),
        new LoopbackDownRule(),
        new NoIpAddressRule(),
        new SubnetMismatchRule(),
        new DuplicateAddressRule(),
        new MtuMismatchRule(),
        new NoRouteRule(),
    ];

    /// <summary>
    /// What is wrong in <paramref name="topology"/>: findings of every rule but the two removal rules,
    /// with <see cref="Finding.Since"/> = <see cref="Topology.TakenAt"/>, errors first, then by namespace
    /// name and interface.
    /// </summary>
    public static IReadOnlyList<Finding> Evaluate(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var context = new AnalysisContext(new TopologyIndex(topology));
        foreach (var rule in All)
            foreach (var finding in rule.Evaluate(context))
                context.Add(finding);
        return context.Findings.Order(FindingOrder.Instance).ToList();
    }
}
