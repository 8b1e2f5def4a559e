using Dashboard.Server.Tests.Fixtures;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>Pods wired to a bridge by the real CNI bridge plugin, inside a "node" namespace.</summary>
public sealed class CniBridgeTests : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public void Pods_on_a_cni_bridge_are_placed_behind_their_host_side_veths()
    {
        var node = _net.AddNamespace("node");
        var pods = Enumerable.Range(1, 3).Select(i => _net.AddNamespace($"pod{i}")).ToList();
        var results = pods.Select(p => _net.CniAdd(node, p, "10.77.0.0/24")).ToList();

        var topology = Discover.Now();

        var nodeNs = topology.Namespace(node);
        var bridge = nodeNs.Interface("cni0");
        Assert.Equal("bridge", bridge.Kind);
        Assert.Contains("10.77.0.1/24", bridge.Addresses);
        for (int i = 0; i < pods.Count; i++)
        {
            var podNs = topology.Namespace(pods[i]);
            var eth0 = podNs.Interface("eth0");
            var cniAddress = results[i]["ips"]![0]!["address"]!.GetValue<string>();
            Assert.Contains(cniAddress, eth0.Addresses);
            Assert.Equal(nodeNs.Id, eth0.Peer!.NamespaceId);
            var hostEnd = nodeNs.Interface(eth0.Peer.Name!);
            Assert.Equal("cni0", hostEnd.Master);
            Assert.Equal(bridge.Ifindex, hostEnd.MasterIfindex);
            Assert.Equal(podNs.Id, hostEnd.Peer!.NamespaceId);
            Assert.Equal("eth0", hostEnd.Peer.Name);
            Assert.Contains(podNs.Routes, r => r.Destination == "10.77.0.0/24" && r.Device == "eth0");
        }
        Assert.Equal(pods.Count, topology.LinksAmong([nodeNs.Id, .. pods.Select(TestNet.Id)]).Count);
        Discover.VerifyAgainstKernel(topology, [node, .. pods]);
    }

    [Fact]
    public void Two_node_namespaces_built_identically_keep_their_pods_apart()
    {
        // Same bridge name, same pod order, same subnet: host-side ifindexes repeat across the nodes,
        // and every pod's eth0 has the same ifindex. Only the nsids tell the peers apart.
        var nodeA = _net.AddNamespace("nodeA");
        var nodeB = _net.AddNamespace("nodeB");
        var podsA = Enumerable.Range(1, 3).Select(i => _net.AddNamespace($"a{i}")).ToList();
        var podsB = Enumerable.Range(1, 3).Select(i => _net.AddNamespace($"b{i}")).ToList();
        for (int i = 0; i < 3; i++)
        {
            _net.CniAdd(nodeA, podsA[i], "10.78.0.0/24");
            _net.CniAdd(nodeB, podsB[i], "10.78.0.0/24");
        }

        var topology = Discover.Now();

        var a = topology.Namespace(nodeA);
        var b = topology.Namespace(nodeB);
        Assert.Equal(a.Interfaces.Select(i => i.Ifindex), b.Interfaces.Select(i => i.Ifindex));
        foreach (var (pods, node) in new[] { (podsA, a), (podsB, b) })
        {
            foreach (var pod in pods)
            {
                var eth0 = topology.Namespace(pod).Interface("eth0");
                Assert.Equal(node.Id, eth0.Peer!.NamespaceId);
                Assert.Equal(TestNet.Id(pod), node.Interface(eth0.Peer.Name!).Peer!.NamespaceId);
            }
        }
        Assert.Equal(6, topology.LinksAmong([a.Id, b.Id, .. podsA.Concat(podsB).Select(TestNet.Id)]).Count);
        Discover.VerifyAgainstKernel(topology, [nodeA, nodeB, .. podsA, .. podsB]);
    }

    public void Dispose() => _net.Dispose();
}
