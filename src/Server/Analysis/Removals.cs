using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>A removal seen between two topologies, and how to tell that what was removed is back.</summary>
internal sealed record Removal(Finding Finding, Func<Topology, bool> IsBack);

/// <summary>
/// namespace-removed and veth-pair-removed: what disappeared between two topologies. Pure.
/// A namespace whose id is gone was removed, and its veth pairs with it (named in its finding, not
/// reported again). A veth pair was removed when neither end is left (deleting one end deletes both)
/// while its namespaces are still there. A namespace that discovery could not read this time is not
/// taken for removed.
/// </summary>
internal static class Removals
{
    /// <summary>
    /// A topology that lost the root namespace it had before is a failed read, not a deleted node:
    /// nothing is taken for removed from it, and it is no baseline for the next comparison.
    /// </summary>
    public static bool LooksIncomplete(Topology previous, Topology current) =>
        previous.Namespaces.Any(n => n.IsRoot) && !current.Namespaces.Any(n => n.IsRoot);

    public static IReadOnlyList<Removal> Between(Topology previous, Topology current)
    {
        var now = current.Namespaces.DistinctBy(n => n.Id).ToDictionary(n => n.Id, StringComparer.Ordinal);
        var removed = previous.Namespaces
            .Where(n => !now.ContainsKey(n.Id) && !Unreadable(current, n.Id))
            .ToList();
        var removedIds = removed.Select(n => n.Id).ToHashSet();
        var removals = new List<Removal>();
        foreach (var ns in removed)
            removals.Add(NamespaceRemoved(ns, previous, current, removedIds));

        var links = current.Links.SelectMany(l => new[] { Key(l.A, l.B), Key(l.B, l.A) }).ToHashSet();
        var vethIfindexes = current.Namespaces
            .SelectMany(n => n.Interfaces.Where(TopologyIndex.IsVeth).Select(i => (n.Id, i.Ifindex)))
            .ToHashSet();
        bool EndExists(LinkEnd end) =>
            now.TryGetValue(end.NamespaceId, out var ns)
            && (end.Ifindex is { } index
                ? vethIfindexes.Contains((ns.Id, index))
                : ns.Interfaces.Any(i => TopologyIndex.IsVeth(i) && i.Name == end.Interface));

        foreach (var link in previous.Links)
        {
            if (removedIds.Contains(link.A.NamespaceId) || removedIds.Contains(link.B.NamespaceId)) continue;
            if (!now.ContainsKey(link.A.NamespaceId) && !now.ContainsKey(link.B.NamespaceId)) continue;
            // Deleting one end deletes both: a pair with an end left (renamed, moved) is not removed.
            if (EndExists(link.A) || EndExists(link.B) || links.Contains(Key(link.A, link.B))) continue;
            removals.Add(PairRemoved(link, previous, current));
        }
        return removals;
    }

    private static Removal NamespaceRemoved(NetworkNamespace ns, Topology previous, Topology current, HashSet<string> removedIds)
    {
        var pairs = previous.Links.Where(l => l.A.NamespaceId == ns.Id || l.B.NamespaceId == ns.Id).ToList();
        var where = string.Join("; ", new[]
        {
            ns.Paths.Count > 0 ? string.Join(", ", ns.Paths) : null,
            ns.Pids.Count > 0 ? $"pid {string.Join(", ", ns.Pids.Take(3))}" : null,
            ns.Owner.Name is not null ? $"{ns.Owner.Kind} {ns.Owner.Name}" : null,
        }.OfType<string>());
        var evidence = $"namespace {ns.Id} ({(where.Length > 0 ? where : ns.DisplayName)}) no longer exists; "
            + (pairs.Count == 0
                ? "it had no veth pairs"
                : $"its veth pairs went with it: {string.Join(", ", pairs.Select(l => DescribePair(l, previous)))}");

        var fix = new List<string>();
        if (ns.Name is { Length: > 0 } name)
        {
            fix.Add($"ip netns add {Commands.Quote(name)}");
            if (ns.Interfaces.Any(i => TopologyIndex.IsLoopback(i) && i.AdminUp))
                fix.Add(Commands.LinkUp(ns, "lo"));
            foreach (var link in pairs)
            {
                var (here, there) = link.A.NamespaceId == ns.Id ? (link.A, link.B) : (link.B, link.A);
                var thereNamespace = current.FindNamespace(there.NamespaceId);
                if (thereNamespace is null)
                {
                    // Both namespaces went: the pair is recreated with the second of them to be recreated.
                    var thereBefore = previous.FindNamespace(there.NamespaceId);
                    if (thereBefore?.Name is null || !removedIds.Contains(thereBefore.Id) || SortKey(thereBefore).CompareTo(SortKey(ns)) > 0)
                        continue;
                    thereNamespace = thereBefore;
                }
                fix.AddRange(Commands.CreatePair(thereNamespace, Former(previous, there), ns, here.Interface, Former(previous, here)));
            }
        }
        var finding = new Finding(
            FindingIds.For(FindingRules.NamespaceRemoved, ns.Id, null),
            FindingRules.NamespaceRemoved, Severities.Warning, ns.Id, ns.DisplayName, null,
            $"Namespace {ns.DisplayName} was deleted",
            Symptoms.NamespaceRemoved,
            evidence,
            fix,
            current.TakenAt);
        return new Removal(finding, now => now.FindNamespace(ns.Id) is not null
            || (ns.Name is not null && now.Namespaces.Any(n => n.Name == ns.Name)));
    }

    private static Removal PairRemoved(Link link, Topology previous, Topology current)
    {
        // Reported in a namespace that is still there, the one whose name sorts first.
        var ends = new[] { link.A, link.B }
            .Select(end => (End: end, Namespace: current.FindNamespace(end.NamespaceId) ?? previous.FindNamespace(end.NamespaceId)!, Exists: current.FindNamespace(end.NamespaceId) is not null))
            .OrderByDescending(x => x.Exists)
            .ThenBy(x => SortKey(x.Namespace))
            .ThenBy(x => x.End.Interface, StringComparer.Ordinal)
            .ToList();
        var (on, other) = (ends[0], ends[1]);
        var canonical = new[] { link.A, link.B }.OrderBy(e => e.NamespaceId, StringComparer.Ordinal).ThenBy(e => e.Interface, StringComparer.Ordinal).ToList();
        var addresses = ends
            .Select(x => Former(previous, x.End))
            .Select(i => i.Addresses.Where(a => !Commands.IsIpv6LinkLocal(a)).ToList() is { Count: > 0 } a
                ? $"{i.Name} had {string.Join(", ", a)}"
                : $"{i.Name} had no address")
            .Concat(ends.Select(x => Former(previous, x.End)).Where(i => i.Master is not null).Select(i => $"{i.Name} was a port of {i.Master}"));
        var finding = new Finding(
            FindingIds.For(FindingRules.VethPairRemoved, canonical[0].NamespaceId, canonical[0].Interface, canonical[1].NamespaceId, canonical[1].Interface),
            FindingRules.VethPairRemoved, Severities.Warning, on.Namespace.Id, on.Namespace.DisplayName, on.End.Interface,
            $"veth pair {on.End.Interface} ↔ {other.End.Interface} ({other.Namespace.DisplayName}) was removed",
            Symptoms.VethPairRemoved,
            $"{string.Join(" and ", ends.Select(x => $"{x.End.Interface}{Ifindex(x.End)} in {x.Namespace.DisplayName}"))} are gone; {string.Join("; ", addresses)}",
            Commands.CreatePair(on.Namespace, Former(previous, on.End), other.Namespace, other.End.Interface, Former(previous, other.End)),
            current.TakenAt);
        return new Removal(finding, now => SameLink(now, link));
    }

    /// <summary>Discovery saw the namespace but could not read it: a warning names it without saying it vanished.</summary>
    private static bool Unreadable(Topology current, string id) =>
        current.Warnings.Any(w => w.Contains(id, StringComparison.Ordinal) && !w.Contains("vanished", StringComparison.OrdinalIgnoreCase));

    /// <summary>A pair between the same names in the same namespaces: recreated, so not missing.</summary>
    private static bool SameLink(Topology current, Link link) =>
        current.Links.Any(l => Key(l.A, l.B) == Key(link.A, link.B) || Key(l.B, l.A) == Key(link.A, link.B));

    private static (string, string, string, string) Key(LinkEnd x, LinkEnd y) => (x.NamespaceId, x.Interface, y.NamespaceId, y.Interface);

    /// <summary>The interface as it was, for the recreate commands; a bare up veth when the previous topology lacks it.</summary>
    private static NetworkInterface Former(Topology previous, LinkEnd end) =>
        previous.FindNamespace(end.NamespaceId)?.Interfaces.FirstOrDefault(i => end.Ifindex is { } index ? i.Ifindex == index : i.Name == end.Interface)
        ?? previous.FindNamespace(end.NamespaceId)?.Interfaces.FirstOrDefault(i => i.Name == end.Interface)
        ?? new NetworkInterface(end.Ifindex ?? 0, end.Interface, InterfaceKinds.Veth, null, 0, true, "UP", null, [], null);

    private static string DescribePair(Link link, Topology previous) =>
        $"{link.A.Interface} ({Display(previous, link.A.NamespaceId)}) ↔ {link.B.Interface} ({Display(previous, link.B.NamespaceId)})";

    private static string Display(Topology t, string id) => t.FindNamespace(id)?.DisplayName ?? id;

    private static string Ifindex(LinkEnd end) => end.Ifindex is { } i ? $" (ifindex {i})" : "";

    private static (string, string) SortKey(NetworkNamespace ns) => (ns.DisplayName.ToUpperInvariant(), ns.Id);
}
