using System.Globalization;

namespace Dashboard.Shared;

/// <summary>
/// What changed between two states of a node (or between two nodes): a pure function of two topologies and
/// their findings. Namespaces are matched by <see cref="KeyOf"/> (what names them, not their inode, which a
/// namespace made again does not keep and another node never shares); interfaces by name within a matched
/// namespace; veth pairs by both ends; findings by rule and place. The interfaces of an added or removed
/// namespace are not listed again under interfaces (the namespace says it); its veth pairs are.
/// </summary>
public static class TopologyComparer
{
    public static TopologyComparison Compare(
        string fromId, Topology from, IReadOnlyList<Finding> fromFindings,
        string toId, Topology to, IReadOnlyList<Finding> toFindings)
    {
        var before = new Side(from);
        var after = new Side(to);

        var namespacesAdded = new List<NamespaceRef>();
        var namespacesRemoved = new List<NamespaceRef>();
        var interfacesAdded = new List<InterfaceRef>();
        var interfacesRemoved = new List<InterfaceRef>();
        var interfacesChanged = new List<InterfaceChange>();

        foreach (var (key, ns) in after.ByKey)
        {
            if (!before.ByKey.TryGetValue(key, out var old))
            {
                namespacesAdded.Add(RefOf(ns));
                continue;
            }
            var oldInterfaces = old.Interfaces.GroupBy(i => i.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var newNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var nic in ns.Interfaces)
            {
                if (!newNames.Add(nic.Name)) continue;
                if (!oldInterfaces.TryGetValue(nic.Name, out var was))
                {
                    interfacesAdded.Add(new InterfaceRef(ns.Id, ns.DisplayName, nic.Name));
                    continue;
                }
                var changes = Differences(before, was, after, nic);
                if (changes.Count > 0)
                    interfacesChanged.Add(new InterfaceChange(ns.Id, ns.DisplayName, nic.Name, changes) { FromNamespaceId = old.Id });
            }
            foreach (var nic in old.Interfaces)
            {
                if (!newNames.Contains(nic.Name) && ReferenceEquals(oldInterfaces[nic.Name], nic))
                    interfacesRemoved.Add(new InterfaceRef(old.Id, old.DisplayName, nic.Name));
            }
        }
        foreach (var (key, ns) in before.ByKey)
        {
            if (!after.ByKey.ContainsKey(key)) namespacesRemoved.Add(RefOf(ns));
        }

        var linksBefore = before.LinksByKey();
        var linksAfter = after.LinksByKey();
        var linksAdded = linksAfter.Where(l => !linksBefore.ContainsKey(l.Key)).Select(l => l.Value).ToList();
        var linksRemoved = linksBefore.Where(l => !linksAfter.ContainsKey(l.Key)).Select(l => l.Value).ToList();

        var findingsBefore = before.FindingsByKey(fromFindings);
        var findingsAfter = after.FindingsByKey(toFindings);
        var findingsNew = findingsAfter.Where(f => !findingsBefore.ContainsKey(f.Key)).Select(f => f.Value).ToList();
        var findingsResolved = findingsBefore.Where(f => !findingsAfter.ContainsKey(f.Key)).Select(f => f.Value).ToList();

        return new TopologyComparison(
            fromId,
            toId,
            new NamespaceChanges(Sorted(namespacesAdded), Sorted(namespacesRemoved)),
            new InterfaceChanges(Sorted(interfacesAdded), Sorted(interfacesRemoved),
                interfacesChanged.OrderBy(c => c.NamespaceName, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal).ToList()),
            new LinkChanges(Sorted(linksAdded, after), Sorted(linksRemoved, before)),
            new FindingChanges(Sorted(findingsNew), Sorted(findingsResolved)))
        {
            FromTakenAt = from.TakenAt,
            ToTakenAt = to.TakenAt,
            FromHostname = from.Hostname,
            ToHostname = to.Hostname,
        };
    }

    /// <summary>
    /// What a namespace is called across time and nodes: "host" for the node's own, then its iproute2 name,
    /// then the pod or container holding it, and only then its inode.
    /// </summary>
    public static string KeyOf(NetworkNamespace ns) =>
        ns.IsRoot ? "host"
        : ns.Name is { Length: > 0 } name ? "netns:" + name
        : ns.Owner is { Kind: NamespaceOwner.Pod or NamespaceOwner.Container, Name: { Length: > 0 } owner } ? ns.Owner.Kind + ":" + owner
        : "id:" + ns.Id;

    /// <summary>
    /// A topology's namespaces by <see cref="KeyOf"/>. Two that claim one key (two containers of one name):
    /// the later one goes by its inode.
    /// </summary>
    public static Dictionary<string, NetworkNamespace> NamespacesByKey(Topology topology)
    {
        var byKey = new Dictionary<string, NetworkNamespace>(StringComparer.Ordinal);
        foreach (var ns in topology.Namespaces)
        {
            var key = KeyOf(ns);
            if (byKey.ContainsKey(key)) key = "id:" + ns.Id;
            byKey.TryAdd(key, ns);
        }
        return byKey;
    }

    private static List<FieldChange> Differences(Side before, NetworkInterface was, Side after, NetworkInterface now)
    {
        var changes = new List<FieldChange>();
        void Add(string field, string? a, string? b)
        {
            if (!string.Equals(a, b, StringComparison.Ordinal)) changes.Add(new FieldChange(field, a, b));
        }
        Add(ChangedFields.AdminUp, was.AdminUp ? "up" : "down", now.AdminUp ? "up" : "down");
        Add(ChangedFields.OperState, was.OperState, now.OperState);
        Add(ChangedFields.Mtu, was.Mtu.ToString(CultureInfo.InvariantCulture), now.Mtu.ToString(CultureInfo.InvariantCulture));
        Add(ChangedFields.Addresses, AddressesText(was.Addresses), AddressesText(now.Addresses));
        Add(ChangedFields.Master, was.Master, now.Master);
        Add(ChangedFields.Peer, before.PeerText(was.Peer), after.PeerText(now.Peer));
        Add(ChangedFields.Kind, was.Kind, now.Kind);
        return changes;
    }

    private static string? AddressesText(IReadOnlyList<string> addresses) =>
        addresses.Count == 0 ? null : string.Join(", ", addresses.Order(StringComparer.Ordinal));

    private static NamespaceRef RefOf(NetworkNamespace ns) => new(ns.Id, ns.Name) { DisplayName = ns.DisplayName };

    private static List<NamespaceRef> Sorted(List<NamespaceRef> refs) =>
        refs.OrderBy(r => r.DisplayName, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();

    private static List<InterfaceRef> Sorted(List<InterfaceRef> refs) =>
        refs.OrderBy(r => r.NamespaceName, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();

    private static List<Link> Sorted(List<Link> links, Side side) =>
        links.OrderBy(l => side.EndText(l.A), StringComparer.Ordinal).ThenBy(l => side.EndText(l.B), StringComparer.Ordinal).ToList();

    private static List<Finding> Sorted(List<Finding> findings) =>
        findings.OrderBy(f => f.Rule, StringComparer.Ordinal).ThenBy(f => f.NamespaceName, StringComparer.Ordinal)
            .ThenBy(f => f.Interface, StringComparer.Ordinal).ThenBy(f => f.Title, StringComparer.Ordinal).ToList();

    /// <summary>One side of the comparison, indexed by namespace key.</summary>
    private sealed class Side
    {
        private readonly Topology _topology;
        private readonly Dictionary<string, string> _keyOfId = new(StringComparer.Ordinal);

        // Names of ids in constant time: a comparison names every link's ends (Topology.FindNamespace is a scan).
        private readonly Dictionary<string, NetworkNamespace> _byId = new(StringComparer.Ordinal);

        public Side(Topology topology)
        {
            _topology = topology;
            foreach (var ns in topology.Namespaces) _byId.TryAdd(ns.Id, ns);
            ByKey = NamespacesByKey(topology);
            foreach (var (key, ns) in ByKey) _keyOfId.TryAdd(ns.Id, key);
        }

        public Dictionary<string, NetworkNamespace> ByKey { get; }

        private string KeyOfId(string? namespaceId, string? fallbackName = null) =>
            namespaceId is not null && _keyOfId.TryGetValue(namespaceId, out var key) ? key
            : fallbackName is { Length: > 0 } ? "name:" + fallbackName
            : "id:" + namespaceId;

        private string NameOfId(string? namespaceId) =>
            namespaceId is not null && _byId.TryGetValue(namespaceId, out var ns) ? ns.DisplayName : namespaceId ?? "?";

        public string? PeerText(VethPeer? peer) =>
            peer is null ? null
            : peer.Name is null || peer.NamespaceId is null ? $"not found (ifindex {peer.Ifindex.ToString(CultureInfo.InvariantCulture)})"
            : NameOfId(peer.NamespaceId) + "/" + peer.Name;

        public string EndText(LinkEnd end) => NameOfId(end.NamespaceId) + "/" + end.Interface;

        public Dictionary<string, Link> LinksByKey()
        {
            var links = new Dictionary<string, Link>(StringComparer.Ordinal);
            foreach (var link in _topology.Links)
            {
                var a = KeyOfId(link.A.NamespaceId) + "/" + link.A.Interface;
                var b = KeyOfId(link.B.NamespaceId) + "/" + link.B.Interface;
                var key = string.CompareOrdinal(a, b) <= 0 ? a + "\n" + b : b + "\n" + a;
                links.TryAdd(link.Kind + "\n" + key, link);
            }
            return links;
        }

        public Dictionary<string, Finding> FindingsByKey(IReadOnlyList<Finding> findings)
        {
            var result = new Dictionary<string, Finding>(StringComparer.Ordinal);
            foreach (var group in findings.GroupBy(f => f.Rule + "\n" + KeyOfId(f.NamespaceId, f.NamespaceName) + "\n" + f.Interface, StringComparer.Ordinal))
            {
                // Several findings of one rule on one place (two clashing addresses): told apart by their order.
                var ordinal = 0;
                foreach (var finding in group.OrderBy(f => f.Title, StringComparer.Ordinal))
                    result.TryAdd(group.Key + "\n" + (ordinal++).ToString(CultureInfo.InvariantCulture), finding);
            }
            return result;
        }
    }
}
