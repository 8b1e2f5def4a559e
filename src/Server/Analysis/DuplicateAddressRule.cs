using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// duplicate-address: the same IPv4 address on two interfaces of one layer-2 segment. A segment is a
/// bridge (the bridge itself, its ports, and the far ends of its veth ports: the pods), or a veth pair
/// neither of whose ends is a bridge port. One finding per clash, on the interface that should give the
/// address up (never the bridge, preferably not the root namespace, else the one that sorts last),
/// naming the one that keeps it. Fix: replace the address with a free one of the same subnet.
/// </summary>
internal sealed class DuplicateAddressRule : IFindingRule
{
    public string Rule => FindingRules.DuplicateAddress;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        var index = context.Index;
        var segments = index.Bridges
            .Select(s => (Members: (IReadOnlyList<Endpoint>)[s.Bridge, .. s.Members, .. s.FarEnds], Relation: $"which share bridge {s.Bridge.Label}"))
            .Concat(index.Pairs
                .Where(p => index.Bridge(p.A) is null && index.Bridge(p.B) is null)
                .Select(p => (Members: (IReadOnlyList<Endpoint>)[p.A, p.B], Relation: "which are the two ends of a veth pair")));
        foreach (var (members, relation) in segments)
        {
            var ordered = members.Distinct().OrderBy(KeepOrder).ThenBy(e => e, Comparer<Endpoint>.Create(Endpoint.Compare)).ToList();
            var used = ordered.SelectMany(e => e.Ipv4).Select(a => a.Address).ToHashSet();
            var clashes = ordered
                .SelectMany(e => e.Ipv4.Select(a => (Endpoint: e, Address: a)))
                .GroupBy(x => x.Address.Address)
                .Where(g => g.Select(x => x.Endpoint).Distinct().Count() > 1);
            foreach (var clash in clashes)
            {
                var keeper = clash.First();
                foreach (var (other, address) in clash.Skip(1).Where(x => !ReferenceEquals(x.Endpoint, keeper.Endpoint)))
                {
                    var replacement = AddressPlanner.FreeHost(address, used);
                    if (replacement is { } r) used.Add(r.Address);
                    IReadOnlyList<string> fix = replacement is { } free
                        ? [Commands.AddressDelete(other.Namespace, address.ToString(), other.Name), Commands.AddressAdd(other.Namespace, free.ToString(), other.Name)]
                        : [];
                    yield return context.Create(Rule, Severities.Error, other,
                        $"{address.Ip} is on both {other.Label} and {keeper.Endpoint.Label}",
                        Symptoms.DuplicateAddress,
                        $"{address.Ip} is assigned to {other.Label} ({address}) and to {keeper.Endpoint.Label} ({keeper.Address}), {relation}",
                        fix,
                        keeper.Endpoint.Namespace.Id, keeper.Endpoint.Name, address.Ip);
                }
            }
        }
    }

    /// <summary>Who keeps a contested address: a bridge (the gateway), then the root namespace, then the rest.</summary>
    private static int KeepOrder(Endpoint e) => TopologyIndex.IsBridge(e.Interface) ? 0 : e.Namespace.IsRoot ? 1 : 2;
}
