using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// loopback-down: `lo` is down in a namespace where other interfaces have addresses (an IPv6 link-local
/// address does not count: the kernel adds one to every interface brought up). An empty namespace's lo
/// is nobody's problem.
/// </summary>
internal sealed class LoopbackDownRule : IFindingRule
{
    public string Rule => FindingRules.LoopbackDown;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        foreach (var ns in context.Topology.Namespaces)
        {
            var addressed = ns.Interfaces
                .Where(i => !TopologyIndex.IsLoopback(i))
                .Select(i => (i.Name, Addresses: i.Addresses.Where(a => !Commands.IsIpv6LinkLocal(a)).ToList()))
                .Where(x => x.Addresses.Count > 0)
                .ToList();
            if (addressed.Count == 0) continue;
            foreach (var lo in ns.Interfaces.Where(i => TopologyIndex.IsLoopback(i) && TopologyIndex.IsDown(i)))
            {
                var others = string.Join(", ", addressed.Select(x => $"{x.Name} ({string.Join(", ", x.Addresses)})"));
                var state = lo.AdminUp ? $"operstate {lo.OperState}" : $"operstate {lo.OperState}, IFF_UP not set";
                yield return context.Create(Rule, Severities.Warning, new Endpoint(ns, lo),
                    $"{lo.Name} is DOWN in {ns.DisplayName}",
                    Symptoms.LoopbackDown,
                    $"{lo.Name}: {state}; the namespace has addresses on {others}",
                    [Commands.LinkUp(ns, lo.Name)]);
            }
        }
    }
}
