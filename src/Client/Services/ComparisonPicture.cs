using Dashboard.Client.Services.Diagram;
using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>
/// What the compare page draws: one topology holding both sides (the "to" side, plus what only the
/// "from" side had: a removed namespace, a removed interface, a removed veth pair) and the colour of
/// each part (added, removed, changed, same).
/// </summary>
public sealed record ComparisonPicture(Topology Topology, DiagramHealth States)
{
    /// <summary>
    /// Builds the union of <paramref name="from"/> and <paramref name="to"/> as <paramref name="comparison"/>
    /// (the server's <c>GET /api/snapshots/{a}/compare/{b}</c>) describes it. Namespaces are matched as
    /// <see cref="TopologyComparer.KeyOf"/> matches them, so a namespace made again (a new inode) is one
    /// namespace here too; it goes by its "to" side id. A namespace only the "from" side had keeps its
    /// id (or <c>removed:{id}</c> should the "to" side use that id for another one).
    /// Parts the comparison names but the topologies lack (a live side read at another moment) are skipped.
    /// </summary>
    public static ComparisonPicture Build(Topology from, Topology to, TopologyComparison comparison)
    {
        var toByKey = TopologyComparer.NamespacesByKey(to);
        var fromKeyOfId = TopologyComparer.NamespacesByKey(from).ToDictionary(kv => kv.Value.Id, kv => kv.Key, StringComparer.Ordinal);
        var toIds = to.Namespaces.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);

        // The id each "from" namespace goes by in the union.
        var unionId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var ns in from.Namespaces)
        {
            if (unionId.ContainsKey(ns.Id)) continue;
            unionId[ns.Id] = fromKeyOfId.TryGetValue(ns.Id, out var key) && toByKey.TryGetValue(key, out var match) ? match.Id
                : toIds.Contains(ns.Id) ? "removed:" + ns.Id
                : ns.Id;
        }
        string Map(string fromId) => unionId.GetValueOrDefault(fromId, fromId);
        VethPeer? MapPeer(VethPeer? peer) => peer?.NamespaceId is { } id ? peer with { NamespaceId = Map(id) } : peer;
        NetworkInterface MapInterface(NetworkInterface nic) => nic with { Peer = MapPeer(nic.Peer) };

        var namespaces = to.Namespaces.ToList();
        var index = namespaces.Select((n, i) => (n.Id, i)).ToDictionary(t => t.Id, t => t.i, StringComparer.Ordinal);
        var namespaceStates = new Dictionary<string, string>(StringComparer.Ordinal);
        var interfaceStates = new Dictionary<(string Namespace, string Interface), string>();
        var linkStates = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var added in comparison.Namespaces.Added)
        {
            if (!index.TryGetValue(added.Id, out var i)) continue;
            namespaceStates[added.Id] = DiagramStates.Added;
            foreach (var nic in namespaces[i].Interfaces)
                interfaceStates[(added.Id, nic.Name)] = DiagramStates.Added;
        }
        foreach (var removed in comparison.Namespaces.Removed)
        {
            var ns = from.FindNamespace(removed.Id);
            var id = Map(removed.Id);
            if (ns is null || index.ContainsKey(id)) continue;
            index[id] = namespaces.Count;
            namespaces.Add(ns with { Id = id, Interfaces = [.. ns.Interfaces.Select(MapInterface)] });
            namespaceStates[id] = DiagramStates.Removed;
            foreach (var nic in ns.Interfaces)
                interfaceStates[(id, nic.Name)] = DiagramStates.Removed;
        }
        foreach (var added in comparison.Interfaces.Added)
            if (index.ContainsKey(added.NamespaceId))
                interfaceStates[(added.NamespaceId, added.Name)] = DiagramStates.Added;
        foreach (var removed in comparison.Interfaces.Removed)
        {
            var id = Map(removed.NamespaceId);
            var nic = from.FindNamespace(removed.NamespaceId)?.Interfaces.FirstOrDefault(n => n.Name == removed.Name);
            if (nic is null || !index.TryGetValue(id, out var i)) continue;
            if (namespaces[i].Interfaces.All(n => n.Name != removed.Name))
                namespaces[i] = namespaces[i] with { Interfaces = [.. namespaces[i].Interfaces, MapInterface(nic)] };
            interfaceStates[(id, removed.Name)] = DiagramStates.Removed;
        }
        foreach (var changed in comparison.Interfaces.Changed)
            if (index.ContainsKey(changed.NamespaceId))
                interfaceStates.TryAdd((changed.NamespaceId, changed.Name), DiagramStates.Changed);

        var links = to.Links.ToList();
        foreach (var link in comparison.Links.Added)
            linkStates[DiagramLayout.EdgeKey(link.A, link.B)] = DiagramStates.Added;
        foreach (var link in comparison.Links.Removed)
        {
            var mapped = link with { A = link.A with { NamespaceId = Map(link.A.NamespaceId) }, B = link.B with { NamespaceId = Map(link.B.NamespaceId) } };
            var key = DiagramLayout.EdgeKey(mapped.A, mapped.B);
            if (linkStates.ContainsKey(key)) continue; // the same pair, removed and added again: drawn once, as added
            linkStates[key] = DiagramStates.Removed;
            links.Add(mapped);
        }

        // Findings that came or went mark their place as changed, unless it is added or removed whole.
        foreach (var (finding, id) in comparison.Findings.New.Select(f => (f, f.NamespaceId))
                     .Concat(comparison.Findings.Resolved.Select(f => (f, Map(f.NamespaceId)))))
        {
            if (finding.Rule is FindingRules.VethPairRemoved or FindingRules.NamespaceRemoved || !index.ContainsKey(id)) continue;
            if (finding.Interface is { } name && namespaces[index[id]].Interfaces.Any(n => n.Name == name))
                interfaceStates.TryAdd((id, name), DiagramStates.Changed);
            else
                namespaceStates.TryAdd(id, DiagramStates.Changed);
        }

        // A namespace with a part that changed is changed.
        foreach (var ((ns, _), _) in interfaceStates)
            namespaceStates.TryAdd(ns, DiagramStates.Changed);
        foreach (var link in links)
        {
            if (!linkStates.ContainsKey(DiagramLayout.EdgeKey(link.A, link.B))) continue;
            namespaceStates.TryAdd(link.A.NamespaceId, DiagramStates.Changed);
            namespaceStates.TryAdd(link.B.NamespaceId, DiagramStates.Changed);
        }

        var union = to with { Namespaces = namespaces, Links = links, Warnings = [] };
        return new ComparisonPicture(union, DiagramHealth.Comparison(namespaceStates, interfaceStates, linkStates));
    }
}
