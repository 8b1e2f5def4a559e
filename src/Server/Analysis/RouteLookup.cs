using Dashboard.Shared;
using Route = Dashboard.Shared.Route;

namespace Dashboard.Server.Analysis;

/// <summary>
/// Longest-prefix match over a namespace's IPv4 routes, table by table (local, main, default, then the
/// others). Policy rules are not known, so a destination counts as routed when any table routes it; a
/// table whose best match is unreachable/blackhole/prohibit blocks it in that table. Pure.
/// </summary>
internal static class RouteLookup
{
    private static readonly string[] Blocking = ["unreachable", "blackhole", "prohibit"];

    public sealed record Match(Route Route, Ipv4Cidr Destination)
    {
        public bool Blocks => Blocking.Contains(Route.Type);
    }

    public sealed record Result(Match? Usable, Match? Blocked);

    public static Result Find(IReadOnlyList<Match> routes, uint address)
    {
        Match? blocked = null;
        var candidates = routes.Where(m => m.Destination.Contains(address) && m.Route.Type != "throw").ToList();
        foreach (var table in candidates.GroupBy(r => r.Route.Table).OrderBy(g => TableOrder(g.Key)))
        {
            var best = table
                .OrderByDescending(m => m.Destination.PrefixLength)
                .ThenBy(m => m.Route.Metric ?? 0)
                .First();
            if (!best.Blocks) return new Result(best, null);
            blocked ??= best;
        }
        return new Result(null, blocked);
    }

    /// <summary>
    /// A directly connected route (no gateway) that covers
    /// <paramref name="address"/>, over <paramref name="device"/>: how routed designs reach a peer without sharing a subnet.
    /// </summary>
    public static bool HasLinkRoute(IReadOnlyList<Match> routes, string device, uint address) =>
        routes.Any(m =>
            m.Route.Device == device && m.Route.Gateway is null && !m.Blocks
            && m.Destination.PrefixLength > 0 && m.Destination.Contains(address));

    public static IEnumerable<Match> Ipv4Routes(NetworkNamespace ns) =>
        ns.Routes
            .Where(r => r.Family == "inet")
            .Select(r => Ipv4Cidr.Parse(r.Destination) is { } d ? new Match(r, d) : null)
            .OfType<Match>();

    /// <summary>How `ip route` would write it: "10.0.1.0/24 dev veth-red", "default via 10.88.0.1 dev eth0", "blackhole 10.0.1.2".</summary>
    public static string Describe(Route r)
    {
        var type = r.Type == "unicast" ? "" : $"{r.Type} ";
        var via = r.Gateway is null ? "" : $" via {r.Gateway}";
        var dev = r.Device is null ? "" : $" dev {r.Device}";
        var table = r.Table == "main" ? "" : $" table {r.Table}";
        return $"{type}{r.Destination}{via}{dev}{table}";
    }

    private static int TableOrder(string table) => table switch
    {
        "local" => 0,
        "main" => 1,
        "default" => 2,
        _ => 3,
    };
}
