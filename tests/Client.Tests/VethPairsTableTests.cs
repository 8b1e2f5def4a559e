using Dashboard.Client.Components;
using Dashboard.Client.Tests.Diagram;

namespace Dashboard.Client.Tests;

public sealed class VethPairsTableTests : DashboardTestContext
{
    [Fact]
    public void A_large_node_lists_the_first_pairs_and_shows_all_on_request_with_links_to_each_end()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        foreach (var i in Enumerable.Range(1, 40))
            node.Pod($"pod{i:00}", cni);

        var table = Render<VethPairsTable>(p => p.Add(c => c.Topology, node.Build()));

        Assert.Equal(VethPairsTable.Shown, table.FindAll("[data-testid='veth-pair']").Count);
        var first = table.FindAll("[data-testid='veth-pair']")[0];
        Assert.Contains(first.QuerySelectorAll("a").Select(a => a.GetAttribute("href")), h => h == "interfaces/pod01/eth0");
        Assert.Contains(first.QuerySelectorAll("a").Select(a => a.GetAttribute("href")), h => h == "?ns=pod01");

        table.Find("[data-testid='show-all-pairs']").Click();

        Assert.Equal(40, table.FindAll("[data-testid='veth-pair']").Count);
        Assert.Empty(table.FindAll("[data-testid='show-all-pairs']"));
    }
}
