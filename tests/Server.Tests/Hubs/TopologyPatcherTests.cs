using Dashboard.Server.Hubs;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Hubs;

public sealed class TopologyPatcherTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    private static NetworkNamespace Ns(string id, string operState = "UP") =>
        new(id, $"ns{id}", false, [], [], new NamespaceOwner("netns", $"ns{id}"),
            [new NetworkInterface(2, "veth0", "veth", null, 1500, true, operState, null, ["10.0.0.1/24"], null)], []);

    private static Topology At(int seconds, IReadOnlyList<Link> links, params NetworkNamespace[] namespaces) =>
        new(T0.AddSeconds(seconds), "node", namespaces, links, []);

    [Fact]
    public void The_first_topology_makes_no_patch_then_each_patch_carries_what_changed_appeared_or_went()
    {
        var patcher = new TopologyPatcher();
        Link[] links = [new Link("veth", new LinkEnd("1", "veth0"), new LinkEnd("2", "veth0"))];
        Assert.Null(patcher.Next(At(0, links, Ns("1"), Ns("2"), Ns("3"))));

        // A fresh but equal read: an empty patch that moves the base on.
        var same = patcher.Next(At(1, [.. links], Ns("1"), Ns("2"), Ns("3")))!;
        Assert.Equal((T0, T0.AddSeconds(1)), (same.BaseTakenAt, same.TakenAt));
        Assert.Empty(same.Changed);
        Assert.Empty(same.Removed);
        Assert.Null(same.Links);

        // 2 went down, 3 went, 4 came; the links changed.
        var patch = patcher.Next(At(2, [], Ns("1"), Ns("2", "DOWN"), Ns("4")))!;
        Assert.Equal(T0.AddSeconds(1), patch.BaseTakenAt);
        Assert.Equal(["2", "4"], patch.Changed.Select(n => n.Id));
        Assert.Equal(["3"], patch.Removed);
        Assert.NotNull(patch.Links);
        Assert.Empty(patch.Links!);
    }
}
