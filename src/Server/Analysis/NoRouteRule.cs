using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// no-route: a namespace with IPv4 addresses has no route to the IPv4 address of a veth peer
/// (longest-prefix match over its tables; a default route via a gateway counts, so a pod on a bridge
/// reaching beyond its subnet is fine). Quiet when an earlier finding already explains the missing route:
/// the end or the interface owning the connected route is down, the end has no address (no-ip-address),
/// or the pair's subnets differ (subnet-mismatch).
/// Fix: remove a blocking route (blackhole, unreachable, prohibit) and add the connected route back
/// (over the bridge when the end is a bridge port).
/// </summary>
internal sealed class NoRouteRule : IFindingRule
{
    public string Rule => FindingRules.NoRoute;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        var index = context.Index;
        foreach (var e in index.VethEnds)
        {
            if (index.Peer(e) is not { } peer || peer.Ipv4.Count == 0) continue;
            if (!index.HasIpv4(e.Namespace)) continue;
            if (!e.Interface.AdminUp
                || context.Has(FindingRules.NoIpAddress, e)
                || context.Has(FindingRules.SubnetMismatch, e) || context.Has(FindingRules.SubnetMismatch, peer))
                continue;

            var missing = peer.Ipv4
                .Select(target => (Target: target, Lookup: RouteLookup.Find(index.Routes(e.Namespace), target.Address)))
                .Where(x => x.Lookup.Usable is null && !ExplainedByDownInterface(context, e.Namespace, x.Target.Address))
                .ToList();
            if (missing.Count == 0) continue;

            var (target, lookup) = missing[0];
            yield return context.Create(Rule, Severities.Error, e,
                $"{e.Namespace.DisplayName} has no route to {target.Ip} ({peer.Label})",
                Symptoms.NoRoute,
                Evidence(index.Routes(e.Namespace), missing.Select(m => m.Target.Ip), lookup),
                Fix(context, e, target.Address, lookup),
                peer.Namespace.Id, peer.Name);
        }
    }

    /// <summary>The connected route is gone because the interface carrying that subnet is reported down.</summary>
    private static bool ExplainedByDownInterface(AnalysisContext context, NetworkNamespace ns, uint target) =>
        context.Index.Endpoints.Any(x => x.Namespace.Id == ns.Id
            && x.Ipv4.Any(a => a.Contains(target))
            && context.Has(FindingRules.InterfaceDown, x));

    private static string Evidence(IReadOnlyList<RouteLookup.Match> ipv4Routes, IEnumerable<string> targets, RouteLookup.Result lookup)
    {
        var what = string.Join(", ", targets);
        var routes = ipv4Routes
            .Where(m => m.Route.Table != "local")
            .Select(m => RouteLookup.Describe(m.Route))
            .ToList();
        var table = routes.Count == 0 ? "there are no IPv4 routes" : $"routes: {string.Join("; ", routes.Take(8))}{(routes.Count > 8 ? "; ..." : "")}";
        return lookup.Blocked is { } blocked
            ? $"{what} matches {RouteLookup.Describe(blocked.Route)}; {table}"
            : $"no route in any table matches {what}; {table}";
    }

    private static List<string> Fix(AnalysisContext context, Endpoint e, uint target, RouteLookup.Result lookup)
    {
        var fix = new List<string>();
        if (lookup.Blocked is { } blocked)
            fix.Add(Commands.Ip(e.Namespace, $"route del {RouteLookup.Describe(blocked.Route)}"));
        // A bridge port's traffic is routed over its bridge. The connected route of the device's own subnet,
        // else a host route over it.
        var device = context.Index.Bridge(e) ?? e;
        var own = device.Ipv4.Where(a => a.Contains(target) && a.PrefixLength is > 0 and < 32).Select(a => a.Subnet).FirstOrDefault();
        var destination = own ?? Ipv4Cidr.Format(target);
        bool present = context.Index.Routes(e.Namespace).Any(m =>
            !m.Blocks && m.Route.Device == device.Name && m.Route.Gateway is null && m.Destination.Contains(target));
        if (!present) fix.Add(Commands.Ip(e.Namespace, $"route add {destination} dev {Commands.Quote(device.Name)}"));
        return fix;
    }
}
