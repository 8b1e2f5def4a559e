using Dapper;
using Dashboard.Server.Diagnosis;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>The SQLite layer on a temporary data directory.</summary>
public sealed class DatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ndt-db-").FullName;

    private Database Open(IReadOnlyList<Migration>? migrations = null) =>
        new(Path.Combine(_dir, Database.FileName), migrations ?? Migrations.All, NullLogger<Database>.Instance);

    [Fact]
    public async Task A_new_file_is_created_private_in_wal_mode_at_the_latest_schema()
    {
        var db = Open();
        db.Migrate();

        Assert.Equal(Migrations.All.Max(m => m.Version), await db.SchemaVersionAsync());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(db.Path));
        await using var connection = await db.OpenAsync();
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 'diagnoses_started_at'"));
    }

    [Fact]
    public async Task Migrations_run_once_and_only_the_new_ones_run_later()
    {
        Open().Migrate();
        Open().Migrate();
        var later = Open([.. Migrations.All, new Migration(99, "test", "CREATE TABLE later (x INTEGER)")]);
        later.Migrate();

        await using var connection = await later.OpenAsync();
        var versions = (await connection.QueryAsync<long>("SELECT version FROM schema_version ORDER BY version")).ToList();
        Assert.Equal([.. Migrations.All.Select(m => (long)m.Version), 99L], versions);
    }

    [Fact]
    public async Task A_diagnosis_round_trips_through_the_repository()
    {
        var db = Open();
        var repository = new DiagnosisRepository(db);
        var id = RandomIds.New();
        var diagnosis = new Shared.Diagnosis(id, new DiagnosisSource("4026532176", "pod-red"), "10.0.1.2", Verdicts.Unreachable,
            new DiagnosisRootCause(FindingRules.InterfaceDown, "4026532245", "pod-blue", "veth-blue", ["ip -n pod-blue link set veth-blue up"]),
            [new DiagnosisStep("route-lookup", StepStatus.Pass, "10.0.1.2 dev veth-red", "ip -n pod-red route get 10.0.1.2", "10.0.1.2 dev veth-red src 10.0.1.1") { DurationMs = 3.5 }],
            new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero), 1234.5)
        {
            Path = [new DiagnosisHop(HopKinds.Source, "4026532176", "pod-red", null, "veth-red")],
            Warnings = ["w"],
        };

        await repository.SaveAsync(diagnosis);
        var back = await new DiagnosisRepository(Open()).GetAsync(id);

        Assert.NotNull(back);
        Assert.Equal(diagnosis.Id, back.Id);
        Assert.Equal(diagnosis.RootCause, back.RootCause! with { Fix = diagnosis.RootCause!.Fix });
        Assert.Equal(diagnosis.RootCause.Fix, back.RootCause!.Fix);
        Assert.Equal(diagnosis.Steps[0] with { Fix = [] }, back.Steps[0] with { Fix = [] });
        Assert.Equal(diagnosis.Path, back.Path);
        Assert.Equal(diagnosis.StartedAt, back.StartedAt);
        Assert.Null(await repository.GetAsync(RandomIds.New()));
        await using var connection = await db.OpenAsync();
        Assert.Equal(diagnosis.StartedAt.ToUnixTimeMilliseconds(), await connection.ExecuteScalarAsync<long>("SELECT started_at FROM diagnoses WHERE id = @id", new { id }));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
