using System.Globalization;
using Dashboard.Shared;

namespace Dashboard.Client.Services.Diagram;

/// <summary>What the person asked to see: the page's search, the <c>?ns=</c> focus, the groups they opened.</summary>
public sealed record DiagramOptions(string? Filter = null, string? Focus = null, IReadOnlySet<string>? Expanded = null);

/// <summary>
/// Lays the node out as columns, one per "hub" (the host, a namespace holding a bridge with
/// members, or one with many veth pairs): the hub's box on top, and under it one frame per bridge
/// holding its members as tiles, the way a CNI node is built. Namespaces paired only with each
/// other get a lane each in a column after the host's; namespaces with no pair a frame under them.
/// <para>
/// The layout remembers where it put things (one instance per page): a namespace keeps its slot
/// while it is shown, a new one takes a free slot, frames grow but do not shrink while the page is
/// open. So a live update redraws what changed and nothing else moves, which is why this is not
/// a force-directed layout.
/// </para>
/// </summary>
public sealed class DiagramLayout
{
    public const double Margin = 16;
    public const double BoxWidth = 320;
    public const double BoxHeader = 44;
    public const double BoxLine = 17;
    public const int BoxMaxLines = 8;
    public const double TileWidth = 184;
    public const double TileHeight = 46;
    public const double TileGap = 12;
    /// <summary>Tile rows are this far apart; each row's bus runs in the gap above it.</summary>
    public const double RowPitch = TileHeight + 22;
    public const double GroupHeader = 34;
    public const double GroupPad = 12;
    /// <summary>Room at a column's left for the trunks from the hub to its frames.</summary>
    public const double Gutter = 40;
    public const double ColumnGap = 60;
    public const double SectionGap = 24;
    /// <summary>Room between the two tiles of a plain pair, for the edge and its labels.</summary>
    public const double PairGap = 96;
    /// <summary>Lanes are this far apart: room for the arcs of pairs between tiles that are not neighbours.</summary>
    public const double LanePitch = TileHeight + 34;
    /// <summary>A frame with more members than this shows only those with a problem (or that the search or focus asks for).</summary>
    public const int CollapseAbove = 24;

    public const string PairsKey = "~pairs";
    public const string IsolatedKey = "~isolated";
    private const string Routed = "~routed";

    private readonly List<string> _hubOrder = [];
    private readonly Dictionary<string, List<string>> _groupOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SlotMap> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _columns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _collapsedBefore = new(StringComparer.Ordinal);
    private readonly SlotMap _lanes = new();
    private readonly Dictionary<string, string> _laneOf = new(StringComparer.Ordinal);
    private double _boxRow;
    private int _laneRows;
    private double _othersWidth;

    public DiagramModel Build(Topology topology, IReadOnlyList<Finding> findings, DiagramOptions? options = null) =>
        Build(topology, DiagramHealth.From(findings), options);

    /// <summary>Lays out <paramref name="topology"/> coloured by <paramref name="health"/> (the findings' health, or a comparison's changes).</summary>
    public DiagramModel Build(Topology topology, DiagramHealth health, DiagramOptions? options = null)
    {
        options ??= new DiagramOptions();
        var byId = topology.Namespaces.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var links = topology.Links.Where(l => byId.ContainsKey(l.A.NamespaceId) && byId.ContainsKey(l.B.NamespaceId)).ToList();
        var linksOf = topology.Namespaces.ToDictionary(n => n.Id, _ => new List<(LinkEnd Own, LinkEnd Other)>(), StringComparer.Ordinal);
        foreach (var link in links)
        {
            linksOf[link.A.NamespaceId].Add((link.A, link.B));
            if (link.A.NamespaceId != link.B.NamespaceId)
                linksOf[link.B.NamespaceId].Add((link.B, link.A));
        }

        var view = new View(topology, linksOf, options);
        var hubs = topology.Namespaces.Where(n => IsHub(n, linksOf[n.Id])).ToList();
        UpdateHubOrder(hubs);
        var hubSet = _hubOrder.ToHashSet(StringComparer.Ordinal);

        // Every other namespace joins the frame of the first hub it has a pair with (the bridge its
        // peer is enslaved to, or the hub's routed veths); the rest are lanes or isolated.
        var members = new Dictionary<string, List<Member>>(StringComparer.Ordinal);
        var placedBy = new Dictionary<string, (LinkEnd Own, LinkEnd Other)>(StringComparer.Ordinal);
        var rest = new List<NetworkNamespace>();
        foreach (var ns in TopologyView.Ordered(topology.Namespaces).Where(n => !hubSet.Contains(n.Id)))
        {
            var toHub = linksOf[ns.Id]
                .Where(l => hubSet.Contains(l.Other.NamespaceId))
                .OrderBy(l => _hubOrder.IndexOf(l.Other.NamespaceId)).ThenBy(l => l.Own.Interface, StringComparer.Ordinal)
                .Select(l => ((LinkEnd Own, LinkEnd Other)?)l).FirstOrDefault();
            if (toHub is not { } link)
            {
                rest.Add(ns);
                continue;
            }
            var hub = byId[link.Other.NamespaceId];
            var master = hub.Interfaces.FirstOrDefault(i => i.Name == link.Other.Interface)?.Master;
            var key = GroupKey(hub.Id, master is not null && hub.Interfaces.Any(i => i.Name == master && i.Kind == InterfaceKinds.Bridge) ? master : Routed);
            if (!members.TryGetValue(key, out var list))
                members[key] = list = [];
            list.Add(new Member(ns, link.Own, link.Other));
            placedBy[ns.Id] = link;
        }

        var boxes = new List<DiagramBox>();
        var groups = new List<DiagramGroup>();
        var tiles = new List<DiagramTile>();
        var edges = new List<DiagramEdge>();
        var anchors = new Dictionary<(string Ns, string If), DiagramPoint>();
        var tileAt = new Dictionary<string, DiagramTile>(StringComparer.Ordinal);

        // Hub boxes, one row across the top: every box as tall as the tallest one seen.
        var boxLines = _hubOrder.ToDictionary(id => id, id => BoxLines(byId[id], health), StringComparer.Ordinal);
        _boxRow = Math.Max(_boxRow, boxLines.Values.Select(l => BoxHeight(l.Shown.Count, l.More)).DefaultIfEmpty(0).Max());

        // Columns: the host, then the namespaces that are not hubs (lanes and the no-pair frame),
        // then the other hubs in the order they appeared: a hub that appears later goes on the
        // right and moves nothing that was already drawn.
        var x = Margin;
        var height = Margin + _boxRow;
        for (var c = 0; c < _hubOrder.Count; c++)
        {
            if (c == 1) LayoutOthers();
            var hubId = _hubOrder[c];
            var hub = byId[hubId];
            var keys = UpdateGroupOrder(hubId, members.Keys.Where(k => k.StartsWith(hubId + "/", StringComparison.Ordinal)));
            var frames = keys.Select(k => (Key: k, Members: members[k])).ToList();
            var columnWidth = Math.Max(BoxWidth, frames.Select(f => Gutter + GroupWidth(Columns(f.Key, f.Members.Count))).DefaultIfEmpty(0).Max());

            var (shown, more) = boxLines[hubId];
            var box = new DiagramBox(hubId, hub.DisplayName, hub.Owner.Kind, WorstOf(health.Namespace(hubId), shown, health),
                x, Margin, BoxWidth, _boxRow, [.. shown.Select((l, i) => l with { Y = Margin + BoxHeader + i * BoxLine + BoxLine / 2 })],
                more, view.Dimmed(hub), view.Focused(hub));
            boxes.Add(box);
            foreach (var line in box.Lines)
                anchors[(hubId, line.Interface)] = new DiagramPoint(x + BoxWidth, line.Y);

            var y = Margin + _boxRow + SectionGap;
            for (var gi = 0; gi < frames.Count; gi++)
            {
                var (key, list) = frames[gi];
                var group = LayoutGroup(key, hub, list, view, health, x + Gutter, y, trunkX: x + 12 + gi * 8 % (Gutter - 16), trunkTop: Margin + _boxRow, tiles, edges, tileAt);
                groups.Add(group);
                y += group.Height + SectionGap;
            }
            height = Math.Max(height, y);
            x += columnWidth + ColumnGap;
        }
        if (_hubOrder.Count < 2) LayoutOthers();
        var width = x - ColumnGap + Margin;

        // Lanes of namespaces paired with each other, then the frame of those with no pair; as
        // wide as it has ever been while the page is open (so the hubs to its right stay put).
        void LayoutOthers()
        {
            var linked = rest.Where(n => linksOf[n.Id].Count > 0).ToList();
            var isolated = rest.Where(n => linksOf[n.Id].Count == 0).ToList();
            var start = x + GroupPad;
            var (lanesWidth, lanesBottom) = LayoutLanes(linked, linksOf, byId, view, health, start, Margin, groups, tiles, edges, tileAt);
            var otherWidth = lanesWidth;
            var otherBottom = lanesBottom;
            if (isolated.Count > 0)
            {
                var y = lanesBottom > Margin ? lanesBottom + SectionGap : Margin;
                var list = isolated.Select(n => new Member(n, null, null)).ToList();
                var group = LayoutGroup(IsolatedKey, null, list, view, health, x, y, 0, 0, tiles, edges, tileAt);
                groups.Add(group);
                otherWidth = Math.Max(otherWidth, group.Width);
                otherBottom = y + group.Height;
            }
            else
            {
                ForgetGroup(IsolatedKey);
            }
            // At least as wide as a frame of 4 tiles: the first namespace with no pair, or a third
            // namespace in a chain, then fits without pushing the hubs on the right.
            if (otherWidth > 0)
                _othersWidth = Math.Max(_othersWidth, Math.Max(otherWidth, GroupWidth(4)));
            height = Math.Max(height, otherBottom);
            if (_othersWidth > 0)
                x += _othersWidth + ColumnGap;
        }

        foreach (var tile in tiles)
            if (tile.Interface is not null)
                anchors.TryAdd((tile.NamespaceId, tile.Interface), new DiagramPoint(tile.X + TileWidth / 2, tile.Y + TileHeight / 2));

        var drawn = edges.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        // Pairs between hubs, and any pair not drawn yet (a member's second pair): curves between their ends.
        foreach (var link in links)
        {
            var key = EdgeKey(link.A, link.B);
            if (!drawn.Add(key)) continue;
            var a = Anchor(link.A, anchors, boxes, tileAt);
            var b = Anchor(link.B, anchors, boxes, tileAt);
            if (a is null || b is null) continue;
            edges.Add(new DiagramEdge(key, DiagramEdge.Veth, health.Link(link.A, link.B),
                link.A.NamespaceId, byId[link.A.NamespaceId].DisplayName, link.A.Interface,
                link.B.NamespaceId, byId[link.B.NamespaceId].DisplayName, link.B.Interface,
                Curve(a.Value, b.Value), view.Dimmed(byId[link.A.NamespaceId]) || view.Dimmed(byId[link.B.NamespaceId])));
        }

        return new DiagramModel(Math.Max(width, 200), Math.Max(height + Margin, 120), boxes, groups, tiles, edges);
    }

    /// <summary>Forgets every remembered place: the next build lays the node out afresh (the "re-arrange" button).</summary>
    public void Reset()
    {
        _hubOrder.Clear();
        _groupOrder.Clear();
        _slots.Clear();
        _rows.Clear();
        _columns.Clear();
        _collapsedBefore.Clear();
        _lanes.Clear();
        _laneOf.Clear();
        _boxRow = 0;
        _laneRows = 0;
        _othersWidth = 0;
    }

    public static string GroupKey(string hubId, string bridge) => $"{hubId}/{bridge}";

    public static string EdgeKey(LinkEnd a, LinkEnd b)
    {
        var x = $"{a.NamespaceId}:{a.Interface}";
        var y = $"{b.NamespaceId}:{b.Interface}";
        return string.CompareOrdinal(x, y) <= 0 ? $"{x}|{y}" : $"{y}|{x}";
    }

    private static bool IsHub(NetworkNamespace ns, List<(LinkEnd Own, LinkEnd Other)> links) =>
        ns.IsRoot
        || ns.Interfaces.Any(b => b.Kind == InterfaceKinds.Bridge && ns.Interfaces.Any(m => m.Master == b.Name))
        || links.Select(l => l.Other.NamespaceId).Where(id => id != ns.Id).Distinct(StringComparer.Ordinal).Count() >= 3;

    private void UpdateHubOrder(List<NetworkNamespace> hubs)
    {
        var present = hubs.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _hubOrder.Where(id => !present.Contains(id)).ToList())
        {
            _hubOrder.Remove(gone);
            foreach (var key in _groupOrder.GetValueOrDefault(gone) ?? [])
                ForgetGroup(key);
            _groupOrder.Remove(gone);
        }
        foreach (var hub in TopologyView.Ordered(hubs).Where(h => !_hubOrder.Contains(h.Id)))
            _hubOrder.Add(hub.Id);
    }

    private List<string> UpdateGroupOrder(string hubId, IEnumerable<string> keys)
    {
        if (!_groupOrder.TryGetValue(hubId, out var order))
            _groupOrder[hubId] = order = [];
        var present = keys.ToHashSet(StringComparer.Ordinal);
        foreach (var gone in order.Where(k => !present.Contains(k)).ToList())
        {
            order.Remove(gone);
            ForgetGroup(gone);
        }
        order.AddRange(present.Where(k => !order.Contains(k)).Order(StringComparer.Ordinal));
        return order;
    }

    private void ForgetGroup(string key)
    {
        _slots.Remove(key);
        _rows.Remove(key);
        _columns.Remove(key);
        _collapsedBefore.Remove(key);
    }

    /// <summary>4 tiles a row for a small frame, 8 once it has held more than 12 members; never back.</summary>
    private int Columns(string key, int members)
    {
        var columns = Math.Max(_columns.GetValueOrDefault(key, 4), members > 12 ? 8 : 4);
        _columns[key] = columns;
        return columns;
    }

    public static double GroupWidth(int columns) => 2 * GroupPad + columns * TileWidth + (columns - 1) * TileGap;

    private static double BoxHeight(int lines, int more) => BoxHeader + (lines + (more > 0 ? 1 : 0)) * BoxLine + 8;

    private sealed record Member(NetworkNamespace Namespace, LinkEnd? Own, LinkEnd? HubEnd);

    private DiagramGroup LayoutGroup(
        string key, NetworkNamespace? hub, List<Member> list, View view, DiagramHealth health,
        double x, double y, double trunkX, double trunkTop,
        List<DiagramTile> tiles, List<DiagramEdge> edges, Dictionary<string, DiagramTile> tileAt)
    {
        var expanded = view.Options.Expanded?.Contains(key) == true;
        var collapsible = list.Count > CollapseAbove;
        var collapsed = collapsible && !expanded;
        if (_collapsedBefore.TryGetValue(key, out var before) && before != collapsed)
        {
            // The frame was opened or closed (by the person, or by growing past the limit): lay it out afresh.
            _slots.Remove(key);
            _rows.Remove(key);
        }
        _collapsedBefore[key] = collapsed;

        var states = list.ToDictionary(m => m.Namespace.Id, m => MemberState(m, health), StringComparer.Ordinal);
        var shown = collapsed
            ? list.Where(m => states[m.Namespace.Id] != health.Default || view.Wanted(m.Namespace)).ToList()
            : list;
        if (!_slots.TryGetValue(key, out var slots))
            _slots[key] = slots = new SlotMap();
        slots.RetainOnly(shown.Select(m => m.Namespace.Id).ToHashSet(StringComparer.Ordinal));
        foreach (var member in shown)
            slots.Assign(member.Namespace.Id);

        var columns = Columns(key, list.Count);
        var rows = Math.Max(_rows.GetValueOrDefault(key), (slots.Extent + columns - 1) / columns);
        _rows[key] = rows;
        var width = GroupWidth(columns);
        var height = GroupHeader + (rows == 0 ? 0 : 10 + (rows - 1) * RowPitch + TileHeight) + GroupPad;

        // A bus for each row that has tiles.
        var busYs = new List<double>();
        if (hub is not null)
        {
            var used = shown.Select(m => slots.TryGet(m.Namespace.Id, out var slot) ? slot / columns : -1).ToHashSet();
            for (var r = 0; r < rows; r++)
                if (used.Contains(r))
                    busYs.Add(y + GroupHeader + r * RowPitch - 1);
        }

        foreach (var member in shown)
        {
            slots.TryGet(member.Namespace.Id, out var slot);
            var tx = x + GroupPad + slot % columns * (TileWidth + TileGap);
            var ty = y + GroupHeader + 10 + slot / columns * RowPitch;
            var ns = member.Namespace;
            var tile = Tile(ns, member.Own?.Interface, states[ns.Id], tx, ty, view);
            tiles.Add(tile);
            tileAt[ns.Id] = tile;
            if (member.Own is { } own && member.HubEnd is { } hubEnd && hub is not null)
            {
                var cx = tx + TileWidth / 2;
                edges.Add(new DiagramEdge(EdgeKey(own, hubEnd), DiagramEdge.Member, health.Link(own, hubEnd),
                    ns.Id, ns.DisplayName, own.Interface, hub.Id, hub.DisplayName, hubEnd.Interface,
                    [new DiagramPoint(cx, ty - 11), new DiagramPoint(cx, ty)], tile.Dimmed));
            }
        }

        var state = list.Select(m => states[m.Namespace.Id]).Aggregate(health.Default, health.Combine);
        string title, subtitle;
        DiagramPoint[] trunk = [];
        var problems = list.Count(m => states[m.Namespace.Id] != health.Default);
        var hidden = list.Count - shown.Count;
        var count = list.Count == 1 ? "1 member" : $"{list.Count} members";
        if (hub is null)
        {
            title = "No veth pair";
            subtitle = $"{list.Count} namespace{(list.Count == 1 ? "" : "s")}";
        }
        else
        {
            var bridge = key[(hub.Id.Length + 1)..];
            if (bridge == Routed)
            {
                title = $"veths routed in {hub.DisplayName}";
            }
            else
            {
                var iface = hub.Interfaces.FirstOrDefault(i => i.Name == bridge);
                var address = iface?.Addresses.FirstOrDefault(a => !TopologyView.IsLinkLocal(a));
                title = address is null ? $"bridge {bridge}" : $"bridge {bridge} · {address}";
                state = health.Combine(state, health.Interface(hub.Id, bridge));
            }
            subtitle = count;
            var midY = y + GroupHeader / 2;
            trunk = [new DiagramPoint(trunkX, trunkTop), new DiagramPoint(trunkX, midY), new DiagramPoint(x, midY)];
        }
        if (problems > 0)
            subtitle += health.IsComparison ? $" · {problems} changed" : $" · {problems} with problems";
        if (hidden > 0)
            subtitle += health.IsComparison ? $" · {hidden} unchanged hidden" : $" · {hidden} healthy hidden";
        return new DiagramGroup(key, hub?.Id ?? "", title, subtitle, state, x, y, width, height,
            list.Count, hidden, collapsible, expanded, busYs, trunk);
    }

    private (double Width, double Bottom) LayoutLanes(
        List<NetworkNamespace> linked, Dictionary<string, List<(LinkEnd Own, LinkEnd Other)>> linksOf,
        Dictionary<string, NetworkNamespace> byId, View view, DiagramHealth health, double x, double top,
        List<DiagramGroup> groups, List<DiagramTile> tiles, List<DiagramEdge> edges, Dictionary<string, DiagramTile> tileAt)
    {
        // Connected components of the pair graph among these namespaces.
        var inSet = linked.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<NetworkNamespace>>();
        foreach (var start in linked)
        {
            if (!seen.Add(start.Id)) continue;
            var component = new List<NetworkNamespace>();
            var queue = new Queue<NetworkNamespace>([start]);
            while (queue.TryDequeue(out var ns))
            {
                component.Add(ns);
                foreach (var (_, other) in linksOf[ns.Id])
                    if (inSet.Contains(other.NamespaceId) && seen.Add(other.NamespaceId))
                        queue.Enqueue(byId[other.NamespaceId]);
            }
            components.Add(component);
        }
        if (components.Count == 0)
        {
            _lanes.Clear();
            _laneOf.Clear();
            _laneRows = 0;
            return (0, top);
        }

        // A lane is named by its anchor: the member that already had a lane (the lowest), else the first by name.
        var anchors = new List<(string Anchor, List<NetworkNamespace> Members)>();
        foreach (var component in components)
        {
            var anchor = component
                .Select(n => _laneOf.TryGetValue(n.Id, out var a) && _lanes.TryGet(a, out var slot) ? (Anchor: a, Slot: slot) : (Anchor: (string?)null, Slot: int.MaxValue))
                .Where(t => t.Anchor is not null).OrderBy(t => t.Slot).Select(t => t.Anchor).FirstOrDefault()
                ?? component.OrderBy(n => n.DisplayName, StringComparer.Ordinal).First().Id;
            if (anchors.Any(a => a.Anchor == anchor))
                anchor = component.OrderBy(n => n.DisplayName, StringComparer.Ordinal).First().Id;
            anchors.Add((anchor, component));
        }
        _lanes.RetainOnly(anchors.Select(a => a.Anchor).ToHashSet(StringComparer.Ordinal));
        _laneOf.Clear();
        foreach (var (anchor, component) in anchors)
        {
            _lanes.Assign(anchor);
            foreach (var ns in component)
                _laneOf[ns.Id] = anchor;
        }
        _laneRows = Math.Max(_laneRows, _lanes.Extent);

        var laneTop = top + GroupHeader;
        var drawn = new HashSet<string>(StringComparer.Ordinal);
        var width = 0.0;
        var state = health.Default;
        foreach (var (anchor, component) in anchors)
        {
            _lanes.TryGet(anchor, out var lane);
            var y = laneTop + lane * LanePitch + 26;
            // Breadth-first from the anchor, neighbours by name: a pair reads left to right, a chain as a chain.
            var order = new List<NetworkNamespace>();
            var visited = new HashSet<string>(StringComparer.Ordinal);
            // The lane's key may name a namespace that has gone (the lane keeps its place): start from a member then.
            var start = component.FirstOrDefault(n => n.Id == anchor) ?? component.OrderBy(n => n.DisplayName, StringComparer.Ordinal).First();
            var queue = new Queue<NetworkNamespace>([start]);
            visited.Add(start.Id);
            while (queue.TryDequeue(out var ns))
            {
                order.Add(ns);
                foreach (var next in linksOf[ns.Id].Select(l => l.Other.NamespaceId).Where(inSet.Contains).Distinct()
                             .Select(id => byId[id]).OrderBy(n => n.DisplayName, StringComparer.Ordinal))
                    if (visited.Add(next.Id))
                        queue.Enqueue(next);
            }
            var position = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < order.Count; i++)
            {
                var ns = order[i];
                position[ns.Id] = i;
                // The tile shows its end of the pair towards the previous tile (or the next one, for the first).
                var towards = i > 0 ? order[i - 1].Id : order.Count > 1 ? order[1].Id : null;
                var own = linksOf[ns.Id].Where(l => l.Other.NamespaceId == towards).Select(l => l.Own.Interface).FirstOrDefault()
                    ?? linksOf[ns.Id].Select(l => l.Own.Interface).FirstOrDefault();
                // A lane's tile shows its own namespace's state; the broken pair is the edge's colour.
                var tileState = health.Namespace(ns.Id);
                var tile = Tile(ns, own, tileState, x + i * (TileWidth + PairGap), y, view);
                tiles.Add(tile);
                tileAt[ns.Id] = tile;
                state = health.Combine(state, tileState);
            }
            width = Math.Max(width, order.Count * TileWidth + (order.Count - 1) * PairGap);

            // Each pair once: neighbours in the lane get a straight edge, others an arc above.
            foreach (var ns in order)
                foreach (var (own, other) in linksOf[ns.Id])
                {
                    if (!position.TryGetValue(other.NamespaceId, out var j) || position[ns.Id] > j
                        || (position[ns.Id] == j && string.CompareOrdinal(own.Interface, other.Interface) > 0))
                        continue;
                    var i = position[ns.Id];
                    var a = tileAt[ns.Id];
                    var b = tileAt[other.NamespaceId];
                    DiagramPoint[] points = j == i + 1
                        ? [new(a.X + TileWidth, y + TileHeight / 2), new(b.X, y + TileHeight / 2)]
                        : [new(a.X + TileWidth / 2 + 12, y), new(a.X + TileWidth / 2 + 12, y - 22), new(b.X + TileWidth / 2 - 12, y - 22), new(b.X + TileWidth / 2 - 12, y)];
                    if (!drawn.Add(EdgeKey(own, other))) continue;
                    edges.Add(new DiagramEdge(EdgeKey(own, other), DiagramEdge.Veth, health.Link(own, other),
                        ns.Id, ns.DisplayName, own.Interface, other.NamespaceId, byId[other.NamespaceId].DisplayName, other.Interface,
                        points, a.Dimmed || b.Dimmed));
                }
        }

        var height = GroupHeader + _laneRows * LanePitch + 26 - (LanePitch - TileHeight) + GroupPad;
        var pairs = components.Count == 1 ? "1 set" : $"{components.Count} sets";
        groups.Add(new DiagramGroup(PairsKey, "", "Namespaces paired with each other", pairs, state,
            x - GroupPad, top, Math.Max(width + 2 * GroupPad, BoxWidth), height, linked.Count, 0, false, false, [], []));
        return (Math.Max(width + 2 * GroupPad, BoxWidth), top + height);
    }

    private static DiagramTile Tile(NetworkNamespace ns, string? iface, string state, double x, double y, View view)
    {
        var own = iface is null ? null : ns.Interfaces.FirstOrDefault(i => i.Name == iface);
        var address = own?.Addresses.FirstOrDefault(a => !a.Contains(':', StringComparison.Ordinal))
            ?? own?.Addresses.FirstOrDefault(a => !TopologyView.IsLinkLocal(a))
            ?? ns.Interfaces.SelectMany(i => i.Addresses).FirstOrDefault(a => a != "127.0.0.1/8" && a != "::1/128" && !TopologyView.IsLinkLocal(a));
        var detail = iface is null ? address ?? ns.Owner.Kind : address is null ? iface : $"{iface} {address}";
        var peerMissing = ns.Interfaces.Any(i => i.Kind == InterfaceKinds.Veth && (i.Peer is null || i.Peer.NamespaceId is null));
        return new DiagramTile(ns.Id, ns.DisplayName, ns.Owner.Kind, iface, detail, state, x, y, view.Dimmed(ns), view.Focused(ns), peerMissing);
    }

    private static string MemberState(Member member, DiagramHealth health)
    {
        var state = health.Namespace(member.Namespace.Id);
        if (member.Own is { } own && member.HubEnd is { } hubEnd)
            state = health.Combine(state, health.Link(own, hubEnd));
        return state;
    }

    /// <summary>The interfaces a box lists: bridges, then veths, then the rest; not the bridges' members (their tiles show them), not a healthy lo.</summary>
    private static (List<DiagramBoxLine> Shown, int More) BoxLines(NetworkNamespace ns, DiagramHealth health)
    {
        var bridges = ns.Interfaces.Where(i => i.Kind == InterfaceKinds.Bridge).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var lines = ns.Interfaces
            .Where(i => i.Master is null || !bridges.Contains(i.Master))
            .Where(i => i.Kind != InterfaceKinds.Loopback || health.Interface(ns.Id, i.Name) != health.Default)
            .OrderBy(i => i.Kind switch { InterfaceKinds.Bridge => 0, InterfaceKinds.Veth => 1, InterfaceKinds.Loopback => 3, _ => 2 })
            .ThenBy(i => i.Name, StringComparer.Ordinal)
            .Select(i => new DiagramBoxLine(i.Name, i.Kind, LineDetail(ns, i), health.Interface(ns.Id, i.Name), 0))
            .ToList();
        var shown = lines.Take(BoxMaxLines).ToList();
        return (shown, lines.Count - shown.Count);
    }

    private static string LineDetail(NetworkNamespace ns, NetworkInterface i)
    {
        var address = i.Addresses.FirstOrDefault(a => !a.Contains(':', StringComparison.Ordinal)) ?? i.Addresses.FirstOrDefault(a => !TopologyView.IsLinkLocal(a));
        var members = i.Kind == InterfaceKinds.Bridge ? ns.Interfaces.Count(m => m.Master == i.Name) : 0;
        var parts = new List<string>();
        if (address is not null) parts.Add(address);
        if (i.Kind == InterfaceKinds.Bridge) parts.Add(members == 1 ? "1 member" : string.Create(CultureInfo.InvariantCulture, $"{members} members"));
        if (!TopologyView.IsUp(i)) parts.Add(i.AdminUp ? i.OperState : "down");
        return string.Join(" · ", parts);
    }

    private static string WorstOf(string state, IEnumerable<DiagramBoxLine> lines, DiagramHealth health) =>
        lines.Select(l => l.State).Aggregate(state, health.Combine);

    private static DiagramPoint? Anchor(LinkEnd end, Dictionary<(string, string), DiagramPoint> anchors, List<DiagramBox> boxes, Dictionary<string, DiagramTile> tileAt)
    {
        if (anchors.TryGetValue((end.NamespaceId, end.Interface), out var point))
            return point;
        if (tileAt.TryGetValue(end.NamespaceId, out var tile))
            return new DiagramPoint(tile.X + TileWidth / 2, tile.Y + TileHeight / 2);
        var box = boxes.FirstOrDefault(b => b.NamespaceId == end.NamespaceId);
        return box is null ? null : new DiagramPoint(box.X + box.Width, box.Y + box.Height - 6);
    }

    /// <summary>A curve leaving each end sideways; a pair inside one box loops out on its right.</summary>
    private static DiagramPoint[] Curve(DiagramPoint a, DiagramPoint b)
    {
        var bend = Math.Max(36, Math.Abs(b.X - a.X) / 3);
        if (Math.Abs(a.X - b.X) < 1)
            return [a, new(a.X + bend, a.Y), new(b.X + bend, b.Y), b];
        return a.X < b.X
            ? [a, new(a.X + bend, a.Y), new(b.X - bend, b.Y), b]
            : [a, new(a.X - bend, a.Y), new(b.X + bend, b.Y), b];
    }

    /// <summary>The search and the focus: who is dimmed, who is ringed, who a collapsed frame must still show.</summary>
    private sealed class View(
        Topology topology,
        Dictionary<string, List<(LinkEnd Own, LinkEnd Other)>> linksOf, DiagramOptions options)
    {
        private readonly string? _focus = options.Focus is { Length: > 0 } f
            ? topology.Namespaces.FirstOrDefault(n => n.DisplayName == f || n.Id == f || n.Name == f)?.Id ?? f
            : null;

        private HashSet<string>? _near;

        public DiagramOptions Options => options;

        private HashSet<string>? Near => _focus is null ? null
            : _near ??= [_focus, .. (linksOf.GetValueOrDefault(_focus) ?? []).Select(l => l.Other.NamespaceId)];

        public bool Focused(NetworkNamespace ns) => ns.Id == _focus;

        public bool Dimmed(NetworkNamespace ns) =>
            (!string.IsNullOrWhiteSpace(options.Filter) && !TopologyView.Matches(ns, options.Filter))
            || (Near is { } near && !near.Contains(ns.Id));

        /// <summary>Asked for by the search or the focus (a collapsed frame shows it even when healthy).</summary>
        public bool Wanted(NetworkNamespace ns) =>
            (!string.IsNullOrWhiteSpace(options.Filter) && TopologyView.Matches(ns, options.Filter))
            || (Near?.Contains(ns.Id) ?? false);
    }
}
