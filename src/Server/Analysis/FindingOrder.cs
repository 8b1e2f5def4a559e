using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>The order findings are listed in: errors first, then by namespace name, interface, rule and id.</summary>
internal sealed class FindingOrder : IComparer<Finding>
{
    public static readonly FindingOrder Instance = new();

    public int Compare(Finding? x, Finding? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int c = Rank(x.Severity).CompareTo(Rank(y.Severity));
        if (c == 0) c = StringComparer.OrdinalIgnoreCase.Compare(x.NamespaceName ?? x.NamespaceId, y.NamespaceName ?? y.NamespaceId);
        if (c == 0) c = string.CompareOrdinal(x.NamespaceId, y.NamespaceId);
        if (c == 0) c = string.CompareOrdinal(x.Interface ?? "", y.Interface ?? "");
        if (c == 0) c = string.CompareOrdinal(x.Rule, y.Rule);
        if (c == 0) c = string.CompareOrdinal(x.Id, y.Id);
        return c;
    }

    private static int Rank(string severity) => severity switch
    {
        Severities.Error => 0,
        Severities.Warning => 1,
        Severities.Info => 2,
        _ => 3,
    };
}
