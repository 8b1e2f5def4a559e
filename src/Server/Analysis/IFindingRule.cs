using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// One rule of the failure-mode table. Rules run in <see cref="Rules.All"/>'s order, root causes first;
/// a later rule sees the earlier findings and stays quiet about a consequence of one of them.
/// </summary>
internal interface IFindingRule
{
    /// <summary>The rule id, one of <see cref="FindingRules"/>.</summary>
    string Rule { get; }

    IEnumerable<Finding> Evaluate(AnalysisContext context);
}

/// <summary>What a rule reads: the indexed topology and the findings of the rules that ran before it.</summary>
internal sealed class AnalysisContext(TopologyIndex index)
{
    private readonly List<Finding> _findings = [];
    private readonly HashSet<string> _ids = [];
    private readonly HashSet<(string Rule, string NamespaceId, string? Interface)> _keys = [];

    public TopologyIndex Index { get; } = index;

    public Topology Topology => Index.Topology;

    public IReadOnlyList<Finding> Findings => _findings;

    /// <summary>Whether an earlier rule already reported <paramref name="rule"/> on this interface.</summary>
    public bool Has(string rule, Endpoint on) => _keys.Contains((rule, on.Namespace.Id, on.Name));

    public void Add(Finding finding)
    {
        if (!_ids.Add(finding.Id)) return;
        _findings.Add(finding);
        _keys.Add((finding.Rule, finding.NamespaceId, finding.Interface));
    }

    /// <summary>A finding on <paramref name="on"/>, its id derived from the rule, the interface and <paramref name="idParts"/>.</summary>
    public Finding Create(string rule, string severity, Endpoint on, string title, string symptom, string evidence,
        IReadOnlyList<string> fix, params string?[] idParts) =>
        new(FindingIds.For(rule, on.Namespace.Id, on.Name, idParts), rule, severity, on.Namespace.Id, on.Namespace.DisplayName,
            on.Name, title, symptom, evidence, fix, Topology.TakenAt);
}
