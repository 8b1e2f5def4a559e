using Dashboard.Shared;

namespace Dashboard.Client.Services.Diagram;

/// <summary>
/// The colour of every namespace and interface, from the live findings: the diagram and the
/// failure-mode table say the same thing because they read the same rules. Findings about what
/// is gone (removed pairs and namespaces) colour nothing: there is nothing left to draw.
/// </summary>
public sealed class DiagramHealth
{
    private readonly Dictionary<(string Namespace, string Interface), string> _interfaces = [];
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);

    public static DiagramHealth From(IReadOnlyList<Finding> findings)
    {
        var health = new DiagramHealth();
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

    public string Namespace(string namespaceId) => _namespaces.GetValueOrDefault(namespaceId, DiagramStates.Ok);

    public string Interface(string namespaceId, string? name) =>
        name is null ? DiagramStates.Ok : _interfaces.GetValueOrDefault((namespaceId, name), DiagramStates.Ok);

    /// <summary>A pair is as bad as its worse end.</summary>
    public string Link(LinkEnd a, LinkEnd b) =>
        DiagramStates.Worst(Interface(a.NamespaceId, a.Interface), Interface(b.NamespaceId, b.Interface));
}
