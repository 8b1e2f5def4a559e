using Dashboard.Server.Discovery;
using Dashboard.Server.Monitoring;
using Dashboard.Server.Processes;
using Dashboard.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Server.Api;

internal static class InterfaceApi
{
    public static RouteGroupBuilder MapInterfaceApi(this RouteGroupBuilder api)
    {
        api.MapGet("/namespaces/{ns}/interfaces/{name}/counters", GetCounters)
            .WithName("GetInterfaceCounters")
            .WithSummary("`ethtool -S` of one interface, read now. ns: a namespace id, an iproute2 name, or root/host.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Results<Ok<InterfaceCounters>, ProblemHttpResult>> GetCounters(
        string ns, string name, TopologyStore store, TopologyDiscovery discovery, ProcessRunner runner, TimeProvider time, CancellationToken cancellationToken)
    {
        var topology = (await store.GetAsync(fresh: false, cancellationToken)).Topology;
        var space = NamespaceReference.Resolve(topology, ns);
        if (space is null)
            return NotFound("No such namespace", $"No namespace is known as '{ns}' (an id, an iproute2 name, or root/host).");
        // Only a name the kernel reported reaches the command line.
        var iface = space.Interfaces.FirstOrDefault(i => i.Name == name);
        if (iface is null)
            return NotFound("No such interface", $"Namespace {space.DisplayName} has no interface '{name}'.");

        var own = space.Id == discovery.OwnInode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var path = space.Paths.Count > 0 ? space.Paths[0] : null;
        var (program, args) = own || path is null
            ? ("ethtool", new[] { "-S", iface.Name })
            : ("nsenter", new[] { $"--net={path}", "ethtool", "-S", iface.Name });
        var shown = own ? $"ethtool -S {iface.Name}"
            : space.Name is not null ? $"ip netns exec {space.Name} ethtool -S {iface.Name}"
            : $"nsenter --net={path} ethtool -S {iface.Name}";

        var result = await runner.RunAsync(program, args, cancellationToken: cancellationToken);
        var warnings = new List<string>();
        var counters = new Dictionary<string, long>();
        if (result.Succeeded) counters = EthtoolStats.Parse(result.Stdout);
        else warnings.Add($"`{shown}` failed ({result.ExitCode}): {result.Stderr.Trim()}");
        int? peer = counters.TryGetValue("peer_ifindex", out var p) ? (int)p : null;
        return TypedResults.Ok(new InterfaceCounters(space.Id, iface.Name, counters, peer, shown, warnings, time.GetUtcNow()));
    }

    private static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);
}
