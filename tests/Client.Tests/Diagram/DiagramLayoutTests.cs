using Dashboard.Client.Services.Diagram;
using Dashboard.Shared;

namespace Dashboard.Client.Tests.Diagram;

public sealed class DiagramLayoutTests
{
    [Fact]
    public void A_cni_node_draws_hubs_as_boxes_pods_under_their_bridge_and_a_plain_pair_as_an_edge_between_tiles()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        var pods = Enumerable.Range(1, 3).Select(i => node.Pod($"pod{i}", cni)).ToList();
        var (red, blue) = node.Seed();
        var lonely = node.Add(null, "lonely", interfaces: NodeBuilder.Iface("dummy0", "dummy", "10.9.9.9/32"));

        var model = new DiagramLayout().Build(node.Build(), []);

        Assert.Equal([node.Root, cni], model.Boxes.Select(b => b.NamespaceId));
        var bridge = Assert.Single(model.Groups, g => g.Key == DiagramLayout.GroupKey(cni, "cni0"));
        Assert.Equal(3, bridge.Members);
        Assert.Equal("bridge cni0 · 10.88.0.1/16", bridge.Title);
        Assert.NotEmpty(bridge.Trunk);
        // Each pod is a tile inside its bridge's frame, joined to the bus by its pair.
        foreach (var pod in pods)
        {
            var tile = Assert.Single(model.Tiles, t => t.NamespaceId == pod);
            Assert.InRange(tile.X, bridge.X, bridge.X + bridge.Width - DiagramLayout.TileWidth);
            Assert.InRange(tile.Y, bridge.Y, bridge.Y + bridge.Height - DiagramLayout.TileHeight);
            var edge = Assert.Single(model.Edges, e => e.ANamespaceId == pod);
            Assert.Equal((DiagramEdge.Member, "eth0", cni, "vethpod" + tile.Label[^1]), (edge.Kind, edge.AInterface, edge.BNamespaceId, edge.BInterface));
            Assert.Equal("eth0 10.88.0.9/16", tile.Detail);
        }
        // The node's box lists its bridge, not the bridge's members (their tiles show them).
        Assert.Equal(["cni0"], model.Boxes[1].Lines.Select(l => l.Interface));

        // The seed pair: two tiles side by side in the pairs column, one veth edge between their ends.
        var pair = Assert.Single(model.Edges, e => e.Kind == DiagramEdge.Veth);
        Assert.Equal(new[] { red, blue }.Order(), new[] { pair.ANamespaceId, pair.BNamespaceId! }.Order());
        var redTile = model.Tiles.Single(t => t.NamespaceId == red);
        var blueTile = model.Tiles.Single(t => t.NamespaceId == blue);
        Assert.Equal(redTile.Y, blueTile.Y);
        Assert.Equal(DiagramLayout.TileWidth + DiagramLayout.PairGap, Math.Abs(redTile.X - blueTile.X));
        Assert.Contains(model.Groups, g => g.Key == DiagramLayout.PairsKey);

        // A namespace with no pair at all is a tile of the last frame.
        var isolated = Assert.Single(model.Groups, g => g.Key == DiagramLayout.IsolatedKey);
        Assert.Equal(1, isolated.Members);
        Assert.Contains(model.Tiles, t => t.NamespaceId == lonely && t.Detail == "10.9.9.9/32");
        // Nothing is drawn over anything else.
        var rects = model.Boxes.Select(b => (b.X, b.Y, b.Width, b.Height))
            .Concat(model.Tiles.Select(t => (t.X, t.Y, DiagramLayout.TileWidth, DiagramLayout.TileHeight))).ToList();
        for (var i = 0; i < rects.Count; i++)
            for (var j = i + 1; j < rects.Count; j++)
                Assert.False(Overlaps(rects[i], rects[j]), $"{rects[i]} overlaps {rects[j]}");
    }

    [Fact]
    public void A_broken_end_colours_its_pair_and_its_namespace_and_leaves_the_other_tile_alone()
    {
        var node = new NodeBuilder();
        var (red, blue) = node.Seed();

        var model = new DiagramLayout().Build(node.Build(), [NodeBuilder.Down(red, "pod-red", "veth-red")]);

        Assert.Equal(DiagramStates.Error, model.Edges.Single(e => e.Kind == DiagramEdge.Veth).State);
        Assert.Equal(DiagramStates.Error, model.Tiles.Single(t => t.NamespaceId == red).State);
        Assert.Equal(DiagramStates.Ok, model.Tiles.Single(t => t.NamespaceId == blue).State);
        Assert.Equal(DiagramStates.Error, model.Groups.Single(g => g.Key == DiagramLayout.PairsKey).State);
    }

    [Fact]
    public void A_live_change_moves_nothing_else_and_a_new_pod_takes_the_hole_a_deleted_one_left()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        var pods = Enumerable.Range(1, 6).Select(i => node.Pod($"pod{i}", cni)).ToList();
        var (red, _) = node.Seed();
        var layout = new DiagramLayout();
        var before = layout.Build(node.Build(), []);

        // pod2 deleted, a new pod added, the seed pair broken.
        node.Remove(pods[1]);
        var pod7 = node.Pod("pod7", cni);
        var after = layout.Build(node.Build(), [NodeBuilder.Down(red, "pod-red", "veth-red")]);

        foreach (var tile in after.Tiles.Where(t => t.NamespaceId != pod7))
        {
            var was = before.Tiles.Single(t => t.NamespaceId == tile.NamespaceId);
            Assert.Equal((was.X, was.Y), (tile.X, tile.Y));
        }
        var hole = before.Tiles.Single(t => t.NamespaceId == pods[1]);
        var taken = after.Tiles.Single(t => t.NamespaceId == pod7);
        Assert.Equal((hole.X, hole.Y), (taken.X, taken.Y));
        Assert.Equal(before.Boxes.Select(b => (b.X, b.Y, b.Width, b.Height)), after.Boxes.Select(b => (b.X, b.Y, b.Width, b.Height)));
        Assert.Equal(before.Groups.Select(g => (g.Key, g.X, g.Y, g.Width, g.Height)), after.Groups.Select(g => (g.Key, g.X, g.Y, g.Width, g.Height)));
        // The unchanged records are equal, so their components skip rendering.
        Assert.Equal(before.Tiles.Single(t => t.NamespaceId == pods[0]), after.Tiles.Single(t => t.NamespaceId == pods[0]));
        Assert.Equal(before.Boxes[0], after.Boxes[0]);
    }

    [Fact]
    public void A_large_healthy_bridge_collapses_to_its_problems_and_the_search_and_expand_bring_members_back()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        var pods = Enumerable.Range(1, 30).Select(i => node.Pod($"pod{i:00}", cni)).ToList();
        var key = DiagramLayout.GroupKey(cni, "cni0");
        var broken = NodeBuilder.Down(pods[6], "pod07", "eth0");

        var collapsed = new DiagramLayout().Build(node.Build(), [broken]);
        var group = collapsed.Groups.Single(g => g.Key == key);
        Assert.True(group.Collapsible);
        Assert.Equal((30, 29), (group.Members, group.HiddenHealthy));
        Assert.Equal(DiagramStates.Error, group.State);
        Assert.Equal([pods[6]], collapsed.Tiles.Select(t => t.NamespaceId));
        Assert.Contains("1 with problems", group.Subtitle, StringComparison.Ordinal);

        var searched = new DiagramLayout().Build(node.Build(), [broken], new DiagramOptions(Filter: "pod2"));
        Assert.Equal(pods.Skip(19).Take(10).Append(pods[6]).Order(), searched.Tiles.Select(t => t.NamespaceId).Order());
        Assert.All(searched.Tiles.Where(t => t.NamespaceId != pods[6]), t => Assert.False(t.Dimmed));
        Assert.True(searched.Tiles.Single(t => t.NamespaceId == pods[6]).Dimmed);

        var expanded = new DiagramLayout().Build(node.Build(), [broken], new DiagramOptions(Expanded: new HashSet<string> { key }));
        Assert.Equal(30, expanded.Tiles.Count);
        Assert.Equal(0, expanded.Groups.Single(g => g.Key == key).HiddenHealthy);
    }

    [Fact]
    public void Focus_rings_the_namespace_lights_its_neighbours_and_dims_the_rest()
    {
        var node = new NodeBuilder();
        var (red, blue) = node.Seed();
        var (other, _) = node.Seed("other-a", "other-b");

        var model = new DiagramLayout().Build(node.Build(), [], new DiagramOptions(Focus: "pod-red"));

        Assert.True(model.Tiles.Single(t => t.NamespaceId == red).Focused);
        Assert.False(model.Tiles.Single(t => t.NamespaceId == blue).Dimmed);
        Assert.True(model.Tiles.Single(t => t.NamespaceId == other).Dimmed);
        Assert.True(model.Boxes.Single().Dimmed);
        Assert.False(model.Edges.Single(e => e.ANamespaceId == red || e.BNamespaceId == red).Dimmed);
    }

    [Fact]
    public void A_veth_whose_peer_is_gone_is_drawn_dangling()
    {
        var node = new NodeBuilder();
        var orphan = node.Add(null, "orphan", interfaces: NodeBuilder.Iface("veth-x", InterfaceKinds.Veth, "10.0.2.1/24") with { Peer = new VethPeer(7, null, null) });

        var model = new DiagramLayout().Build(node.Build(), []);

        Assert.True(model.Tiles.Single(t => t.NamespaceId == orphan).PeerMissing);
    }

    [Fact]
    public void A_pair_between_the_host_and_a_bridge_node_is_a_curve_between_their_boxes()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        node.Pod("pod1", cni);
        node.AddInterface(node.Root, NodeBuilder.Iface("to-node", InterfaceKinds.Veth, "10.1.0.1/30"));
        node.AddInterface(cni, NodeBuilder.Iface("to-host", InterfaceKinds.Veth, "10.1.0.2/30"));
        node.Pair(node.Root, "to-node", cni, "to-host");

        var model = new DiagramLayout().Build(node.Build(), []);

        var edge = Assert.Single(model.Edges, e => e.Kind == DiagramEdge.Veth);
        Assert.Equal(4, edge.Points.Length);
        var host = model.Boxes.Single(b => b.NamespaceId == node.Root);
        var line = host.Lines.Single(l => l.Interface == "to-node");
        Assert.Contains(new DiagramPoint(host.X + host.Width, line.Y), edge.Points);
        Assert.StartsWith("M", edge.PathData, StringComparison.Ordinal);
        Assert.Contains(" C", edge.PathData, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bridge_node_that_appears_later_goes_on_the_right_and_moves_nothing_already_drawn()
    {
        var node = new NodeBuilder();
        var first = node.Node("node-a");
        node.Pod("pod1", first);
        node.Seed();
        var layout = new DiagramLayout();
        var before = layout.Build(node.Build(), []);

        var second = node.Node("node-b", "br1");
        node.Pod("pod2", second, "br1");
        var after = layout.Build(node.Build(), []);

        foreach (var tile in before.Tiles)
            Assert.Equal((tile.X, tile.Y), after.Tiles.Where(t => t.NamespaceId == tile.NamespaceId).Select(t => (t.X, t.Y)).Single());
        foreach (var box in before.Boxes)
            Assert.Equal((box.X, box.Y), after.Boxes.Where(b => b.NamespaceId == box.NamespaceId).Select(b => (b.X, b.Y)).Single());
        var added = after.Boxes.Single(b => b.NamespaceId == second);
        Assert.True(added.X > before.Boxes.Max(b => b.X), "The new hub is not on the right.");
        Assert.True(after.Width > before.Width);
    }

    [Fact]
    public void A_bridge_that_grows_past_the_limit_collapses_to_a_small_frame()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        var layout = new DiagramLayout();
        foreach (var i in Enumerable.Range(1, 20))
            node.Pod($"pod{i}", cni);
        var open = layout.Build(node.Build(), []).Groups.Single(g => g.HubNamespaceId == cni);
        Assert.Equal(3, open.BusYs.Count); // 20 tiles, 8 a row

        foreach (var i in Enumerable.Range(21, 10))
            node.Pod($"pod{i}", cni);
        var collapsed = layout.Build(node.Build(), []).Groups.Single(g => g.HubNamespaceId == cni);

        Assert.Equal(30, collapsed.HiddenHealthy);
        Assert.Empty(collapsed.BusYs);
        Assert.True(collapsed.Height < open.Height, "The collapsed frame kept the rows of the open one.");
    }

    [Fact]
    public void A_lane_whose_first_namespace_went_while_the_rest_stayed_linked_is_still_drawn()
    {
        var node = new NodeBuilder();
        // A chain a - b - c: the lane is keyed by "a" (first by name).
        var a = node.Add(null, "a", interfaces: NodeBuilder.Iface("ab", "veth", "10.0.0.1/30"));
        var b = node.Add(null, "b", interfaces: [NodeBuilder.Iface("ba", "veth", "10.0.0.2/30"), NodeBuilder.Iface("bc", "veth", "10.0.1.1/30")]);
        var c = node.Add(null, "c", interfaces: NodeBuilder.Iface("cb", "veth", "10.0.1.2/30"));
        node.Pair(a, "ab", b, "ba");
        node.Pair(b, "bc", c, "cb");
        var layout = new DiagramLayout();
        var before = layout.Build(node.Build(), []);

        node.Remove(a);
        var after = layout.Build(node.Build(), []);

        Assert.Equal([b, c], after.Tiles.Select(t => t.NamespaceId).Order());
        Assert.Single(after.Edges);
        Assert.Equal(before.Tiles.Single(t => t.NamespaceId == b).Y, after.Tiles.Single(t => t.NamespaceId == b).Y);
    }

    [Fact]
    public void A_namespace_with_no_pair_appearing_beside_the_pairs_moves_no_hub()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node-a");
        node.Pod("pod1", cni);
        node.Seed();
        var layout = new DiagramLayout();
        var before = layout.Build(node.Build(), []);

        node.Add(null, "lonely");
        var after = layout.Build(node.Build(), []);

        Assert.Equal(before.Boxes.Select(b => (b.NamespaceId, b.X)), after.Boxes.Select(b => (b.NamespaceId, b.X)));
        Assert.Equal(before.Tiles.Select(t => (t.NamespaceId, t.X, t.Y)), after.Tiles.Where(t => t.Label != "lonely").Select(t => (t.NamespaceId, t.X, t.Y)));
    }

    private static bool Overlaps((double X, double Y, double Width, double Height) a, (double X, double Y, double Width, double Height) b) =>
        a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;
}
