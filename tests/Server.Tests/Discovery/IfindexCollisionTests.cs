using Dashboard.Server.Tests.Fixtures;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>ifindexes repeat across namespaces; peers must never be matched on ifindex alone.</summary>
public sealed class IfindexCollisionTests : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public void Pairs_with_the_same_ifindexes_in_different_namespaces_are_told_apart()
    {
        // Fresh namespaces number their links from 2: every pair below is ifindex 2 <-> 2.
        var pairs = Enumerable.Range(1, 4).Select(i => (A: _net.AddNamespace($"l{i}"), B: _net.AddNamespace($"r{i}"))).ToList();
        foreach (var (a, b) in pairs)
            _net.AddVeth(a, "eth0", b, "eth0");

        var topology = Discover.Now();

        foreach (var (a, b) in pairs)
        {
            var left = topology.Namespace(a).Interface("eth0");
            var right = topology.Namespace(b).Interface("eth0");
            Assert.Equal(left.Ifindex, right.Ifindex);
            Assert.Equal(TestNet.Id(b), left.Peer!.NamespaceId);
            Assert.Equal(TestNet.Id(a), right.Peer!.NamespaceId);
        }
        Assert.Equal(4, topology.LinksAmong(pairs.SelectMany(p => new[] { TestNet.Id(p.A), TestNet.Id(p.B) })).Count);
        Discover.VerifyAgainstKernel(topology, [.. pairs.SelectMany(p => new[] { p.A, p.B })]);
    }

    [Fact]
    public void A_pair_with_both_ends_in_one_namespace_is_placed_there()
    {
        var ns = _net.AddNamespace("solo");
        _net.AddVeth(ns, "va", ns, "vb");

        var topology = Discover.Now();

        var solo = topology.Namespace(ns);
        Assert.Equal(solo.Id, solo.Interface("va").Peer!.NamespaceId);
        Assert.Equal("vb", solo.Interface("va").Peer!.Name);
        Assert.Equal("va", solo.Interface("vb").Peer!.Name);
        Assert.Single(topology.LinksAmong([solo.Id]));
        Discover.VerifyAgainstKernel(topology, ns);
    }

    [Fact]
    public void A_hub_namespace_with_many_peers_places_each_in_its_own_namespace()
    {
        var hub = _net.AddNamespace("hub");
        var spokes = Enumerable.Range(1, 5).Select(i => _net.AddNamespace($"s{i}")).ToList();
        for (int i = 0; i < spokes.Count; i++)
            _net.AddVeth(hub, $"h{i}", spokes[i], "eth0");

        var topology = Discover.Now();

        var hubNs = topology.Namespace(hub);
        for (int i = 0; i < spokes.Count; i++)
            Assert.Equal(TestNet.Id(spokes[i]), hubNs.Interface($"h{i}").Peer!.NamespaceId);
        Discover.VerifyAgainstKernel(topology, [hub, .. spokes]);
    }

    public void Dispose() => _net.Dispose();
}
