using System.Security.Cryptography;
using Dapper;
using Dashboard.Server.Snapshots;
using Dashboard.Server.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// The database when the file cannot be used: each cause gives a <see cref="StorageUnavailableException"/> that
/// names it, is recorded as <see cref="Database.Problem"/>, changes nothing, and clears once the cause is gone.
/// </summary>
public sealed class DatabaseFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ndt-dbfault-").FullName;

    private string FilePath => Path.Combine(_dir, Database.FileName);

    private Database Open(IReadOnlyList<Migration>? migrations = null) =>
        new(FilePath, migrations ?? Migrations.All, NullLogger<Database>.Instance, TimeSpan.FromMilliseconds(300));

    [Fact]
    public async Task A_newer_schema_is_refused_left_untouched_and_accepted_once_it_is_gone()
    {
        var newer = Open([.. Migrations.All, new Migration(99, "from the future", "CREATE TABLE future (x INTEGER)")]);
        newer.Migrate();
        SqliteConnection.ClearAllPools();

        var db = Open();
        var e = Assert.Throws<StorageUnavailableException>(db.Migrate);

        Assert.Equal(StorageFault.NewerSchema, e.Fault);
        Assert.Contains("newer release", e.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 99", e.Message, StringComparison.Ordinal);
        Assert.Contains($"knows up to {Migrations.All.Max(m => m.Version)}", e.Message, StringComparison.Ordinal);
        Assert.Equal(StorageFault.NewerSchema, db.Problem?.Fault);
        var repository = new SnapshotRepository(db, TimeProvider.System);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => repository.ListAsync(10));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => repository.InsertAsync(SnapshotData.Make()));

        await using (var raw = new SqliteConnection($"Data Source={FilePath};Pooling=False"))
        {
            Assert.Equal(99L, await raw.ExecuteScalarAsync<long>("SELECT MAX(version) FROM schema_version"));
            Assert.Equal(0L, await raw.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM snapshots"));
            await raw.ExecuteAsync("DELETE FROM schema_version WHERE version = 99");
        }

        // The next use tries again, and the store is back.
        Assert.Empty(await repository.ListAsync(10));
        Assert.Null(db.Problem);
    }

    [Fact]
    public async Task A_file_of_garbage_is_called_corrupt_left_as_it_is_and_a_new_file_is_used_once_it_is_moved_away()
    {
        var garbage = RandomNumberGenerator.GetBytes(64 * 1024);
        await File.WriteAllBytesAsync(FilePath, garbage);
        var db = Open();
        var repository = new SnapshotRepository(db, TimeProvider.System);

        var e = Assert.Throws<StorageUnavailableException>(db.Migrate);
        Assert.Equal(StorageFault.Corrupt, e.Fault);
        Assert.Contains("corrupt or not a SQLite database", e.Message, StringComparison.Ordinal);
        var write = await Assert.ThrowsAsync<StorageUnavailableException>(() => repository.InsertAsync(SnapshotData.Make()));
        Assert.Equal(StorageFault.Corrupt, write.Fault);
        Assert.Equal(StorageFault.Corrupt, db.Problem?.Fault);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(FilePath));

        File.Move(FilePath, FilePath + ".broken");

        Assert.Empty(await repository.ListAsync(10));
        Assert.Null(db.Problem);
        Assert.Equal(Migrations.All.Max(m => m.Version), await db.SchemaVersionAsync());
    }

    [Fact]
    public async Task A_write_lock_held_by_another_process_fails_writes_clearly_while_reads_go_on()
    {
        var db = Open();
        var repository = new SnapshotRepository(db, TimeProvider.System);
        var kept = SnapshotData.Make("kept");
        await repository.InsertAsync(kept);

        await using (var other = new SqliteConnection($"Data Source={FilePath};Pooling=False"))
        {
            await other.OpenAsync();
            await other.ExecuteAsync("BEGIN EXCLUSIVE");

            var e = await Assert.ThrowsAsync<StorageUnavailableException>(() => repository.InsertAsync(SnapshotData.Make("refused")));
            Assert.Equal(StorageFault.Locked, e.Fault);
            Assert.Contains("locked by another process", e.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<StorageUnavailableException>(() => repository.DeleteAsync(kept.Id));
            // WAL: readers are not blocked by a writer, and a read does not clear a problem of writing.
            Assert.Equal(["kept"], (await repository.ListAsync(10)).Select(s => s.Label));
            Assert.Equal(StorageFault.Locked, db.Problem?.Fault);

            await other.ExecuteAsync("ROLLBACK");
        }

        await db.ProbeAsync();
        Assert.Null(db.Problem);
        await repository.InsertAsync(SnapshotData.Make("after"));
        Assert.Equal(["after", "kept"], (await repository.ListAsync(10)).Select(s => s.Label).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Automatic_snapshots_and_their_retention_are_one_transaction()
    {
        var time = new FakeTimeProvider(SnapshotData.T0);
        var db = Open();
        var repository = new SnapshotRepository(db, time);
        for (int i = 0; i < 3; i++)
            await repository.InsertAsync(SnapshotData.Make($"auto {i}", Shared.SnapshotOrigins.Schedule, SnapshotData.T0.AddMinutes(i)));

        // The insert fails (the file is locked): retention, in the same transaction, deletes nothing either.
        await using (var other = new SqliteConnection($"Data Source={FilePath};Pooling=False"))
        {
            await other.OpenAsync();
            await other.ExecuteAsync("BEGIN EXCLUSIVE");
            await Assert.ThrowsAsync<StorageUnavailableException>(() =>
                repository.InsertAsync(SnapshotData.Make("auto 3", Shared.SnapshotOrigins.Schedule, SnapshotData.T0.AddMinutes(3)), new RetentionPolicy(1, 0)));
            await other.ExecuteAsync("ROLLBACK");
        }

        Assert.Equal(["auto 2", "auto 1", "auto 0"], (await repository.ListAsync(10)).Select(s => s.Label));
    }

    [Fact]
    public async Task A_damaged_diagnosis_row_is_a_clear_error_about_that_diagnosis_only()
    {
        var db = Open();
        db.Migrate();
        var id = RandomIds.New();
        await using (var c = await db.OpenAsync())
            await c.ExecuteAsync("INSERT INTO diagnoses (id, started_at, source_namespace_id, destination, verdict, body) VALUES (@id, 0, '1', '10.0.0.1', 'reachable', '{not json')", new { id });

        var e = await Assert.ThrowsAsync<StorageUnavailableException>(() => new Server.Diagnosis.DiagnosisRepository(db).GetAsync(id));

        Assert.Equal(StorageFault.Corrupt, e.Fault);
        Assert.Contains("diagnosis's stored record is damaged", e.Message, StringComparison.Ordinal);
        Assert.Null(db.Problem);
    }

    [Fact]
    public void Faults_are_named_in_words_from_the_sqlite_codes()
    {
        Assert.Equal(StorageFault.ReadOnly, StorageUnavailableException.From(new SqliteException("attempt to write a readonly database", 8)).Fault);
        Assert.Equal(StorageFault.Full, StorageUnavailableException.From(new SqliteException("database or disk is full", 13)).Fault);
        Assert.Equal(StorageFault.Locked, StorageUnavailableException.From(new SqliteException("database is locked", 5)).Fault);
        Assert.Equal(StorageFault.Corrupt, StorageUnavailableException.From(new SqliteException("file is not a database", 26)).Fault);
        Assert.Equal(StorageFault.Corrupt, StorageUnavailableException.From(new SqliteException("database disk image is malformed", 11)).Fault);
        Assert.Equal(StorageFault.ReadOnly, StorageUnavailableException.From(new IOException("Read-only file system : '/data/dashboard.db'")).Fault);
        Assert.Equal(StorageFault.Full, StorageUnavailableException.From(new IOException("No space left on device : '/data/x'")).Fault);
        var e = StorageUnavailableException.From(new IOException("Something odd : '/secret/place/dashboard.db'"));
        Assert.DoesNotContain("/secret", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
