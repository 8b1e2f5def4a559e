using Dashboard.Client.Components.Diagram;
using Dashboard.Shared;

namespace Dashboard.Client.Tests.Diagram;

public sealed class TopologyDiagramTests : DashboardTestContext
{
    [Fact]
    public void Renders_every_namespace_and_pair_and_recolours_the_edge_when_a_finding_arrives()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        node.Pod("pod1", cni);
        var (red, _) = node.Seed();
        var topology = node.Build();

        var diagram = Render<TopologyDiagram>(p => p.Add(c => c.Topology, topology).Add(c => c.Findings, []));

        Assert.Equal("true", diagram.Find("[data-testid='diagram']").GetAttribute("data-ready"));
        Assert.Equal(5, diagram.FindAll("[data-testid='diagram-ns']").Count); // host, node, pod1, pod-red, pod-blue
        var pair = diagram.Find("[data-testid='diagram-edge'][data-kind='veth']");
        Assert.Equal("ok", pair.GetAttribute("data-state"));
        Assert.Equal("box", diagram.Find("[data-testid='diagram-ns'][data-ns-name='node']").GetAttribute("data-shape"));

        diagram.Render(p => p.Add(c => c.Findings, [NodeBuilder.Down(red, "pod-red", "veth-red")]));

        Assert.Equal("error", diagram.Find("[data-testid='diagram-edge'][data-kind='veth']").GetAttribute("data-state"));
        Assert.Equal("error", diagram.Find("[data-testid='diagram-ns'][data-ns-name='pod-red']").GetAttribute("data-state"));
        Assert.Equal("ok", diagram.Find("[data-testid='diagram-ns'][data-ns-name='pod1']").GetAttribute("data-state"));
    }

    [Fact]
    public void Clicking_a_tile_an_edge_or_a_box_line_selects_that_interface_and_a_box_header_its_namespace()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        var pod = node.Pod("pod1", cni);
        var selected = new List<(string, string)>();
        var namespaces = new List<string>();

        var diagram = Render<TopologyDiagram>(p => p
            .Add(c => c.Topology, node.Build())
            .Add(c => c.OnSelectInterface, target => selected.Add(target))
            .Add(c => c.OnSelectNamespace, id => namespaces.Add(id)));

        diagram.Find("[data-testid='diagram-ns'][data-ns-name='pod1']").Click();
        diagram.Find("[data-testid='diagram-edge']").Click();
        diagram.Find("[data-testid='diagram-interface'][data-interface='cni0']").Click();
        diagram.Find("[data-testid='diagram-ns'][data-ns-name='node'] .nd-box-head").Click();

        Assert.Equal([(pod, "eth0"), (pod, "eth0"), (cni, "cni0")], selected);
        Assert.Equal([cni], namespaces);
    }

    [Fact]
    public void A_collapsed_bridge_opens_with_its_toggle()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        foreach (var i in Enumerable.Range(1, 30))
            node.Pod($"pod{i}", cni);

        var diagram = Render<TopologyDiagram>(p => p.Add(c => c.Topology, node.Build()));
        Assert.Equal("30", diagram.Find("[data-testid='diagram-group']").GetAttribute("data-hidden"));
        Assert.Empty(diagram.FindAll("[data-shape='tile']"));

        diagram.Find("[data-testid='group-toggle']").Click();

        Assert.Equal(30, diagram.FindAll("[data-shape='tile']").Count);
        Assert.Equal("0", diagram.Find("[data-testid='diagram-group']").GetAttribute("data-hidden"));
    }
}
