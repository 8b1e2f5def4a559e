namespace Dashboard.Shared;

/// <summary>`POST /api/snapshots` body: a label (required, one line, at most <see cref="SnapshotLimits.LabelLength"/> characters) and who takes it (optional).</summary>
public sealed record SnapshotRequest(string? Label, string? By = null);

/// <summary>`POST /api/snapshots` answer: the new snapshot's id and the page that shows it.</summary>
public sealed record SnapshotCreated(string Id, string Label, DateTimeOffset TakenAt, string Url);

/// <summary>One row of `GET /api/snapshots`, newest first.</summary>
public sealed record SnapshotSummary(string Id, string Label, DateTimeOffset TakenAt, int NamespaceCount, int FindingCount)
{
    /// <summary>The node it was taken on (differs from this node's for an import).</summary>
    public string Hostname { get; init; } = "";

    /// <summary>How it came to be: <see cref="SnapshotOrigins"/>.</summary>
    public string Origin { get; init; } = SnapshotOrigins.Manual;

    /// <summary>Who took it: the request's "by", else the caller's address; "schedule" or the finding for automatic ones.</summary>
    public string? TakenBy { get; init; }

    public int LinkCount { get; init; }

    public int ErrorCount { get; init; }
}

/// <summary>
/// `GET /api/snapshots/{id}`: the node frozen at <see cref="TakenAt"/>, its topology and findings exactly as
/// `/api/topology` and `/api/findings` gave them then. The same document is the export format, and
/// `POST /api/snapshots/import` takes it back (from this node or another).
/// </summary>
public sealed record Snapshot(string Id, string Label, DateTimeOffset TakenAt, Topology Topology, IReadOnlyList<Finding> Findings)
{
    public string Origin { get; init; } = SnapshotOrigins.Manual;

    public string? TakenBy { get; init; }

    /// <summary>The format of this document, for imports of later exports.</summary>
    public int Format { get; init; } = SnapshotLimits.Format;
}

public static class SnapshotOrigins
{
    /// <summary>Taken by a person (the UI or the API).</summary>
    public const string Manual = "manual";

    /// <summary>Taken on the schedule (Dashboard:Snapshots:Interval).</summary>
    public const string Schedule = "schedule";

    /// <summary>Taken because a new finding appeared (Dashboard:Snapshots:OnNewFinding).</summary>
    public const string Finding = "finding";

    /// <summary>Imported from an export (possibly another node's).</summary>
    public const string Import = "import";

    public static bool IsAutomatic(string origin) => origin is Schedule or Finding;
}

public static class SnapshotLimits
{
    public const int Format = 1;
    public const int LabelLength = 200;
    public const int ByLength = 100;

    /// <summary>The side of a comparison that means "the node as it is now".</summary>
    public const string Live = "live";

    /// <summary>A label or "by": one line of printable text, no longer than <paramref name="max"/>.</summary>
    public static bool IsValidText(string? text, int max) =>
        text is not null && text.Length <= max && !text.Any(char.IsControl);
}

/// <summary>
/// `GET /api/snapshots/{a}/compare/{b}`: what changed from <see cref="From"/> to <see cref="To"/> (snapshot ids or
/// "live"). Namespaces are matched by what names them (host, iproute2 name, pod or container; the inode only
/// when nothing else does), so a namespace deleted and made again is the same one, and two nodes compare.
/// Interfaces are matched by name within their namespace, veth pairs by both ends.
/// </summary>
public sealed record TopologyComparison(
    string From,
    string To,
    NamespaceChanges Namespaces,
    InterfaceChanges Interfaces,
    LinkChanges Links,
    FindingChanges Findings)
{
    public DateTimeOffset FromTakenAt { get; init; }

    public DateTimeOffset ToTakenAt { get; init; }

    public string? FromHostname { get; init; }

    public string? ToHostname { get; init; }

    public bool IsEmpty =>
        Namespaces.Added.Count == 0 && Namespaces.Removed.Count == 0 &&
        Interfaces.Added.Count == 0 && Interfaces.Removed.Count == 0 && Interfaces.Changed.Count == 0 &&
        Links.Added.Count == 0 && Links.Removed.Count == 0 &&
        Findings.New.Count == 0 && Findings.Resolved.Count == 0;
}

/// <summary>A namespace as a comparison names it; <see cref="Id"/> is its id on the side it is from.</summary>
public sealed record NamespaceRef(string Id, string? Name)
{
    public string DisplayName { get; init; } = Name ?? Id;
}

public sealed record NamespaceChanges(IReadOnlyList<NamespaceRef> Added, IReadOnlyList<NamespaceRef> Removed);

/// <summary>An interface as a comparison names it; <see cref="NamespaceId"/> is the id on the side it is from.</summary>
public sealed record InterfaceRef(string NamespaceId, string? NamespaceName, string Name);

/// <summary>An interface on both sides whose facts differ; ids are the "to" side's.</summary>
public sealed record InterfaceChange(string NamespaceId, string? NamespaceName, string Name, IReadOnlyList<FieldChange> Changes)
{
    /// <summary>Its namespace's id on the "from" side (differs after the namespace was made again).</summary>
    public string? FromNamespaceId { get; init; }
}

/// <summary>One fact of an interface, before and after, as text ("UP", "1500", "10.0.1.1/24, fe80::1/64", "pod-blue/veth-blue", or null for none).</summary>
public sealed record FieldChange(string Field, string? From, string? To);

public static class ChangedFields
{
    public const string AdminUp = "adminUp";
    public const string OperState = "operState";
    public const string Mtu = "mtu";
    public const string Addresses = "addresses";
    public const string Master = "master";
    public const string Peer = "peer";
    public const string Kind = "kind";
}

public sealed record InterfaceChanges(IReadOnlyList<InterfaceRef> Added, IReadOnlyList<InterfaceRef> Removed, IReadOnlyList<InterfaceChange> Changed);

/// <summary>Veth pairs as in <see cref="Topology.Links"/>: added ones with the "to" side's ids, removed ones with the "from" side's.</summary>
public sealed record LinkChanges(IReadOnlyList<Link> Added, IReadOnlyList<Link> Removed);

/// <summary>Findings present only on the "to" side (new) or only on the "from" side (resolved), matched by rule and place.</summary>
public sealed record FindingChanges(IReadOnlyList<Finding> New, IReadOnlyList<Finding> Resolved);
