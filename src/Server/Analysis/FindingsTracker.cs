using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// The findings over time: the rules on each new topology, plus the removals (namespace-removed,
/// veth-pair-removed) seen by comparing it with the previous one, remembered for <see cref="Retention"/>
/// so that someone who arrives late still sees what happened. A finding keeps the <see cref="Finding.Since"/>
/// of the first topology it was seen in for as long as it stays. Thread-safe; no clock of its own.
/// </summary>
public sealed class FindingsTracker
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (Removal Removal, DateTimeOffset SeenAt)> _removals = [];
    private Dictionary<string, DateTimeOffset> _firstSeen = [];
    private Topology? _previous;
    private IReadOnlyList<Finding> _current = [];

    public FindingsTracker()
        : this(DefaultRetention)
    {
    }

    /// <param name="retention">How long a removal stays listed after it was seen.</param>
    public FindingsTracker(TimeSpan retention)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.Zero);
        Retention = retention;
    }

    public TimeSpan Retention { get; }

    /// <summary>What the last <see cref="Update"/> returned (empty before the first).</summary>
    public IReadOnlyList<Finding> Current => Volatile.Read(ref _current);

    /// <summary>
    /// Evaluates <paramref name="current"/>, records what disappeared since the previous topology
    /// (nothing on the first), forgets removals older than <see cref="Retention"/> at <paramref name="now"/>
    /// or whose namespace or pair is back, and returns the findings: errors first, then by namespace name and interface.
    /// </summary>
    public IReadOnlyList<Finding> Update(Topology current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        lock (_lock)
        {
            var findings = new List<Finding>();
            var firstSeen = new Dictionary<string, DateTimeOffset>();
            foreach (var finding in Rules.Evaluate(current))
            {
                var since = _firstSeen.TryGetValue(finding.Id, out var earlier) ? earlier : finding.Since;
                firstSeen[finding.Id] = since;
                findings.Add(finding with { Since = since });
            }
            _firstSeen = firstSeen;

            bool incomplete = _previous is not null && Removals.LooksIncomplete(_previous, current);
            if (_previous is not null && !incomplete)
            {
                foreach (var removal in Removals.Between(_previous, current))
                    _removals[removal.Finding.Id] = (removal, now);
            }
            foreach (var (id, (removal, seenAt)) in _removals.ToList())
            {
                if (now - seenAt >= Retention || removal.IsBack(current))
                    _removals.Remove(id);
            }
            if (!incomplete) _previous = current;

            findings.AddRange(_removals.Values.Select(r => r.Removal.Finding));
            var result = findings.Order(FindingOrder.Instance).ToList();
            Volatile.Write(ref _current, result);
            return result;
        }
    }
}
