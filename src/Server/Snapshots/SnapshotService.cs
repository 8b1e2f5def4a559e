using Dashboard.Server.Monitoring;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Snapshots;

/// <summary>
/// Takes snapshots of the live state (<see cref="TopologyStore"/>: the topology and findings that
/// <c>/api/topology</c> and <c>/api/findings</c> show, kept current from kernel events), stores, imports and
/// compares them. Automatic snapshots apply the retention in the same transaction as their insert.
/// </summary>
internal sealed class SnapshotService(
    SnapshotRepository repository,
    TopologyStore store,
    IOptions<SnapshotOptions> options,
    TimeProvider time,
    ILogger<SnapshotService> logger)
{
    private readonly ComparisonCache _cache = new();

    public RetentionPolicy Retention => new(options.Value.KeepCount, options.Value.KeepDays);

    /// <summary>Freezes the node as it is now. <paramref name="label"/> and <paramref name="by"/> are already valid.</summary>
    public async Task<SnapshotCreated> TakeAsync(string label, string? by, string origin, CancellationToken cancellationToken)
    {
        var state = await store.GetAsync(fresh: false, cancellationToken);
        var snapshot = new Snapshot(RandomIds.New(), label, ToMilliseconds(time.GetUtcNow()), state.Topology, state.Findings)
        {
            Origin = origin,
            TakenBy = by,
        };
        var deleted = await repository.InsertAsync(snapshot, SnapshotOrigins.IsAutomatic(origin) ? Retention : null, cancellationToken);
        _cache.Put(snapshot.Id, new ComparisonSide(state.Topology, state.Findings, snapshot.TakenAt));
        logger.LogInformation("Snapshot {Id} taken ({Origin}, {Namespaces} namespaces, {Findings} findings): {Label}{Retention}",
            snapshot.Id, origin, state.Topology.Namespaces.Count, state.Findings.Count, label,
            deleted > 0 ? $"; {deleted} older automatic snapshots deleted" : "");
        return Created(snapshot);
    }

    /// <summary>Stores a validated export (<see cref="SnapshotValidation.CheckImport"/>) under a new id, as an import.</summary>
    public async Task<SnapshotCreated> ImportAsync(Snapshot document, CancellationToken cancellationToken)
    {
        SnapshotValidation.TryLabel(document.Label, out var label, out _);
        SnapshotValidation.TryBy(document.TakenBy, null, out var by, out _);
        var snapshot = document with
        {
            Id = RandomIds.New(),
            Label = label,
            TakenAt = ToMilliseconds(document.TakenAt),
            TakenBy = by,
            Origin = SnapshotOrigins.Import,
            Format = SnapshotLimits.Format,
        };
        await repository.InsertAsync(snapshot, null, cancellationToken);
        _cache.Put(snapshot.Id, new ComparisonSide(snapshot.Topology, snapshot.Findings, snapshot.TakenAt));
        logger.LogInformation("Snapshot {Id} imported (taken {TakenAt:u} on {Hostname}, {Namespaces} namespaces): {Label}",
            snapshot.Id, snapshot.TakenAt, snapshot.Topology.Hostname, snapshot.Topology.Namespaces.Count, label);
        return Created(snapshot);
    }

    public Task<IReadOnlyList<SnapshotSummary>> ListAsync(int limit, CancellationToken cancellationToken) =>
        repository.ListAsync(limit, cancellationToken);

    public Task<StoredSnapshotBody?> GetBodyAsync(string id, CancellationToken cancellationToken) =>
        RandomIds.IsWellFormed(id) ? repository.GetBodyAsync(id, cancellationToken) : Task.FromResult<StoredSnapshotBody?>(null);

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        _cache.Remove(id);
        if (!RandomIds.IsWellFormed(id) || !await repository.DeleteAsync(id, cancellationToken)) return false;
        logger.LogInformation("Snapshot {Id} deleted", id);
        return true;
    }

    /// <summary>
    /// What changed from <paramref name="from"/> to <paramref name="to"/> (snapshot ids, or
    /// <see cref="SnapshotLimits.Live"/> for the node as it is now); null when a side is not found, with which one.
    /// </summary>
    public async Task<(TopologyComparison? Comparison, string? Missing)> CompareAsync(string from, string to, CancellationToken cancellationToken)
    {
        // Both sides at once: parsing a stored one is most of the time, and there are two cores.
        var beforeTask = SideAsync(from, cancellationToken);
        var afterTask = from == to ? beforeTask : SideAsync(to, cancellationToken);
        var before = await beforeTask;
        var after = await afterTask;
        if (before is null) return (null, "from");
        if (after is null) return (null, "to");
        var comparison = TopologyComparer.Compare(from, before.Topology, before.Findings, to, after.Topology, after.Findings);
        // When each side was taken (the snapshot's time; now for the live state), not when its topology was last read.
        return (comparison with { FromTakenAt = before.TakenAt, ToTakenAt = after.TakenAt }, null);
    }

    private async Task<ComparisonSide?> SideAsync(string id, CancellationToken cancellationToken)
    {
        if (id == SnapshotLimits.Live)
        {
            var state = await store.GetAsync(fresh: false, cancellationToken);
            return new ComparisonSide(state.Topology, state.Findings, time.GetUtcNow());
        }
        if (!RandomIds.IsWellFormed(id)) return null;
        await Task.Yield();
        // A copy in memory only while the snapshot exists (retention may have deleted it meanwhile).
        if (_cache.Get(id) is { } cached)
        {
            if (await repository.ExistsAsync(id, cancellationToken)) return cached;
            _cache.Remove(id);
            return null;
        }
        if (await repository.GetComparableAsync(id, cancellationToken) is not { } stored) return null;
        var side = new ComparisonSide(stored.Topology, stored.Findings, stored.TakenAt);
        _cache.Put(id, side);
        return side;
    }

    /// <summary>The database keeps times in milliseconds: the document, the list and the answer all say the same time.</summary>
    private static DateTimeOffset ToMilliseconds(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());

    private static SnapshotCreated Created(Snapshot snapshot) =>
        new(snapshot.Id, snapshot.Label, snapshot.TakenAt, $"/snapshots/{snapshot.Id}");
}
