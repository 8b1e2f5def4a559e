using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// no-ip-address: a veth end that is not a bridge port has no IPv4 address while the far side has one:
/// its peer's own address or, when the peer is a bridge port, the bridge's. Fix: add a free address of
/// that subnet (none of the segment's addresses).
/// Quiet for routed designs (Calico, Cilium): a peer address that is a /32, or a route over this end to it,
/// means this end needs no address of its own.
/// </summary>
internal sealed class NoIpAddressRule : IFindingRule
{
    public string Rule => FindingRules.NoIpAddress;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        var index = context.Index;
        foreach (var e in index.VethEnds)
        {
            if (e.Ipv4.Count > 0 || index.Bridge(e) is not null) continue;
            if (index.Peer(e) is not { } peer) continue;
            var farSide = index.FarSideIpv4(peer);
            if (farSide.Count == 0 || farSide.Any(a => a.PrefixLength == 32)) continue;
            if (farSide.Any(a => RouteLookup.HasLinkRoute(index.Routes(e.Namespace), e.Name, a.Address))) continue;
            var subnet = farSide[0];
            var bridge = peer.Ipv4.Count > 0 ? null : index.Bridge(peer);
            var where = bridge is null
                ? $"its peer {peer.Label} has {string.Join(", ", farSide)}"
                : $"its peer {peer.Label} is a port of bridge {bridge.Name}, which has {string.Join(", ", farSide)}";
            var free = AddressPlanner.FreeHost(subnet, index.AddressesOnSegment(peer));
            IReadOnlyList<string> fix = free is { } address ? [Commands.AddressAdd(e.Namespace, address.ToString(), e.Name)] : [];
            yield return context.Create(Rule, Severities.Error, e,
                $"{e.Name} has no IPv4 address",
                Symptoms.NoIpAddress,
                $"no IPv4 address on {e.Name}; {where}" + (free is null ? $"; subnet {subnet.Subnet} has no free address" : ""),
                fix);
        }
    }
}
