using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Dapper;
using Dashboard.Server.Storage;
using Dashboard.Server.Tests.Api;
using Dashboard.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// The real server with a database that cannot be used, for real: a read-only mount, a full disk, a write lock
/// held by another process, a file of garbage, a newer schema. Each time: the server starts, the live view works
/// (GET /api/topology 200), the snapshot and diagnosis endpoints answer 503 ProblemDetails naming the cause,
/// /healthz says "degraded" with the cause (200: not a reason to restart), nothing is half written, and the store
/// comes back by itself once the cause is gone.
/// </summary>
public sealed class StorageFaultApiTests : IDisposable
{
    private readonly List<IDisposable> _cleanup = [];

    private readonly List<string> _directories = [];

    public void Dispose()
    {
        // Servers first (they hold the files open), then the mounts.
        foreach (var d in Enumerable.Reverse(_cleanup)) d.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var dir in _directories)
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
        }
    }

    private string NewDirectory(string prefix)
    {
        var dir = Directory.CreateTempSubdirectory(prefix).FullName;
        _directories.Add(dir);
        return dir;
    }

    private T Keep<T>(T disposable) where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    private async Task<(DashboardFactory Factory, HttpClient Client)> Start(string dataDirectory, Dictionary<string, string>? settings = null)
    {
        var factory = new DashboardFactory(settings: settings, dataDirectory: dataDirectory);
        // Disposed before the mounts it sits on (Dispose goes in reverse).
        _cleanup.Add(factory);
        var client = Keep(factory.AuthorizedClient());
        using var topology = await client.GetAsync("/api/topology");
        Assert.Equal(HttpStatusCode.OK, topology.StatusCode);
        return (factory, client);
    }

    private static async Task<HttpResponseMessage> Post(HttpClient client, string label) =>
        await client.PostAsJsonAsync("/api/snapshots", new SnapshotRequest(label));

    private static async Task<string> Created(HttpClient client, string label)
    {
        using var response = await Post(client, label);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/snapshots: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<SnapshotCreated>())!.Id;
    }

    /// <summary>503 ProblemDetails "Storage unavailable" whose detail says <paramref name="cause"/>.</summary>
    private static async Task AssertUnavailable(HttpResponseMessage response, string cause, string fault)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal("Storage unavailable", (string?)problem["title"]);
        Assert.Contains(cause, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(fault, (string?)problem["fault"]);
        Assert.DoesNotContain(Database.FileName + "'", body, StringComparison.Ordinal);
    }

    /// <summary>The live view and liveness are not affected: topology 200, /healthz 200 "degraded" naming the cause.</summary>
    private static async Task AssertLiveViewWorksAndHealthSays(DashboardFactory factory, HttpClient client, string cause)
    {
        using (var topology = await client.GetAsync("/api/topology?fresh=true"))
            Assert.Equal(HttpStatusCode.OK, topology.StatusCode);
        using (var findings = await client.GetAsync("/api/findings"))
            Assert.Equal(HttpStatusCode.OK, findings.StatusCode);
        using var anonymous = factory.RawClient();
        using var health = await anonymous.GetAsync("/healthz");
        var body = await health.Content.ReadAsStringAsync();
        Assert.True(health.StatusCode == HttpStatusCode.OK, body);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("degraded", (string?)json["status"]);
        Assert.Contains(json["reasons"]!.AsArray(), r => ((string?)r)!.Contains(cause, StringComparison.Ordinal));
    }

    /// <summary>/healthz back to "ok" (the background probe, or the last use, found the store working).</summary>
    private static async Task AssertHealthRecovers(DashboardFactory factory)
    {
        using var anonymous = factory.RawClient();
        var deadline = DateTime.UtcNow + Database.ProbeInterval * 3;
        string body;
        do
        {
            body = await anonymous.GetStringAsync("/healthz");
            if ((string?)JsonNode.Parse(body)!["status"] == "ok") return;
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"/healthz did not recover: {body}");
    }

    private static async Task<List<string>> Ids(HttpClient client) =>
        (await client.GetFromJsonAsync<List<SnapshotSummary>>("/api/snapshots"))!.Select(s => s.Id).ToList();

    [Fact]
    public async Task A_data_directory_read_only_from_the_start_gives_503_read_only_until_it_is_writable()
    {
        var tmpfs = Keep(new Tmpfs());
        tmpfs.ReadOnly();
        var (factory, client) = await Start(tmpfs.Path);

        using (var response = await Post(client, "refused")) await AssertUnavailable(response, "read-only", "readOnly");
        using (var response = await client.GetAsync("/api/snapshots")) await AssertUnavailable(response, "read-only", "readOnly");
        using (var response = await client.GetAsync($"/api/diagnoses/{RandomIds.New()}")) await AssertUnavailable(response, "read-only", "readOnly");
        await AssertLiveViewWorksAndHealthSays(factory, client, "read-only");
        Assert.False(File.Exists(Path.Combine(tmpfs.Path, Database.FileName)));

        tmpfs.ReadWrite();

        var id = await Created(client, "after");
        Assert.Equal([id], await Ids(client));
        await AssertHealthRecovers(factory);
    }

    [Fact]
    public async Task A_data_directory_made_read_only_while_running_gives_503_read_only_and_keeps_what_was_stored()
    {
        var tmpfs = Keep(new Tmpfs());
        var (factory, client) = await Start(tmpfs.Path);
        var before = await Created(client, "before");

        tmpfs.ReadOnly();

        using (var response = await Post(client, "refused")) await AssertUnavailable(response, "read-only", "readOnly");
        using (var response = await client.DeleteAsync($"/api/snapshots/{before}")) await AssertUnavailable(response, "read-only", "readOnly");
        // SQLite cannot make its WAL index on a read-only mount: reading stops too, and says why.
        using (var response = await client.GetAsync("/api/snapshots")) await AssertUnavailable(response, "read-only", "readOnly");
        await AssertLiveViewWorksAndHealthSays(factory, client, "read-only");

        tmpfs.ReadWrite();

        var after = await Created(client, "after");
        Assert.Equal([after, before], await Ids(client));
        await AssertHealthRecovers(factory);
    }

    [Fact]
    public async Task A_full_disk_gives_503_full_stores_nothing_half_and_recovers_when_space_is_freed()
    {
        var tmpfs = Keep(new Tmpfs("3m"));
        var (factory, client) = await Start(tmpfs.Path);
        var before = await Created(client, "before");

        var filler = tmpfs.Fill();

        using (var response = await Post(client, "refused")) await AssertUnavailable(response, "full", "full");
        await AssertLiveViewWorksAndHealthSays(factory, client, "full");
        Assert.Equal([before], await Ids(client));

        File.Delete(filler);

        var after = await Created(client, "after");
        Assert.Equal([after, before], await Ids(client));
        await AssertHealthRecovers(factory);
        using var check = new SqliteConnection($"Data Source={Path.Combine(tmpfs.Path, Database.FileName)};Pooling=False");
        Assert.Equal("ok", await check.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
    }

    [Fact]
    public async Task A_write_lock_held_by_another_process_gives_503_locked_while_reading_goes_on()
    {
        var dir = NewDirectory("ndt-locked-");
        var (factory, client) = await Start(dir, new() { ["Dashboard:DatabaseBusyTimeout"] = "00:00:00.300" });
        var before = await Created(client, "before");

        await using (var other = new SqliteConnection($"Data Source={Path.Combine(dir, Database.FileName)};Pooling=False"))
        {
            await other.OpenAsync();
            await other.ExecuteAsync("BEGIN EXCLUSIVE");

            using (var response = await Post(client, "refused")) await AssertUnavailable(response, "locked by another process", "locked");
            using (var response = await client.DeleteAsync($"/api/snapshots/{before}")) await AssertUnavailable(response, "locked by another process", "locked");
            Assert.Equal([before], await Ids(client));
            await AssertLiveViewWorksAndHealthSays(factory, client, "locked by another process");

            await other.ExecuteAsync("ROLLBACK");
        }

        var after = await Created(client, "after");
        Assert.Equal([after, before], await Ids(client));
        await AssertHealthRecovers(factory);
    }

    [Fact]
    public async Task A_file_of_garbage_gives_503_corrupt_is_left_as_it_is_and_a_new_one_is_used_once_it_is_moved_away()
    {
        var dir = NewDirectory("ndt-corrupt-");
        var file = Path.Combine(dir, Database.FileName);
        var garbage = RandomNumberGenerator.GetBytes(100 * 1024);
        await File.WriteAllBytesAsync(file, garbage);
        var (factory, client) = await Start(dir);

        using (var response = await client.GetAsync("/api/snapshots")) await AssertUnavailable(response, "corrupt or not a SQLite database", "corrupt");
        using (var response = await Post(client, "refused")) await AssertUnavailable(response, "corrupt or not a SQLite database", "corrupt");
        using (var response = await client.GetAsync($"/api/diagnoses/{RandomIds.New()}")) await AssertUnavailable(response, "corrupt or not a SQLite database", "corrupt");
        await AssertLiveViewWorksAndHealthSays(factory, client, "corrupt or not a SQLite database");
        Assert.Equal(garbage, await File.ReadAllBytesAsync(file));

        File.Move(file, file + ".broken");

        var id = await Created(client, "on a new file");
        Assert.Equal([id], await Ids(client));
        await AssertHealthRecovers(factory);
    }

    [Fact]
    public async Task A_database_of_a_newer_release_gives_503_and_is_not_touched()
    {
        var dir = NewDirectory("ndt-newer-");
        var file = Path.Combine(dir, Database.FileName);
        new Database(file, [.. Migrations.All, new Migration(Migrations.All.Max(m => m.Version) + 1, "next", "CREATE TABLE next (x INTEGER)")], NullLogger<Database>.Instance).Migrate();
        SqliteConnection.ClearAllPools();
        var (factory, client) = await Start(dir);

        using (var response = await client.GetAsync("/api/snapshots")) await AssertUnavailable(response, "newer release", "newerSchema");
        using (var response = await Post(client, "refused")) await AssertUnavailable(response, "newer release", "newerSchema");
        await AssertLiveViewWorksAndHealthSays(factory, client, "newer release");
        await using (var raw = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            Assert.Equal(Migrations.All.Max(m => m.Version) + 1L, await raw.ExecuteScalarAsync<long>("SELECT MAX(version) FROM schema_version"));
            Assert.Equal(0L, await raw.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM snapshots"));
        }
    }
}
