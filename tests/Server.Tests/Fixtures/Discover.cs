using Dashboard.Server.Discovery;
using Dashboard.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Tests.Fixtures;

/// <summary>Runs the real discovery against the real kernel, and checks it against iproute2 and ethtool.</summary>
public static class Discover
{
    internal static TopologyDiscovery Create(DiscoveryOptions? options = null) =>
        new(Options.Create(options ?? new DiscoveryOptions()), NullLogger<TopologyDiscovery>.Instance, TimeProvider.System);

    public static Topology Now()
    {
        using var discovery = Create();
        return discovery.Discover();
    }

    public static NetworkNamespace Namespace(this Topology topology, string iprouteName)
    {
        var id = TestNet.Id(iprouteName);
        return topology.FindNamespace(id) ?? throw new Xunit.Sdk.XunitException($"namespace {iprouteName} ({id}) was not discovered; warnings: {string.Join("; ", topology.Warnings)}");
    }

    public static NetworkInterface Interface(this NetworkNamespace ns, string name) =>
        ns.Interfaces.SingleOrDefault(i => i.Name == name) ?? throw new Xunit.Sdk.XunitException($"{ns.DisplayName} has no interface {name}: {string.Join(", ", ns.Interfaces.Select(i => i.Name))}");

    /// <summary>
    /// Every interface of every named fixture namespace matches `ip -j -d link` and `ip -j addr`;
    /// every veth end's peer ifindex matches ethtool's peer_ifindex, and its peer namespace is the
    /// one iproute2's nsid list names.
    /// </summary>
    public static void VerifyAgainstKernel(Topology topology, params string[] namespaces)
    {
        foreach (var nsName in namespaces)
        {
            var ns = topology.Namespace(nsName);
            Assert.Equal(nsName, ns.Name);
            Assert.Contains($"/run/netns/{nsName}", ns.Paths);
            var oracle = Oracle.Links(nsName);
            var addresses = Oracle.Addresses(nsName);
            var nsids = Oracle.NsidNames(nsName);
            Assert.Equal(oracle.Select(l => (l.Ifindex, l.Name)).OrderBy(x => x.Ifindex), ns.Interfaces.Select(i => (i.Ifindex, i.Name)).OrderBy(x => x.Ifindex));
            foreach (var expected in oracle)
            {
                var actual = ns.Interface(expected.Name);
                var where = $"{expected.Name} in {nsName}";
                Assert.True(expected.Ifindex == actual.Ifindex, $"{where}: ifindex");
                Assert.True(expected.Kind == actual.LinkKind, $"{where}: kind {actual.LinkKind}, ip says {expected.Kind}");
                Assert.True(expected.Address == actual.Mac, $"{where}: mac {actual.Mac}, ip says {expected.Address}");
                Assert.True(expected.Mtu == actual.Mtu, $"{where}: mtu");
                Assert.True(expected.OperState == actual.OperState, $"{where}: operstate {actual.OperState}, ip says {expected.OperState}");
                Assert.True(expected.Master == actual.Master, $"{where}: master {actual.Master}, ip says {expected.Master}");
                Assert.True(expected.Flags.Contains("UP") == actual.AdminUp, $"{where}: admin up");
                Assert.Equal(addresses.GetValueOrDefault(expected.Name, []).Order(), actual.Addresses.Order());
                if (expected.Kind != "veth")
                {
                    Assert.Null(actual.Peer);
                    continue;
                }
                Assert.True(actual.Peer is not null, $"{where}: no peer");
                Assert.True(Oracle.EthtoolPeerIndex(nsName, expected.Name) == actual.Peer.Ifindex, $"{where}: peer ifindex {actual.Peer.Ifindex}, ethtool says otherwise");
                if (expected.LinkNetnsId is { } nsid)
                {
                    Assert.True(expected.LinkIndex == actual.Peer.Ifindex, $"{where}: peer index vs ip link_index");
                    if (nsids.TryGetValue(nsid, out var peerNsName) && peerNsName.StartsWith(TestNet.SuitePrefix, StringComparison.Ordinal))
                    {
                        Assert.True(TestNet.Id(peerNsName) == actual.Peer.NamespaceId, $"{where}: peer namespace {actual.Peer.NamespaceId}, ip says {peerNsName}");
                        var peerOracle = Oracle.Links(peerNsName).Single(l => l.Ifindex == actual.Peer.Ifindex);
                        Assert.Equal(peerOracle.Name, actual.Peer.Name);
                    }
                }
                else
                {
                    // Both ends in this namespace: ip names the peer instead of giving link_index.
                    Assert.Equal(ns.Id, actual.Peer.NamespaceId);
                    Assert.Equal(expected.LinkName, actual.Peer.Name);
                }
            }
        }
    }

    /// <summary>The veth pairs of the topology whose two ends are both in <paramref name="namespaceIds"/>.</summary>
    public static List<Link> LinksAmong(this Topology topology, IEnumerable<string> namespaceIds)
    {
        var ids = namespaceIds.ToHashSet();
        return topology.Links.Where(l => ids.Contains(l.A.NamespaceId) && ids.Contains(l.B.NamespaceId)).ToList();
    }
}
