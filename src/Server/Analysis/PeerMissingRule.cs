using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// peer-missing: a veth end whose other end is in no namespace that was read (its namespace is gone or
/// unreadable, or the kernel gave no peer). Fix: delete this end (which takes the hidden peer with it)
/// and recreate the pair, restoring this end's bridge, addresses and state.
/// </summary>
internal sealed class PeerMissingRule : IFindingRule
{
    public string Rule => FindingRules.PeerMissing;

    public IEnumerable<Finding> Evaluate(AnalysisContext context)
    {
        var index = context.Index;
        foreach (var e in index.VethEnds)
        {
            if (index.Peer(e) is not null) continue;
            var peer = e.Interface.Peer;
            var peerNamespace = index.Namespace(peer?.NamespaceId);
            var evidence = peer switch
            {
                null => "the kernel reports no peer for it (no IFLA_LINK)",
                { NamespaceId: null } => $"its peer (ifindex {peer.Ifindex}{Named(peer)}) is in a namespace the dashboard cannot find or read",
                _ when peerNamespace is null => $"its peer (ifindex {peer.Ifindex}{Named(peer)}) is in namespace {peer.NamespaceId}, which could not be read",
                _ => $"namespace {peerNamespace.DisplayName} has no veth with ifindex {peer.Ifindex}{Named(peer)}",
            };
            var fix = new List<string> { Commands.Ip(e.Namespace, $"link del {Commands.Quote(e.Name)}") };
            fix.AddRange(Commands.CreatePair(e.Namespace, e.Interface, peerNamespace, peer?.Name, null));
            yield return context.Create(Rule, Severities.Error, e,
                $"{e.Name}'s peer is missing",
                Symptoms.PeerMissing,
                evidence,
                fix);
        }
    }

    private static string Named(VethPeer peer) => peer.Name is null ? "" : $", {peer.Name}";
}
