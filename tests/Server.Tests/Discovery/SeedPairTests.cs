using Dashboard.Server.Tests.Fixtures;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>The seed document's pod-red/pod-blue pair, on the real kernel.</summary>
public sealed class SeedPairTests : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public void Finds_both_namespaces_and_the_veth_pair_between_them()
    {
        var (red, blue) = _net.AddSeedPair();

        var topology = Discover.Now();

        var redNs = topology.Namespace(red);
        var blueNs = topology.Namespace(blue);
        Assert.False(redNs.IsRoot);
        Assert.Equal("netns", redNs.Owner.Kind);
        Assert.Equal(red, redNs.DisplayName);

        var vethRed = redNs.Interface("veth-red");
        Assert.Equal("veth", vethRed.Kind);
        Assert.True(vethRed.AdminUp);
        Assert.Equal("UP", vethRed.OperState);
        Assert.Contains("10.0.1.1/24", vethRed.Addresses);
        Assert.Equal(blueNs.Id, vethRed.Peer!.NamespaceId);
        Assert.Equal("veth-blue", vethRed.Peer.Name);
        Assert.Equal(blueNs.Interface("veth-blue").Ifindex, vethRed.Peer.Ifindex);
        Assert.Equal(redNs.Id, blueNs.Interface("veth-blue").Peer!.NamespaceId);

        var link = Assert.Single(topology.LinksAmong([redNs.Id, blueNs.Id]));
        Assert.Equal("veth", link.Kind);
        Assert.Equal(
            new[] { (redNs.Id, "veth-red"), (blueNs.Id, "veth-blue") }.Order(),
            new[] { (link.A.NamespaceId, link.A.Interface), (link.B.NamespaceId, link.B.Interface) }.Order());

        Assert.Contains(redNs.Routes, r => r.Destination == "10.0.1.0/24" && r.Device == "veth-red" && r.Table == "main" && r.Scope == "link");
        Assert.Contains(redNs.Routes, r => r.Destination == "10.0.1.1/32" && r.Table == "local" && r.Type == "local");
        Discover.VerifyAgainstKernel(topology, red, blue);
    }

    [Fact]
    public void A_down_end_is_reported_as_down_with_its_peer_still_placed()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "down");
        // The kernel moves operstate asynchronously (linkwatch): wait until iproute2 sees it.
        Oracle.WaitFor(() => Oracle.Links(red).Single(l => l.Name == "veth-red").OperState == "DOWN");

        var topology = Discover.Now();

        var vethBlue = topology.Namespace(blue).Interface("veth-blue");
        Assert.False(vethBlue.AdminUp);
        Assert.Equal("DOWN", vethBlue.OperState);
        // The up end loses its carrier: admin up, operstate DOWN, NO-CARRIER.
        var vethRed = topology.Namespace(red).Interface("veth-red");
        Assert.True(vethRed.AdminUp);
        Assert.False(vethRed.LowerUp);
        Assert.Equal("DOWN", vethRed.OperState);
        Assert.Equal(topology.Namespace(blue).Id, vethRed.Peer!.NamespaceId);
        Discover.VerifyAgainstKernel(topology, red, blue);
    }

    [Fact]
    public void Neighbours_are_read_after_traffic()
    {
        var (red, _) = _net.AddSeedPair();
        // Traffic between two fixture namespaces only.
        Run.Ok("ip", "netns", "exec", red, "ping", "-c", "1", "-W", "2", "10.0.1.2");

        var topology = Discover.Now();

        var neighbour = Assert.Single(topology.Namespace(red).Neighbours, n => n.Address == "10.0.1.2");
        Assert.Equal("veth-red", neighbour.Device);
        Assert.NotNull(neighbour.Mac);
    }

    public void Dispose() => _net.Dispose();
}
