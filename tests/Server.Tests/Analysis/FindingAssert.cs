using Dashboard.Server.Analysis;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Analysis;

internal static class FindingAssert
{
    public static IReadOnlyList<Finding> Evaluate(TopologyBuilder builder) => Rules.Evaluate(builder.Build());

    public static void None(TopologyBuilder builder)
    {
        var findings = Evaluate(builder);
        Assert.True(findings.Count == 0, "Expected no findings, got:\n" + Describe(findings));
    }

    /// <summary>Exactly one finding in the whole topology: this rule on this interface.</summary>
    public static Finding Only(TopologyBuilder builder, string rule, TopologyBuilder.Ns ns, string? iface)
    {
        var findings = Evaluate(builder);
        Assert.True(findings.Count == 1, $"Expected exactly one {rule} finding, got:\n" + Describe(findings));
        return Is(findings[0], rule, ns, iface);
    }

    public static Finding Is(Finding finding, string rule, TopologyBuilder.Ns ns, string? iface)
    {
        Assert.Equal(rule, finding.Rule);
        Assert.Equal(ns.Id, finding.NamespaceId);
        Assert.Equal(ns.Name ?? ns.Display ?? ns.Id, finding.NamespaceName);
        Assert.Equal(iface, finding.Interface);
        Assert.False(string.IsNullOrWhiteSpace(finding.Title));
        Assert.False(string.IsNullOrWhiteSpace(finding.Symptom));
        Assert.False(string.IsNullOrWhiteSpace(finding.Evidence));
        return finding;
    }

    public static string Describe(IEnumerable<Finding> findings) =>
        string.Join('\n', findings.Select(f => $"  {f.Rule} {f.NamespaceName}/{f.Interface}: {f.Title} | {f.Evidence} | {string.Join(" ; ", f.Fix)}"));
}
