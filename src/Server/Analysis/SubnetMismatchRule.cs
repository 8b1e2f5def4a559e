using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// subnet-mismatch: both ends of a veth pair have IPv4 addresses but no address of one end lies in a
/// subnet of the other end and the other way round. Reported once, on the end whose address should
/// change: the end that is not in the root namespace, else the one that sorts last. Fix: replace its
/// address with one of the other end's subnet, keeping the host part when that is free.
/// Quiet for routed pairs (each side has a link route over its end to the other's address) and for
/// bridge ports (their addresses are the bridge's business).
/// </summary>
internal sealed class SubnetMismatchRule : IFindingRule
{
    public string Rule => FindingRules.SubnetMismatch;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        var index = context.Index;
        foreach (var pair in index.Pairs)
        {
            var (a, b) = (pair.A, pair.B);
            if (a.Ipv4.Count == 0 || b.Ipv4.Count == 0) continue;
            if (index.Bridge(a) is not null || index.Bridge(b) is not null) continue;
            if (a.Ipv4.Any(x => b.Ipv4.Any(x.SharesSubnetWith))) continue;
            if (a.Ipv4.Any(x => RouteLookup.HasLinkRoute(index.Routes(b.Namespace), b.Name, x.Address))
                && b.Ipv4.Any(x => RouteLookup.HasLinkRoute(index.Routes(a.Namespace), a.Name, x.Address)))
                continue;

            var change = b.Namespace.IsRoot && !a.Namespace.IsRoot ? a : b;
            var keep = pair.Other(change);
            // Join a subnet that has room for a second host.
            if (keep.Ipv4.All(x => x.PrefixLength >= 32) && change.Ipv4.Any(x => x.PrefixLength < 32))
                (change, keep) = (keep, change);
            var old = change.Ipv4[0];
            var target = keep.Ipv4.FirstOrDefault(x => x.PrefixLength < 32, keep.Ipv4[0]);
            var used = a.Ipv4.Concat(b.Ipv4).Select(x => x.Address).ToHashSet();
            var replacement = AddressPlanner.FreeHost(target, used, old.Address);
            IReadOnlyList<string> fix = replacement is { } address
                ? [Commands.AddressDelete(change.Namespace, old.ToString(), change.Name), Commands.AddressAdd(change.Namespace, address.ToString(), change.Name)]
                : [];
            yield return context.Create(Rule, Severities.Error, change,
                $"{change.Name} ({old}) and its peer {keep.Name} ({target}) share no subnet",
                Symptoms.SubnetMismatch,
                $"{change.Name} has {Describe(change)}; its peer {keep.Label} has {Describe(keep)}: neither end's address is inside the other end's subnet",
                fix,
                keep.Namespace.Id, keep.Name);
        }
    }

    private static string Describe(Endpoint e) => string.Join(", ", e.Ipv4.Select(x => $"{x} (subnet {x.Subnet})"));
}
