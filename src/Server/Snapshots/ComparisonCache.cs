using Dashboard.Shared;

namespace Dashboard.Server.Snapshots;

/// <summary>A snapshot as a comparison uses it: its topology, its findings, when it was taken.</summary>
internal sealed record ComparisonSide(Topology Topology, IReadOnlyList<Finding> Findings, DateTimeOffset TakenAt);

/// <summary>
/// The last few snapshots taken, imported or compared, ready to compare (a snapshot never changes, so a copy in
/// memory is as good as the stored one while it exists: callers check that it still does). Taking a snapshot puts
/// the live state it froze here, so comparing it with "live" or with the next one parses nothing; a 250-pod
/// document takes tens of milliseconds to parse on a busy 2-core node.
/// </summary>
internal sealed class ComparisonCache(int capacity = 8)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<(string Id, ComparisonSide Side)> _order = [];
    private readonly Dictionary<string, LinkedListNode<(string Id, ComparisonSide Side)>> _byId = new(StringComparer.Ordinal);

    public void Put(string id, ComparisonSide side)
    {
        lock (_lock)
        {
            if (_byId.Remove(id, out var old)) _order.Remove(old);
            _byId[id] = _order.AddFirst((id, side));
            while (_order.Count > capacity)
            {
                _byId.Remove(_order.Last!.Value.Id);
                _order.RemoveLast();
            }
        }
    }

    public ComparisonSide? Get(string id)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var node)) return null;
            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Side;
        }
    }

    public void Remove(string id)
    {
        lock (_lock)
        {
            if (_byId.Remove(id, out var node)) _order.Remove(node);
        }
    }
}
