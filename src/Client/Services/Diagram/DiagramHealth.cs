using Dashboard.Shared;

namespace Dashboard.Client.Services.Diagram;

/// <summary>
/// The colour of every namespace, interface and pair. Two modes:
/// <list type="bullet">
/// <item><see cref="From"/>: health, from the live findings: the diagram and the failure-mode table say
/// the same thing because they read the same rules. Findings about what is gone (removed pairs and
/// namespaces) colour nothing: there is nothing left to draw.</item>
/// <item><see cref="Comparison"/>: what changed between two states of the node (added, removed,
/// changed, same), for the compare page's union of both sides.</item>
/// </list>
/// </summary>
public sealed class DiagramHealth
{
    private readonly Dictionary<(string Namespace, string Interface), string> _interfaces = [];
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

    private DiagramHealth(bool comparison) => IsComparison = comparison;

    /// <summary>Colours say what changed (added, removed, changed, same) rather than what is broken.</summary>
    public bool IsComparison { get; }

    /// <summary>The state of what nothing is said about: "ok", or "same" in a comparison.</summary>
    public string Default => IsComparison ? DiagramStates.Same : DiagramStates.Ok;

    public static DiagramHealth From(IReadOnlyList<Finding> findings)
    {
        var health = new DiagramHealth(comparison: false);
        foreach (var finding in findings)
        {
            if (finding.Rule is FindingRules.VethPairRemoved or FindingRules.NamespaceRemoved)
                continue;
            var state = finding.Severity switch
            {
                Severities.Error => DiagramStates.Error,
                Severities.Warning => DiagramStates.Warning,
                _ => DiagramStates.Ok,
            };
            if (state == DiagramStates.Ok)
                continue;
            health._namespaces[finding.NamespaceId] = DiagramStates.Worst(health.Namespace(finding.NamespaceId), state);
            if (finding.Interface is { } name)
            {
                var key = (finding.NamespaceId, name);
                health._interfaces[key] = DiagramStates.Worst(health._interfaces.GetValueOrDefault(key, DiagramStates.Ok), state);
            }
        }
        return health;
    }

    /// <summary>
    /// Comparison colours: namespaces by id, interfaces by (namespace id, name), pairs by
    /// <see cref="DiagramLayout.EdgeKey"/>; anything not named is "same". A pair not named is
    /// "changed" when one of its ends is not "same".
    /// </summary>
    public static DiagramHealth Comparison(
        IReadOnlyDictionary<string, string> namespaces,
        IReadOnlyDictionary<(string Namespace, string Interface), string> interfaces,
        IReadOnlyDictionary<string, string> links)
    {
        var health = new DiagramHealth(comparison: true);
        foreach (var (id, state) in namespaces) health._namespaces[id] = state;
        foreach (var (key, state) in interfaces) health._interfaces[key] = state;
        foreach (var (key, state) in links) health._links[key] = state;
        return health;
    }

    public string Namespace(string namespaceId) => _namespaces.GetValueOrDefault(namespaceId, Default);

    public string Interface(string namespaceId, string? name) =>
        name is null ? Default : _interfaces.GetValueOrDefault((namespaceId, name), Default);

    /// <summary>A pair is as bad as its worse end; in a comparison, added or removed as a pair, else changed when an end changed.</summary>
    public string Link(LinkEnd a, LinkEnd b)
    {
        if (!IsComparison)
            return DiagramStates.Worst(Interface(a.NamespaceId, a.Interface), Interface(b.NamespaceId, b.Interface));
        if (_links.TryGetValue(DiagramLayout.EdgeKey(a, b), out var state))
            return state;
        return Interface(a.NamespaceId, a.Interface) == DiagramStates.Same && Interface(b.NamespaceId, b.Interface) == DiagramStates.Same
            ? DiagramStates.Same
            : DiagramStates.Changed;
    }

    /// <summary>
    /// The state of a whole (a namespace, a frame) given one of its parts: the worse of the two for
    /// health; in a comparison, an added or removed whole stays so, and any other part that is not
    /// "same" makes the whole "changed".
    /// </summary>
    public string Combine(string whole, string part) =>
        !IsComparison ? DiagramStates.Worst(whole, part)
        : whole is DiagramStates.Added or DiagramStates.Removed || part == DiagramStates.Same ? whole
        : DiagramStates.Changed;
}
