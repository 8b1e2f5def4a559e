using Dashboard.Client.Services;
using Dashboard.Client.Services.Diagram;
using Dashboard.Client.Tests.Diagram;
using Dashboard.Shared;

namespace Dashboard.Client.Tests.Snapshots;

/// <summary>The union of both sides of a comparison, and its colours, as the compare page's diagram draws them.</summary>
public sealed class ComparisonPictureTests
{
    /// <summary>The host, and pod-red (100) ⇄ pod-blue (101) as the seed builds them.</summary>
    internal static Topology Seed()
    {
        var node = new NodeBuilder();
        node.Seed();
        return node.Build();
    }

    internal static Topology Change(Topology topology, string name, Func<NetworkNamespace, NetworkNamespace> change) =>
        topology with { Namespaces = [.. topology.Namespaces.Select(n => n.Name == name ? change(n) : n)] };

    internal static Topology SetInterface(Topology topology, string ns, string iface, Func<NetworkInterface, NetworkInterface> change) =>
        Change(topology, ns, n => n with { Interfaces = [.. n.Interfaces.Select(i => i.Name == iface ? change(i) : i)] });

    /// <summary>pod-blue deleted: its veth went with it, and so did veth-red, its peer.</summary>
    internal static Topology BlueDeleted(Topology before) =>
        Change(before, "pod-red", n => n with { Interfaces = [] }) is var t
            ? t with { Namespaces = [.. t.Namespaces.Where(n => n.Name != "pod-blue")], Links = [] }
            : before;

    private static (ComparisonPicture Picture, DiagramModel Model) Draw(Topology from, Topology to, IReadOnlyList<Finding>? fromFindings = null, IReadOnlyList<Finding>? toFindings = null)
    {
        var comparison = TopologyComparer.Compare("a", from, fromFindings ?? [], "b", to, toFindings ?? []);
        var picture = ComparisonPicture.Build(from, to, comparison);
        return (picture, new DiagramLayout().Build(picture.Topology, picture.States));
    }

    private static string NamespaceState(DiagramModel model, string name) =>
        model.Tiles.Where(t => t.Label == name).Select(t => t.State).Concat(model.Boxes.Where(b => b.Label == name).Select(b => b.State)).Single();

    private static string EdgeState(DiagramModel model, string ns, string iface) =>
        model.Edges.Single(e => e.Kind == DiagramEdge.Veth && ((e.ALabel == ns && e.AInterface == iface) || (e.BLabel == ns && e.BInterface == iface))).State;

    [Fact]
    public void A_deleted_namespace_is_drawn_removed_with_its_pair_and_the_peer_it_took_along()
    {
        var before = Seed();

        var (picture, model) = Draw(before, BlueDeleted(before));

        Assert.Contains(picture.Topology.Namespaces, n => n.Name == "pod-blue");
        Assert.Contains(picture.Topology.Namespaces.Single(n => n.Name == "pod-red").Interfaces, i => i.Name == "veth-red");
        Assert.Single(picture.Topology.Links);
        Assert.Equal(DiagramStates.Removed, NamespaceState(model, "pod-blue"));
        Assert.Equal(DiagramStates.Changed, NamespaceState(model, "pod-red"));
        Assert.Equal(DiagramStates.Same, NamespaceState(model, "1"));
        Assert.Equal(DiagramStates.Removed, EdgeState(model, "pod-red", "veth-red"));
        Assert.Equal(DiagramStates.Removed, picture.States.Interface("100", "veth-red"));
    }

    [Fact]
    public void An_interface_that_went_down_is_changed_and_so_are_its_namespace_and_pair_while_the_rest_is_the_same()
    {
        var before = Seed();
        var after = SetInterface(before, "pod-blue", "veth-blue", i => i with { AdminUp = false, OperState = "DOWN" });

        var (picture, model) = Draw(before, after, [], [NodeBuilder.Down("101", "pod-blue", "veth-blue")]);

        Assert.Equal(before.Namespaces.Count, picture.Topology.Namespaces.Count);
        Assert.Equal(DiagramStates.Changed, NamespaceState(model, "pod-blue"));
        Assert.Equal(DiagramStates.Same, NamespaceState(model, "pod-red"));
        Assert.Equal(DiagramStates.Changed, EdgeState(model, "pod-blue", "veth-blue"));
        Assert.Equal(DiagramStates.Changed, picture.States.Interface("101", "veth-blue"));
        Assert.Equal(DiagramStates.Same, picture.States.Interface("100", "veth-red"));
    }

    [Fact]
    public void A_namespace_made_again_with_a_new_inode_is_one_namespace_and_a_new_one_with_its_pair_is_added()
    {
        var before = Seed();
        var node = new NodeBuilder();
        node.Seed();
        var green = node.Add("300", "pod-green", interfaces: NodeBuilder.Iface("veth-green", InterfaceKinds.Veth, "10.0.2.2/24"));
        node.AddInterface("100", NodeBuilder.Iface("veth-rg", InterfaceKinds.Veth, "10.0.2.1/24"));
        node.Pair("100", "veth-rg", green, "veth-green");
        var after = node.Build();
        // pod-blue deleted and made again: a new inode, the same name.
        after = after with
        {
            Namespaces = [.. after.Namespaces.Select(n => n.Name == "pod-blue" ? n with { Id = "201" } : n)],
            Links = [.. after.Links.Select(l => l.B.NamespaceId == "101" ? l with { B = l.B with { NamespaceId = "201" } } : l)],
        };

        var (picture, model) = Draw(before, after);

        Assert.Single(picture.Topology.Namespaces, n => n.Name == "pod-blue");
        Assert.Equal(DiagramStates.Same, NamespaceState(model, "pod-blue"));
        Assert.Equal(DiagramStates.Added, NamespaceState(model, "pod-green"));
        Assert.Equal(DiagramStates.Changed, NamespaceState(model, "pod-red"));
        Assert.Equal(DiagramStates.Added, EdgeState(model, "pod-green", "veth-green"));
        Assert.Equal(DiagramStates.Added, picture.States.Interface("100", "veth-rg"));
    }

    [Fact]
    public void Two_equal_sides_are_all_the_same()
    {
        var (picture, model) = Draw(Seed(), Seed());

        Assert.True(picture.States.IsComparison);
        Assert.All(model.Tiles, t => Assert.Equal(DiagramStates.Same, t.State));
        Assert.All(model.Boxes, b => Assert.Equal(DiagramStates.Same, b.State));
        Assert.All(model.Edges, e => Assert.Equal(DiagramStates.Same, e.State));
    }

    [Fact]
    public void A_removed_namespace_whose_inode_the_other_side_reuses_gets_an_id_of_its_own()
    {
        var before = Seed();
        // pod-blue deleted; its inode now belongs to a new pod-grey.
        var after = BlueDeleted(before);
        after = after with { Namespaces = [.. after.Namespaces, new NetworkNamespace("101", "pod-grey", false, [], [], new NamespaceOwner(NamespaceOwner.Netns, "pod-grey"), [], [])] };

        var (picture, model) = Draw(before, after);

        Assert.Equal(["1", "100", "101", "removed:101"], picture.Topology.Namespaces.Select(n => n.Id).Order(StringComparer.Ordinal));
        Assert.Equal(DiagramStates.Removed, NamespaceState(model, "pod-blue"));
        Assert.Equal(DiagramStates.Added, NamespaceState(model, "pod-grey"));
        Assert.Equal(DiagramStates.Removed, EdgeState(model, "pod-blue", "veth-blue"));
    }
}
