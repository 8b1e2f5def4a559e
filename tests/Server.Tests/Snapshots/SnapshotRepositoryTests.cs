using System.Text.Json;
using Dapper;
using Dashboard.Server.Snapshots;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>The snapshot table on a temporary data directory: what is stored, how it is listed, what retention deletes.</summary>
public sealed class SnapshotRepositoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ndt-snapdb-").FullName;
    private readonly FakeTimeProvider _time = new(SnapshotData.T0.AddDays(1));
    private readonly Database _db;
    private readonly SnapshotRepository _repository;

    public SnapshotRepositoryTests()
    {
        _db = new Database(Path.Combine(_dir, Database.FileName), Migrations.All, NullLogger<Database>.Instance, time: _time);
        _repository = new SnapshotRepository(_db, _time);
    }

    private static string Json(Snapshot s) => JsonSerializer.Serialize(s, WireJsonContext.Default.Snapshot);

    [Fact]
    public async Task A_snapshot_round_trips_whole_and_its_row_holds_the_list_columns()
    {
        var snapshot = SnapshotData.Make();
        Assert.NotEmpty(snapshot.Findings);

        await _repository.InsertAsync(snapshot);
        var back = await new SnapshotRepository(new Database(_db.Path, Migrations.All, NullLogger<Database>.Instance), _time).GetAsync(snapshot.Id);

        Assert.NotNull(back);
        Assert.Equal(Json(snapshot), Json(back));
        var body = await _repository.GetBodyAsync(snapshot.Id);
        Assert.Equal(Json(snapshot), System.Text.Encoding.UTF8.GetString(body!.Json));
        Assert.Equal(("node-1", snapshot.TakenAt), (body.Hostname, body.TakenAt));

        var summary = Assert.Single(await _repository.ListAsync(10));
        Assert.Equal(snapshot.Id, summary.Id);
        Assert.Equal("before upgrade", summary.Label);
        Assert.Equal(snapshot.TakenAt, summary.TakenAt);
        Assert.Equal("alice", summary.TakenBy);
        Assert.Equal(SnapshotOrigins.Manual, summary.Origin);
        Assert.Equal("node-1", summary.Hostname);
        Assert.Equal(snapshot.Topology.Namespaces.Count, summary.NamespaceCount);
        Assert.Equal(snapshot.Topology.Links.Count, summary.LinkCount);
        Assert.Equal(snapshot.Findings.Count, summary.FindingCount);
        Assert.Equal(snapshot.Findings.Count(f => f.Severity == Severities.Error), summary.ErrorCount);
        Assert.True(summary.ErrorCount > 0);
    }

    [Fact]
    public async Task The_body_is_stored_compressed()
    {
        var snapshot = SnapshotData.Make();
        await _repository.InsertAsync(snapshot);

        await using var connection = await _db.OpenAsync();
        var (stored, size) = await connection.QuerySingleAsync<(long, long)>("SELECT length(body), body_size FROM snapshots WHERE id = @Id", new { snapshot.Id });
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(snapshot, WireJsonContext.Default.Snapshot).Length, size);
        Assert.True(stored * 3 < size, $"{stored} bytes stored for {size} bytes of JSON");
    }

    [Fact]
    public async Task Unknown_ids_are_null_and_delete_removes_only_its_snapshot()
    {
        var a = SnapshotData.Make("a");
        var b = SnapshotData.Make("b");
        await _repository.InsertAsync(a);
        await _repository.InsertAsync(b);

        Assert.Null(await _repository.GetAsync(RandomIds.New()));
        Assert.Null(await _repository.GetBodyAsync(RandomIds.New()));
        Assert.True(await _repository.DeleteAsync(a.Id));
        Assert.False(await _repository.DeleteAsync(a.Id));
        Assert.Null(await _repository.GetAsync(a.Id));
        Assert.Equal([b.Id], (await _repository.ListAsync(10)).Select(s => s.Id));
    }

    [Fact]
    public async Task The_list_is_newest_first_the_later_stored_first_on_a_tie_and_limited()
    {
        var old = SnapshotData.Make("old", takenAt: SnapshotData.T0);
        var tieFirst = SnapshotData.Make("tie 1", takenAt: SnapshotData.T0.AddHours(1));
        var tieSecond = SnapshotData.Make("tie 2", takenAt: SnapshotData.T0.AddHours(1));
        // An import keeps its (older) time and sorts by it.
        var imported = SnapshotData.Make("imported", SnapshotOrigins.Import, SnapshotData.T0.AddMinutes(30));
        foreach (var s in new[] { old, tieFirst, tieSecond, imported }) await _repository.InsertAsync(s);

        Assert.Equal(["tie 2", "tie 1", "imported", "old"], (await _repository.ListAsync(10)).Select(s => s.Label));
        Assert.Equal(["tie 2", "tie 1"], (await _repository.ListAsync(2)).Select(s => s.Label));
    }

    [Fact]
    public async Task Listing_reads_the_index_backwards_without_sorting()
    {
        _db.Migrate();
        await using var connection = await _db.OpenAsync();
        var plan = string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN SELECT id, label FROM snapshots ORDER BY taken_at DESC, rowid DESC LIMIT 10"))
            .Select(r => (string)((IDictionary<string, object>)r)["detail"]));
        Assert.Contains("snapshots_taken_at", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_keeps_the_newest_automatic_snapshots_and_never_touches_manual_or_imported_ones()
    {
        var manual = SnapshotData.Make("manual", takenAt: SnapshotData.T0.AddMinutes(-10));
        var imported = SnapshotData.Make("imported", SnapshotOrigins.Import, SnapshotData.T0.AddMinutes(-20));
        await _repository.InsertAsync(manual);
        await _repository.InsertAsync(imported);
        for (int i = 0; i < 5; i++)
        {
            var origin = i % 2 == 0 ? SnapshotOrigins.Schedule : SnapshotOrigins.Finding;
            var deleted = await _repository.InsertAsync(SnapshotData.Make($"auto {i}", origin, SnapshotData.T0.AddMinutes(i)), new RetentionPolicy(KeepCount: 3, KeepDays: 0));
            Assert.Equal(i >= 3 ? 1 : 0, deleted);
        }

        Assert.Equal(["auto 4", "auto 3", "auto 2", "manual", "imported"], (await _repository.ListAsync(100)).Select(s => s.Label));
    }

    [Fact]
    public async Task Retention_deletes_automatic_snapshots_older_than_KeepDays()
    {
        var now = _time.GetUtcNow();
        await _repository.InsertAsync(SnapshotData.Make("old manual", takenAt: now.AddDays(-40)));
        await _repository.InsertAsync(SnapshotData.Make("old schedule", SnapshotOrigins.Schedule, now.AddDays(-31)));
        await _repository.InsertAsync(SnapshotData.Make("old finding", SnapshotOrigins.Finding, now.AddDays(-30).AddMinutes(-1)));
        await _repository.InsertAsync(SnapshotData.Make("recent schedule", SnapshotOrigins.Schedule, now.AddDays(-29)));

        var deleted = await _repository.ApplyRetentionAsync(new RetentionPolicy(KeepCount: 100, KeepDays: 30));

        Assert.Equal(2, deleted);
        Assert.Equal(["recent schedule", "old manual"], (await _repository.ListAsync(100)).Select(s => s.Label));
        _time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await _repository.ApplyRetentionAsync(new RetentionPolicy(KeepCount: 100, KeepDays: 30)));
        Assert.Equal(0, await _repository.ApplyRetentionAsync(new RetentionPolicy(KeepCount: 100, KeepDays: 0)));
    }

    [Fact]
    public async Task A_stored_snapshot_read_for_a_comparison_compares_exactly_as_the_whole_records_do()
    {
        // Before: the seed pair healthy beside a CNI bridge; after: veth-red down, veth-blue at MTU 1400 without
        // its address, a pod gone, a namespace added.
        var b = new Analysis.TopologyBuilder();
        b.Root();
        var (_, _, pods) = b.CniBridge(3);
        var (red, blue, vethRed, vethBlue) = b.SeedPair();
        var before = b.Build(SnapshotData.T0);
        vethRed.AdminUp = false;
        vethBlue.Mtu = 1400;
        vethBlue.Addresses.RemoveAll(a => a.StartsWith("10.", StringComparison.Ordinal));
        b.Remove(pods[0].Pod);
        b.Netns("pod-new");
        var after = b.Build(SnapshotData.T0.AddMinutes(5));
        var a = new Snapshot(RandomIds.New(), "before", SnapshotData.T0, before, Server.Analysis.Rules.Evaluate(before));
        var z = new Snapshot(RandomIds.New(), "after", SnapshotData.T0.AddMinutes(5), after, Server.Analysis.Rules.Evaluate(after));
        await _repository.InsertAsync(a);
        await _repository.InsertAsync(z);

        var fromRecords = TopologyComparer.Compare(a.Id, a.Topology, a.Findings, z.Id, z.Topology, z.Findings);
        var sa = (await _repository.GetComparableAsync(a.Id))!.Value;
        var sz = (await _repository.GetComparableAsync(z.Id))!.Value;
        var fromStored = TopologyComparer.Compare(a.Id, sa.Topology, sa.Findings, z.Id, sz.Topology, sz.Findings);

        Assert.False(fromRecords.IsEmpty);
        Assert.NotEmpty(fromRecords.Interfaces.Changed);
        Assert.NotEmpty(fromRecords.Namespaces.Added);
        Assert.NotEmpty(fromRecords.Namespaces.Removed);
        Assert.NotEmpty(fromRecords.Findings.New);
        Assert.Equal(JsonSerializer.Serialize(fromRecords, WireJsonContext.Default.TopologyComparison), JsonSerializer.Serialize(fromStored, WireJsonContext.Default.TopologyComparison));
        Assert.Equal(z.TakenAt, sz.TakenAt);
        Assert.Null(await _repository.GetComparableAsync(RandomIds.New()));
        Assert.True(await _repository.ExistsAsync(a.Id));
        Assert.False(await _repository.ExistsAsync(RandomIds.New()));
    }

    [Fact]
    public async Task A_damaged_body_is_a_clear_error_about_that_snapshot_only()
    {
        var good = SnapshotData.Make("good");
        var bad = SnapshotData.Make("bad");
        await _repository.InsertAsync(good);
        await _repository.InsertAsync(bad);
        await using (var connection = await _db.OpenAsync())
            await connection.ExecuteAsync("UPDATE snapshots SET body = randomblob(200) WHERE id = @Id", new { bad.Id });

        var e = await Assert.ThrowsAsync<StorageUnavailableException>(() => _repository.GetAsync(bad.Id));
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
        Assert.NotNull(await _repository.GetAsync(good.Id));
        Assert.Null(_db.Problem); // the database as a whole is fine
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
