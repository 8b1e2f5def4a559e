using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// mtu-mismatch: a bridge port whose MTU differs from its bridge's, or the two ends of a veth pair with
/// different MTUs. At most one finding per interface, on the one to change: a port takes its bridge's MTU;
/// of a veth pair with one end on a bridge, the far end takes the bridge's MTU (when the port is the odd
/// one, its own finding says so); otherwise the larger MTU comes down to the smaller one (lowering is always safe).
/// </summary>
internal sealed class MtuMismatchRule : IFindingRule
{
    public string Rule => FindingRules.MtuMismatch;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        var index = context.Index;
        var reported = new HashSet<Endpoint>();
        foreach (var segment in index.Bridges)
        {
            var bridge = segment.Bridge;
            foreach (var port in segment.Members.Where(m => m.Interface.Mtu != bridge.Interface.Mtu))
            {
                reported.Add(port);
                yield return Create(context, port, bridge.Interface.Mtu,
                    $"{port.Name} MTU {port.Interface.Mtu} differs from its bridge {bridge.Name} ({bridge.Interface.Mtu})",
                    $"{port.Name} mtu {port.Interface.Mtu}; it is a port of bridge {bridge.Label}, mtu {bridge.Interface.Mtu}",
                    bridge);
            }
        }
        foreach (var pair in index.Pairs.Where(p => p.A.Interface.Mtu != p.B.Interface.Mtu))
        {
            var (a, b) = (pair.A, pair.B);
            var (aBridge, bBridge) = (index.Bridge(a), index.Bridge(b));
            if ((aBridge is null) != (bBridge is null))
            {
                // One end is a bridge port: the bridge's MTU is the segment's. A port that differs from
                // its bridge was reported above; the far end is reported when it differs from the bridge.
                var (port, bridge) = aBridge is not null ? (a, aBridge) : (b, bBridge!);
                var far = pair.Other(port);
                if (far.Interface.Mtu == bridge.Interface.Mtu || !reported.Add(far)) continue;
                yield return Create(context, far, bridge.Interface.Mtu,
                    $"{far.Name} MTU {far.Interface.Mtu} differs from its peer {port.Name} ({port.Interface.Mtu})",
                    $"{far.Name} mtu {far.Interface.Mtu}; its peer {port.Label} mtu {port.Interface.Mtu}, a port of bridge {bridge.Name} mtu {bridge.Interface.Mtu}",
                    port);
                continue;
            }
            var change = a.Interface.Mtu > b.Interface.Mtu ? a : b;
            var reference = pair.Other(change);
            if (!reported.Add(change)) continue;
            yield return Create(context, change, reference.Interface.Mtu,
                $"{change.Name} MTU {change.Interface.Mtu} differs from its peer {reference.Name} ({reference.Interface.Mtu})",
                $"{change.Name} mtu {change.Interface.Mtu}; its peer {reference.Label} mtu {reference.Interface.Mtu}",
                reference);
        }
    }

    private static Finding Create(AnalysisContext context, Endpoint change, int mtu, string title, string evidence, Endpoint reference) =>
        context.Create(FindingRules.MtuMismatch, Severities.Warning, change, title, Symptoms.MtuMismatch, evidence,
            [Commands.Mtu(change.Namespace, change.Name, mtu)],
            reference.Namespace.Id, reference.Name);
}
