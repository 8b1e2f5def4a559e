using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>
/// Every push carries the whole node, freshly deserialized: 250 namespaces of new objects even
/// when one interface changed. Reusing the previous instance of each namespace whose content is
/// the same lets components compare by reference and skip rendering what did not change.
/// </summary>
public static class TopologyReuse
{
    /// <summary><paramref name="next"/>, with each unchanged namespace (and the links, if unchanged) taken from <paramref name="previous"/>.</summary>
    public static Topology Reuse(Topology? previous, Topology next)
    {
        if (previous is null) return next;
        var old = new Dictionary<string, NetworkNamespace>(previous.Namespaces.Count, StringComparer.Ordinal);
        foreach (var ns in previous.Namespaces)
            old.TryAdd(ns.Id, ns);
        var namespaces = new NetworkNamespace[next.Namespaces.Count];
        for (var i = 0; i < namespaces.Length; i++)
        {
            var ns = next.Namespaces[i];
            namespaces[i] = old.TryGetValue(ns.Id, out var was) && Same(was, ns) ? was : ns;
        }
        var links = previous.Links.SequenceEqual(next.Links) ? previous.Links : next.Links;
        return next with { Namespaces = namespaces, Links = links };
    }

    /// <summary>
    /// The topology a patch makes of <paramref name="topology"/>: changed namespaces replaced (in
    /// place, new ones at the end), removed ones dropped, every other instance kept.
    /// </summary>
    public static Topology Apply(Topology topology, TopologyPatch patch)
    {
        var changed = new Dictionary<string, NetworkNamespace>(patch.Changed.Count, StringComparer.Ordinal);
        foreach (var ns in patch.Changed)
            changed[ns.Id] = ns;
        var removed = patch.Removed.ToHashSet(StringComparer.Ordinal);
        var namespaces = new List<NetworkNamespace>(topology.Namespaces.Count + changed.Count);
        foreach (var ns in topology.Namespaces)
        {
            if (removed.Contains(ns.Id)) continue;
            if (changed.Remove(ns.Id, out var now))
                namespaces.Add(Same(ns, now) ? ns : now);
            else
                namespaces.Add(ns);
        }
        namespaces.AddRange(patch.Changed.Where(n => changed.ContainsKey(n.Id)));
        return new Topology(patch.TakenAt, patch.Hostname, namespaces, patch.Links ?? topology.Links, patch.Warnings)
        {
            DurationMs = patch.DurationMs,
        };
    }

    /// <summary>Whether two topologies hold the very same namespace instances, in order (after <see cref="Reuse"/>: nothing changed).</summary>
    public static bool SameInstances(Topology? a, Topology? b) =>
        a is not null && b is not null && ReferenceEquals(a.Links, b.Links) && a.Namespaces.Count == b.Namespaces.Count
        && a.Namespaces.Zip(b.Namespaces).All(p => ReferenceEquals(p.First, p.Second));

    public static bool Same(NetworkNamespace a, NetworkNamespace b) =>
        a.Id == b.Id && a.Name == b.Name && a.IsRoot == b.IsRoot && a.DisplayName == b.DisplayName && a.Owner == b.Owner
        && a.Paths.SequenceEqual(b.Paths) && a.Pids.SequenceEqual(b.Pids) && a.Processes.SequenceEqual(b.Processes)
        && a.Routes.SequenceEqual(b.Routes) && a.Neighbours.SequenceEqual(b.Neighbours)
        && a.Interfaces.Count == b.Interfaces.Count && a.Interfaces.Zip(b.Interfaces).All(p => Same(p.First, p.Second));

    public static bool Same(NetworkInterface a, NetworkInterface b) =>
        a.Addresses.SequenceEqual(b.Addresses) && a.Flags.SequenceEqual(b.Flags)
        // Records compare lists by reference: compare the rest with the lists made the same.
        && a with { Addresses = b.Addresses, Flags = b.Flags } == b;
}
