using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>Pure helpers that turn the wire records into what the page shows.</summary>
public static class TopologyView
{
    /// <summary>"veth-blue in pod-blue", or "unresolved (ifindex 7)" when the peer's namespace is not known.</summary>
    public static string PeerLabel(Topology topology, VethPeer peer)
    {
        if (peer.NamespaceId is null || peer.Name is null)
            return $"unresolved (ifindex {peer.Ifindex})";
        return $"{peer.Name} in {NamespaceLabel(topology, peer.NamespaceId)}";
    }

    public static string NamespaceLabel(Topology topology, string namespaceId) =>
        topology.FindNamespace(namespaceId)?.DisplayName ?? namespaceId;

    public static NetworkInterface? FindInterface(Topology topology, string namespaceId, string name) =>
        topology.FindNamespace(namespaceId)?.Interfaces.FirstOrDefault(i => i.Name == name);

    /// <summary>
    /// How a URL names a namespace: <c>host</c>, its iproute2 name, else its id (the references the
    /// API takes; a pod's display name may hold characters a path segment should not).
    /// </summary>
    public static string Reference(NetworkNamespace ns) => ns.IsRoot ? "host" : ns.Name ?? ns.Id;

    /// <summary>Finds a namespace by a URL's reference: <c>host</c>/<c>root</c>, an id, an iproute2 name or a display name.</summary>
    public static NetworkNamespace? Resolve(Topology topology, string reference) =>
        reference is "host" or "root"
            ? topology.Namespaces.FirstOrDefault(n => n.IsRoot)
            : topology.Namespaces.FirstOrDefault(n => n.Id == reference)
              ?? topology.Namespaces.FirstOrDefault(n => n.Name == reference)
              ?? topology.Namespaces.FirstOrDefault(n => n.DisplayName == reference);

    /// <summary>The details page of an interface, relative to the app's base (<c>interfaces/pod-red/veth-red</c>), with a query kept.</summary>
    public static string InterfaceHref(string namespaceReference, string iface, string? query = null) =>
        $"interfaces/{Uri.EscapeDataString(namespaceReference)}/{Uri.EscapeDataString(iface)}{query}";

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<NetworkNamespace>, string> Names = new();

    /// <summary>Every namespace's id and display name in one string, computed once per namespace list: what peer labels depend on.</summary>
    public static string NamesKey(Topology topology) =>
        Names.GetValue(topology.Namespaces, list => string.Join("|", list.Select(n => $"{n.Id}={n.DisplayName}")));

    /// <summary>The host first, then by name: the order a person scans in.</summary>
    public static IEnumerable<NetworkNamespace> Ordered(IEnumerable<NetworkNamespace> namespaces) =>
        namespaces.OrderByDescending(n => n.IsRoot).ThenBy(n => n.DisplayName, StringComparer.Ordinal);

    /// <summary>Whether the interface carries traffic as far as the kernel is concerned.</summary>
    public static bool IsUp(NetworkInterface i) =>
        i.AdminUp && (i.OperState == "UP" || (i.OperState == "UNKNOWN" && i.LowerUp));

    /// <summary>Matches a namespace by its name, id, owner, or any interface name or address.</summary>
    public static bool Matches(NetworkNamespace ns, string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter)) return true;
        var f = filter.Trim();
        return Contains(ns.DisplayName, f) || Contains(ns.Id, f) || Contains(ns.Owner.Name, f) || Contains(ns.Owner.Kind, f)
            || ns.Interfaces.Any(i => Contains(i.Name, f) || i.Addresses.Any(a => Contains(a, f)) || (i.Peer?.Name is { } p && Contains(p, f)));
    }

    public static bool IsLinkLocal(string address) =>
        address.StartsWith("fe80:", StringComparison.OrdinalIgnoreCase) || address.StartsWith("169.254.", StringComparison.Ordinal);

    private static bool Contains(string? value, string part) =>
        value is not null && value.Contains(part, StringComparison.OrdinalIgnoreCase);
}
