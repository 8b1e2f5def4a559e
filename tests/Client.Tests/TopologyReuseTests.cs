using System.Text.Json;
using Dashboard.Client.Services;
using Dashboard.Client.Tests.Diagram;
using Dashboard.Shared;

namespace Dashboard.Client.Tests;

public sealed class TopologyReuseTests
{
    /// <summary>What a push is: the same node, every object new.</summary>
    private static Topology RoundTrip(Topology topology) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(topology, WireJsonContext.Default.Topology), WireJsonContext.Default.Topology)!;

    [Fact]
    public void An_unchanged_push_reuses_every_namespace_and_a_change_replaces_only_its_namespace()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        var pod = node.Pod("pod1", cni);
        node.Pod("pod2", cni);
        var first = node.Build();

        var same = TopologyReuse.Reuse(first, RoundTrip(first));
        Assert.True(TopologyReuse.SameInstances(first, same));

        var pushed = RoundTrip(first);
        var changed = pushed with
        {
            Namespaces = [.. pushed.Namespaces.Select(n => n.Id != pod ? n : n with
            {
                Interfaces = [.. n.Interfaces.Select(i => i.Name == "eth0" ? i with { OperState = "DOWN", AdminUp = false } : i)],
            })],
        };
        var merged = TopologyReuse.Reuse(same, changed);

        Assert.False(TopologyReuse.SameInstances(same, merged));
        Assert.Same(same.Links, merged.Links);
        foreach (var (was, now) in same.Namespaces.Zip(merged.Namespaces))
        {
            if (now.Id == pod)
            {
                Assert.NotSame(was, now);
                Assert.Equal("DOWN", now.Interfaces.Single(i => i.Name == "eth0").OperState);
            }
            else
            {
                Assert.Same(was, now);
            }
        }
    }

    [Fact]
    public void A_changed_address_or_route_is_a_change()
    {
        var node = new NodeBuilder();
        var (red, _) = node.Seed();
        var first = node.Build();
        var ns = first.FindNamespace(red)!;

        var readdressed = ns with { Interfaces = [.. ns.Interfaces.Select(i => i with { Addresses = ["10.0.9.1/24"] })] };
        var rerouted = ns with { Routes = [new Route("10.0.1.0/24", null, "veth-red", "main")] };

        Assert.True(TopologyReuse.Same(ns, RoundTrip(first).FindNamespace(red)!));
        Assert.False(TopologyReuse.Same(ns, readdressed));
        Assert.False(TopologyReuse.Same(ns, rerouted));
    }

    [Fact]
    public void A_patch_applied_to_the_old_topology_gives_the_new_one_keeping_the_unchanged_instances()
    {
        var node = new NodeBuilder();
        var cni = node.Node("node");
        var pod1 = node.Pod("pod1", cni);
        var pod2 = node.Pod("pod2", cni);
        var old = node.Build();
        node.Remove(pod2);
        var pod3 = node.Pod("pod3", cni);
        var next = node.Build() with { TakenAt = old.TakenAt.AddSeconds(1) };
        var changed = next.Namespaces.Where(n => n.Id is var id && (id == cni || id == pod3)).ToList();

        var applied = TopologyReuse.Apply(old, new TopologyPatch(old.TakenAt, next.TakenAt, next.Hostname, changed, [pod2], next.Links, next.Warnings));

        Assert.Equal(next.TakenAt, applied.TakenAt);
        Assert.Equal(next.Namespaces.Select(n => n.Id).Order(), applied.Namespaces.Select(n => n.Id).Order());
        Assert.Same(old.FindNamespace(pod1), applied.FindNamespace(pod1));
        Assert.Same(next.Links, applied.Links);
        Assert.Equal(
            JsonSerializer.Serialize(next with { Namespaces = [.. next.Namespaces.OrderBy(n => n.Id)] }, WireJsonContext.Default.Topology),
            JsonSerializer.Serialize(applied with { Namespaces = [.. applied.Namespaces.OrderBy(n => n.Id)] }, WireJsonContext.Default.Topology));
    }
}
