namespace Dashboard.Client.Services.Diagram;

/// <summary>
/// What the topology diagram draws, in SVG user units: plain records with value equality, so a
/// component re-renders only the boxes, tiles and edges whose record changed.
/// </summary>
public sealed record DiagramModel(
    double Width,
    double Height,
    IReadOnlyList<DiagramBox> Boxes,
    IReadOnlyList<DiagramGroup> Groups,
    IReadOnlyList<DiagramTile> Tiles,
    IReadOnlyList<DiagramEdge> Edges)
{
    public static readonly DiagramModel Empty = new(0, 0, [], [], [], []);
}

/// <summary>State at a glance, worst first: what the colours say.</summary>
public static class DiagramStates
{
    public const string Error = "error";
    public const string Warning = "warning";
    public const string Ok = "ok";

    /// <summary>Comparison states (<see cref="DiagramHealth.Comparison"/>): only on the "to" side, only on the "from" side, different, as it was.</summary>
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Changed = "changed";
    public const string Same = "same";

    public static string Worst(string a, string b) => Rank(a) >= Rank(b) ? a : b;

    public static int Rank(string state) => state switch
    {
        Error => 2,
        Warning => 1,
        _ => 0,
    };
}

/// <summary>
/// A namespace drawn large: the host, a namespace holding a bridge with members, or one with many
/// veth pairs. Its interfaces are listed inside, one line each; edges attach to those lines.
/// </summary>
public sealed record DiagramBox(
    string NamespaceId,
    string Label,
    string OwnerKind,
    string State,
    double X,
    double Y,
    double Width,
    double Height,
    IReadOnlyList<DiagramBoxLine> Lines,
    int MoreLines,
    bool Dimmed,
    bool Focused)
{
    public bool Equals(DiagramBox? other) =>
        other is not null && NamespaceId == other.NamespaceId && Label == other.Label && OwnerKind == other.OwnerKind
        && State == other.State && X == other.X && Y == other.Y && Width == other.Width && Height == other.Height
        && Lines.SequenceEqual(other.Lines) && MoreLines == other.MoreLines && Dimmed == other.Dimmed && Focused == other.Focused;

    public override int GetHashCode() => HashCode.Combine(NamespaceId, State, X, Y, Height, Lines.Count);
}

/// <summary>One interface inside a box: "cni0 bridge 10.88.0.1/16".</summary>
public sealed record DiagramBoxLine(string Interface, string Kind, string Detail, string State, double Y);

/// <summary>
/// The members of one bridge (or the routed veths of one namespace), drawn as a frame of tiles
/// under the box that holds the bridge. Large healthy groups are collapsed to their problems.
/// </summary>
public sealed record DiagramGroup(
    string Key,
    string HubNamespaceId,
    string Title,
    string Subtitle,
    string State,
    double X,
    double Y,
    double Width,
    double Height,
    int Members,
    int HiddenHealthy,
    bool Collapsible,
    bool Expanded,
    IReadOnlyList<double> BusYs,
    DiagramPoint[] Trunk)
{
    public bool Equals(DiagramGroup? other) =>
        other is not null && Key == other.Key && Title == other.Title && Subtitle == other.Subtitle && State == other.State
        && X == other.X && Y == other.Y && Width == other.Width && Height == other.Height && Members == other.Members
        && HiddenHealthy == other.HiddenHealthy && Collapsible == other.Collapsible && Expanded == other.Expanded
        && BusYs.SequenceEqual(other.BusYs) && Trunk.SequenceEqual(other.Trunk);

    public override int GetHashCode() => HashCode.Combine(Key, State, X, Y, Height, Members, HiddenHealthy);
}

/// <summary>
/// A namespace drawn small: a pod under its bridge, one end of a plain pair, or a namespace with
/// no veth at all. <see cref="Interface"/> is its end of the link that placed it.
/// </summary>
public sealed record DiagramTile(
    string NamespaceId,
    string Label,
    string OwnerKind,
    string? Interface,
    string Detail,
    string State,
    double X,
    double Y,
    bool Dimmed,
    bool Focused,
    bool PeerMissing);

/// <summary>
/// A veth pair (or the stub of a bridge member's pair), from end A to end B. Ends name their
/// namespace by id and by label, so tests and links can find an edge the way a person names it.
/// </summary>
public sealed record DiagramEdge(
    string Key,
    string Kind,
    string State,
    string ANamespaceId,
    string ALabel,
    string AInterface,
    string? BNamespaceId,
    string? BLabel,
    string? BInterface,
    DiagramPoint[] Points,
    bool Dimmed)
{
    public const string Veth = "veth";
    public const string Member = "member";

    public bool Equals(DiagramEdge? other) =>
        other is not null && Key == other.Key && Kind == other.Kind && State == other.State && ALabel == other.ALabel
        && BLabel == other.BLabel && AInterface == other.AInterface && BInterface == other.BInterface
        && Points.SequenceEqual(other.Points) && Dimmed == other.Dimmed;

    public override int GetHashCode() => HashCode.Combine(Key, State, Points.Length, Dimmed);

    /// <summary>The SVG path: straight segments, or a curve when the edge was given four control points.</summary>
    public string PathData => DiagramGeometry.Path(Points, curved: Kind == Veth && Points.Length == 4);
}

public readonly record struct DiagramPoint(double X, double Y);

internal static class DiagramGeometry
{
    public static string Path(IReadOnlyList<DiagramPoint> points, bool curved)
    {
        if (points.Count == 0) return "";
        var sb = new System.Text.StringBuilder();
        sb.Append('M').Append(F(points[0].X)).Append(' ').Append(F(points[0].Y));
        if (curved)
        {
            sb.Append(" C");
            for (var i = 1; i < points.Count; i++)
                sb.Append(' ').Append(F(points[i].X)).Append(' ').Append(F(points[i].Y));
            return sb.ToString();
        }
        for (var i = 1; i < points.Count; i++)
            sb.Append(" L").Append(F(points[i].X)).Append(' ').Append(F(points[i].Y));
        return sb.ToString();
    }

    public static string F(double value) => value.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
