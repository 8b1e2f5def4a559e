using Dashboard.Server.Analysis;
using Dashboard.Server.Tests.Analysis;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Comparison;

/// <summary>The comparison on hand-built topologies: each of the seed's failure modes, both ways, and the matching rules.</summary>
public sealed class TopologyComparerTests
{
    private static TopologyComparison Compare(Topology from, Topology to) =>
        TopologyComparer.Compare("a", from, Rules.Evaluate(from), "b", to, Rules.Evaluate(to));

    private static (TopologyBuilder Node, TopologyBuilder.Iface Red, TopologyBuilder.Iface Blue, TopologyBuilder.Ns RedNs, TopologyBuilder.Ns BlueNs) Seed()
    {
        var node = new TopologyBuilder();
        node.Root();
        var (redNs, blueNs, red, blue) = node.SeedPair();
        return (node, red, blue, redNs, blueNs);
    }

    [Fact]
    public void The_same_state_compares_empty()
    {
        var (node, _, _, _, _) = Seed();
        var comparison = Compare(node.Build(), node.Build(TopologyBuilder.T0.AddMinutes(5)));

        Assert.True(comparison.IsEmpty);
        Assert.Equal("a", comparison.From);
        Assert.Equal("b", comparison.To);
        Assert.Equal(TopologyBuilder.T0.AddMinutes(5), comparison.ToTakenAt);
    }

    [Fact]
    public void An_interface_taken_down_is_changed_and_its_finding_is_new()
    {
        var (node, red, _, _, _) = Seed();
        var before = node.Build();
        red.Down();
        var after = node.Build();

        var comparison = Compare(before, after);

        var changed = Assert.Single(comparison.Interfaces.Changed, c => c.Name == "veth-red");
        Assert.Equal("pod-red", changed.NamespaceName);
        Assert.Contains(new FieldChange(ChangedFields.AdminUp, "up", "down"), changed.Changes);
        Assert.Contains(changed.Changes, c => c.Field == ChangedFields.OperState && c.From == "UP" && c.To != "UP");
        Assert.Contains(comparison.Findings.New, f => f.Rule == FindingRules.InterfaceDown && f.Interface == "veth-red");
        Assert.Empty(comparison.Findings.Resolved);
        Assert.Empty(comparison.Namespaces.Added);
        Assert.Empty(comparison.Links.Removed);

        // And back: the same change the other way, the finding resolved.
        var back = Compare(after, before);
        Assert.Contains(new FieldChange(ChangedFields.AdminUp, "down", "up"), Assert.Single(back.Interfaces.Changed, c => c.Name == "veth-red").Changes);
        Assert.Contains(back.Findings.Resolved, f => f.Rule == FindingRules.InterfaceDown);
        Assert.Empty(back.Findings.New);
    }

    [Fact]
    public void An_address_removed_or_moved_to_another_subnet_changes_the_addresses()
    {
        var (node, red, blue, _, _) = Seed();
        var before = node.Build();
        red.Addresses.Remove("10.0.1.1/24");
        var noIp = node.Build();
        red.Addr("10.0.1.1/24");
        blue.Addresses.Remove("10.0.1.2/24");
        blue.Addr("10.0.2.2/24");
        var wrongSubnet = node.Build();

        var lost = Compare(before, noIp);
        var change = Assert.Single(Assert.Single(lost.Interfaces.Changed).Changes);
        Assert.Equal(ChangedFields.Addresses, change.Field);
        Assert.Contains("10.0.1.1/24", change.From);
        Assert.DoesNotContain("10.0.1.1/24", change.To);
        Assert.Contains(lost.Findings.New, f => f.Rule == FindingRules.NoIpAddress);

        var moved = Compare(before, wrongSubnet);
        var blueChange = Assert.Single(moved.Interfaces.Changed, c => c.Name == "veth-blue");
        Assert.Contains(blueChange.Changes, c => c.Field == ChangedFields.Addresses && c.To!.Contains("10.0.2.2/24"));
        Assert.Contains(moved.Findings.New, f => f.Rule == FindingRules.SubnetMismatch);
    }

    [Fact]
    public void Addresses_in_another_order_are_no_change()
    {
        var (node, red, _, _, _) = Seed();
        var before = node.Build();
        red.Addresses.Reverse();

        Assert.True(Compare(before, node.Build()).IsEmpty);
    }

    [Fact]
    public void An_mtu_changed_on_one_end_is_a_change_and_an_mtu_mismatch()
    {
        var (node, red, _, _, _) = Seed();
        var before = node.Build();
        red.WithMtu(1400);

        var comparison = Compare(before, node.Build());

        Assert.Contains(new FieldChange(ChangedFields.Mtu, "1500", "1400"), Assert.Single(comparison.Interfaces.Changed).Changes);
        Assert.Contains(comparison.Findings.New, f => f.Rule == FindingRules.MtuMismatch);
    }

    [Fact]
    public void One_end_deleted_removes_both_ends_and_the_pair()
    {
        var (node, red, _, _, _) = Seed();
        var before = node.Build();
        node.Delete(red);

        var comparison = Compare(before, node.Build());

        Assert.Equal(["veth-blue", "veth-red"], comparison.Interfaces.Removed.Select(i => i.Name).Order());
        Assert.Equal(["pod-blue", "pod-red"], comparison.Interfaces.Removed.Select(i => i.NamespaceName!).Order());
        var link = Assert.Single(comparison.Links.Removed);
        Assert.Equal(["veth-blue", "veth-red"], new[] { link.A.Interface, link.B.Interface }.Order());
        Assert.Empty(comparison.Links.Added);
        Assert.Empty(comparison.Namespaces.Removed);
    }

    [Fact]
    public void A_namespace_deleted_is_removed_with_its_pair_and_its_peer_end_but_not_its_interfaces_again()
    {
        var (node, _, _, redNs, _) = Seed();
        var before = node.Build();
        node.Remove(redNs);

        var comparison = Compare(before, node.Build());

        var removed = Assert.Single(comparison.Namespaces.Removed);
        Assert.Equal("pod-red", removed.Name);
        Assert.Equal(redNs.Id, removed.Id);
        var iface = Assert.Single(comparison.Interfaces.Removed);
        Assert.Equal(("pod-blue", "veth-blue"), (iface.NamespaceName, iface.Name));
        Assert.Single(comparison.Links.Removed);

        var back = Compare(node.Build(), before);
        Assert.Equal("pod-red", Assert.Single(back.Namespaces.Added).Name);
        Assert.Single(back.Links.Added);
        Assert.Equal("veth-blue", Assert.Single(back.Interfaces.Added).Name);
    }

    [Fact]
    public void A_namespace_made_again_under_its_name_is_the_same_namespace()
    {
        var (node, _, _, _, _) = Seed();
        var before = node.Build();
        var again = new TopologyBuilder();
        again.Root();
        again.Netns("unrelated"); // shifts the inode numbers: pod-red and pod-blue get new ids
        again.SeedPair();
        var after = again.Build();
        Assert.NotEqual(before.Namespaces.Single(n => n.Name == "pod-red").Id, after.Namespaces.Single(n => n.Name == "pod-red").Id);

        var comparison = Compare(before, after);

        Assert.Equal("unrelated", Assert.Single(comparison.Namespaces.Added).Name);
        Assert.Empty(comparison.Namespaces.Removed);
        Assert.Empty(comparison.Interfaces.Changed);
        Assert.Empty(comparison.Links.Added);
        Assert.Empty(comparison.Links.Removed);
        Assert.Empty(comparison.Findings.New);
    }

    [Fact]
    public void A_veth_moved_to_another_bridge_changes_its_master()
    {
        var node = new TopologyBuilder();
        node.Root();
        var (host, _, pods) = node.CniBridge(pods: 2);
        var other = host.Bridge("br-other");
        var before = node.Build();
        pods[0].HostEnd.Enslave(other);

        var comparison = Compare(before, node.Build());

        var change = Assert.Single(comparison.Interfaces.Changed, c => c.Name == pods[0].HostEnd.Name);
        Assert.Equal(new FieldChange(ChangedFields.Master, "cni0", "br-other"), Assert.Single(change.Changes));
        // The bridge that got its first port up gets carrier; nothing else changed.
        var bridge = Assert.Single(comparison.Interfaces.Changed, c => c.Name == "br-other");
        Assert.Equal(ChangedFields.OperState, Assert.Single(bridge.Changes).Field);
        Assert.Equal(2, comparison.Interfaces.Changed.Count);
    }

    [Fact]
    public void Pods_are_matched_by_their_owner_and_unnamed_namespaces_by_their_inode()
    {
        var a = new TopologyBuilder();
        a.Root();
        var pod = a.Process("default/web");
        var before = a.Build();
        var ns = before.Namespaces.Single(n => n.Id == pod.Id);
        var asPod = ns with { Owner = new NamespaceOwner(NamespaceOwner.Pod, "default/web") };
        var renumbered = asPod with { Id = "999" };

        var samePod = TopologyComparer.Compare("a", Replace(before, ns, asPod), [], "b", Replace(before, ns, renumbered), []);
        Assert.True(samePod.IsEmpty);

        var unnamed = TopologyComparer.Compare("a", before, [], "b", Replace(before, ns, ns with { Id = "999" }), []);
        Assert.Single(unnamed.Namespaces.Added);
        Assert.Single(unnamed.Namespaces.Removed);
    }

    [Fact]
    public void Two_nodes_compare_by_names_not_inodes()
    {
        var (node, _, _, _, _) = Seed();
        var one = node.Build();
        var other = new TopologyBuilder();
        other.Root();
        for (var i = 0; i < 5; i++) other.Netns($"filler{i}");
        var (_, _, red, _) = other.SeedPair();
        red.WithMtu(9000);
        var two = other.Build() with { Hostname = "node-2" };

        var comparison = Compare(one, two);

        Assert.Equal("node-2", comparison.ToHostname);
        Assert.Equal(5, comparison.Namespaces.Added.Count);
        Assert.Equal(new FieldChange(ChangedFields.Mtu, "1500", "9000"), Assert.Single(Assert.Single(comparison.Interfaces.Changed).Changes));
        Assert.Empty(comparison.Links.Added);
        Assert.Empty(comparison.Links.Removed);
    }

    [Fact]
    public void Findings_are_matched_by_rule_and_place_not_by_id()
    {
        var (node, red, _, _, _) = Seed();
        red.Down();
        var topology = node.Build();
        var findings = Rules.Evaluate(topology);
        var renamed = findings.Select(f => f with { Id = f.Id + "-other-node", Since = f.Since.AddHours(1) }).ToList();

        var comparison = TopologyComparer.Compare("a", topology, findings, "b", topology, renamed);

        Assert.Empty(comparison.Findings.New);
        Assert.Empty(comparison.Findings.Resolved);
    }

    private static Topology Replace(Topology topology, NetworkNamespace old, NetworkNamespace now) =>
        topology with { Namespaces = topology.Namespaces.Select(n => ReferenceEquals(n, old) ? now : n).ToList() };
}
