using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// interface-down: a veth end, a bridge or a bridge port that is not admin up, or whose operstate is
/// DOWN / LOWERLAYERDOWN. Reported once, on the interface to bring up:
/// <list type="bullet">
/// <item>admin down: on itself (`ip link set X up`), naming the peer whose carrier it took;</item>
/// <item>a veth that is up but has no carrier because its peer is admin down: nothing (the peer is reported);</item>
/// <item>a veth that is up but whose peer cannot be found: nothing (peer-missing is reported);</item>
/// <item>a bridge that is up without carrier because all its ports are down: nothing (the ports are reported);
/// a bridge without any port carries nothing (docker0 with no containers) and is not judged.</item>
/// </list>
/// Other devices (the node's NICs, ifb, ...) are judged only when they are bridge ports.
/// </summary>
internal sealed class InterfaceDownRule : IFindingRule
{
    public string Rule => FindingRules.InterfaceDown;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        var index = context.Index;
        foreach (var e in index.Endpoints)
        {
            Finding? finding = e.Interface.Kind switch
            {
                InterfaceKinds.Veth => Veth(context, e),
                InterfaceKinds.Bridge => Bridge(context, e),
                _ when index.Bridge(e) is { } bridge => Port(context, e, bridge),
                _ => null,
            };
            if (finding is not null) yield return finding;
        }
    }

    private static Finding? Veth(AnalysisContext context, Endpoint e)
    {
        var peer = context.Index.Peer(e);
        if (!e.Interface.AdminUp)
        {
            var consequence = peer is not null && peer.Interface.AdminUp && TopologyIndex.OperDown(peer.Interface)
                ? $"; its peer {peer.Label} is up but {peer.Interface.OperState} because of it"
                : "";
            return AdminDown(context, e, consequence);
        }
        if (!TopologyIndex.OperDown(e.Interface)) return null;
        // Up but no carrier: a veth has carrier when both ends are up, so the cause is on the other end.
        if (peer is null || !peer.Interface.AdminUp) return null;
        return NoCarrier(context, e,
            $"operstate {e.Interface.OperState} although IFF_UP is set and its peer {peer.Label} is admin up (operstate {peer.Interface.OperState})");
    }

    private static Finding? Bridge(AnalysisContext context, Endpoint e)
    {
        var ports = context.Index.Segment(e)?.Members ?? [];
        if (ports.Count == 0) return null;
        var portList = $"ports: {string.Join(", ", ports.Select(p => $"{p.Name} ({Describe(p.Interface)})"))}";
        if (!e.Interface.AdminUp) return AdminDown(context, e, $"; {portList}");
        if (!TopologyIndex.OperDown(e.Interface)) return null;
        // A bridge has carrier when one of its ports does: ports that are all down explain it (they are reported).
        if (ports.All(p => TopologyIndex.IsDown(p.Interface))) return null;
        return NoCarrier(context, e, $"operstate {e.Interface.OperState} although IFF_UP is set and a port is up; {portList}");
    }

    private static Finding? Port(AnalysisContext context, Endpoint e, Endpoint bridge)
    {
        if (!e.Interface.AdminUp) return AdminDown(context, e, $"; it is a port of bridge {bridge.Name}");
        if (!TopologyIndex.OperDown(e.Interface)) return null;
        return NoCarrier(context, e, $"operstate {e.Interface.OperState}, IFF_UP set but no carrier (LOWER_UP not set); it is a port of bridge {bridge.Name}");
    }

    private static Finding AdminDown(AnalysisContext context, Endpoint e, string consequence) =>
        context.Create(FindingRules.InterfaceDown, Severities.Error, e,
            $"{e.Name} is DOWN",
            Symptoms.InterfaceDown,
            $"operstate {e.Interface.OperState}, IFF_UP not set{consequence}",
            [Commands.LinkUp(e.Namespace, e.Name)]);

    private static Finding NoCarrier(AnalysisContext context, Endpoint e, string evidence) =>
        context.Create(FindingRules.InterfaceDown, Severities.Error, e,
            $"{e.Name} is {e.Interface.OperState}",
            Symptoms.InterfaceDown,
            evidence,
            [Commands.LinkDown(e.Namespace, e.Name), Commands.LinkUp(e.Namespace, e.Name)]);

    private static string Describe(NetworkInterface i) => i.AdminUp ? i.OperState : $"{i.OperState}, IFF_UP not set";
}
