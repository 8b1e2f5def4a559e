namespace Dashboard.Shared;

/// <summary>`ethtool -S` of one interface, read when asked (the details drawer's live counters).</summary>
public sealed record InterfaceCounters(
    string NamespaceId,
    string Interface,
    IReadOnlyDictionary<string, long> Counters,
    int? PeerIfindex,
    string Command,
    IReadOnlyList<string> Warnings,
    DateTimeOffset ReadAt);
