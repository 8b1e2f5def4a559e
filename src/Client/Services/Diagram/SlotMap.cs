namespace Dashboard.Client.Services.Diagram;

/// <summary>
/// Stable places in a grid: a key keeps its slot for as long as it is shown; a new key takes the
/// lowest free slot (a hole left by a removed one first). So a change moves nothing else.
/// </summary>
public sealed class SlotMap
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly SortedSet<int> _free = [];
    private int _next;

    public int Count => _slots.Count;

    /// <summary>One past the highest slot in use (the grid's extent), 0 when empty.</summary>
    public int Extent => _slots.Count == 0 ? 0 : _slots.Values.Max() + 1;

    public bool TryGet(string key, out int slot) => _slots.TryGetValue(key, out slot);

    public int Assign(string key)
    {
        if (_slots.TryGetValue(key, out var slot))
            return slot;
        if (_free.Count > 0)
        {
            slot = _free.Min;
            _free.Remove(slot);
        }
        else
        {
            slot = _next++;
        }
        _slots[key] = slot;
        return slot;
    }

    /// <summary>Frees the slots of every key not in <paramref name="keep"/>.</summary>
    public void RetainOnly(IReadOnlySet<string> keep)
    {
        foreach (var (key, slot) in _slots.Where(kv => !keep.Contains(kv.Key)).ToList())
        {
            _slots.Remove(key);
            _free.Add(slot);
        }
        // Trailing free slots are not holes: drop them so the grid can shrink back.
        while (_next > 0 && _free.Contains(_next - 1))
        {
            _free.Remove(_next - 1);
            _next--;
        }
    }

    public void Clear()
    {
        _slots.Clear();
        _free.Clear();
        _next = 0;
    }
}
