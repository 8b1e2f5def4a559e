using System.Text.Json;
using Dashboard.Shared;

namespace Dashboard.Server.Hubs;

/// <summary>
/// Turns successive topologies into patches: a namespace is "changed" when its JSON differs from
/// what was last pushed. Comparing the serialized form is exact (it is what clients would see)
/// and cheap next to pushing every namespace to every client. Not thread-safe: one broadcaster.
/// </summary>
internal sealed class TopologyPatcher
{
    private Dictionary<string, byte[]> _last = new(StringComparer.Ordinal);
    private Topology? _lastTopology;

    /// <summary>The patch from the previous topology to <paramref name="next"/>; null for the first one (nothing to patch).</summary>
    public TopologyPatch? Next(Topology next)
    {
        var current = new Dictionary<string, byte[]>(next.Namespaces.Count, StringComparer.Ordinal);
        var changed = new List<NetworkNamespace>();
        foreach (var ns in next.Namespaces)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(ns, WireJsonContext.Default.NetworkNamespace);
            current[ns.Id] = bytes;
            if (!_last.TryGetValue(ns.Id, out var was) || !was.AsSpan().SequenceEqual(bytes))
                changed.Add(ns);
        }
        var previous = _lastTopology;
        var removed = _last.Keys.Where(id => !current.ContainsKey(id)).ToList();
        _last = current;
        _lastTopology = next;
        if (previous is null)
            return null;
        var links = previous.Links.SequenceEqual(next.Links) ? null : next.Links;
        return new TopologyPatch(previous.TakenAt, next.TakenAt, next.Hostname, changed, removed, links, next.Warnings)
        {
            DurationMs = next.DurationMs,
        };
    }
}
