using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Dashboard.Server.Snapshots;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// The real server (the built Dashboard.Server.dll, a child process) killed with SIGKILL while snapshots are being
/// written: every snapshot it acknowledged (201) is in the file, the file passes integrity_check, and it opens
/// again (a server on it lists them).
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("ndt-crash-").FullName;
    private readonly StringBuilder _log = new();
    private Process? _server;

    [Fact]
    public async Task Kill_9_while_snapshots_are_written_loses_nothing_acknowledged_and_leaves_a_database_that_opens()
    {
        var (baseAddress, token) = await StartServerAsync();
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var acknowledged = new ConcurrentBag<string>();
        int started = 0, finished = 0;
        using var stop = new CancellationTokenSource();

        async Task Worker(int worker)
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                Interlocked.Increment(ref started);
                try
                {
                    using var response = await client.PostAsJsonAsync("/api/snapshots", new SnapshotRequest($"crash {worker}.{i}"), stop.Token);
                    if (response.StatusCode != HttpStatusCode.Created)
                        throw new Xunit.Sdk.XunitException($"POST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    acknowledged.Add((await response.Content.ReadFromJsonAsync<SnapshotCreated>(stop.Token))!.Id);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    return; // the server is gone
                }
                finally
                {
                    Interlocked.Increment(ref finished);
                }
            }
        }

        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() => Worker(w))).ToList();
        var clock = Stopwatch.StartNew();
        while (acknowledged.Count < 40 && clock.Elapsed < TimeSpan.FromSeconds(30) && workers.All(w => !w.IsCompleted))
            await Task.Delay(20);
        Assert.True(acknowledged.Count >= 10, $"only {acknowledged.Count} snapshots were acknowledged before the kill\n{Log}");
        // SIGKILL, mid-stream: requests are in flight.
        int inFlight = Volatile.Read(ref started) - Volatile.Read(ref finished);
        _server!.Kill();
        await _server.WaitForExitAsync();
        var acked = acknowledged.ToHashSet();
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        output.WriteLine($"killed after {acked.Count} acknowledged snapshots, {inFlight} requests in flight; -wal left: {File.Exists(DbPath + "-wal")}");
        Assert.True(_server.ExitCode != 0, "the server was killed, not stopped");

        await using (var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await raw.OpenAsync();
            Assert.Equal("ok", await raw.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
            var stored = (await raw.QueryAsync<string>("SELECT id FROM snapshots")).ToHashSet();
            var lost = acked.Except(stored).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged snapshots are missing: {string.Join(", ", lost)}");
            output.WriteLine($"{stored.Count} stored ({stored.Count - acked.Count} written but not acknowledged)");
        }

        // It opens: migrated as it is, every acknowledged snapshot readable whole.
        var db = new Database(DbPath, Migrations.All, NullLogger<Database>.Instance);
        db.Migrate();
        var repository = new SnapshotRepository(db, TimeProvider.System);
        foreach (var id in acked)
        {
            var snapshot = await repository.GetAsync(id);
            Assert.NotNull(snapshot);
            Assert.NotEmpty(snapshot.Topology.Namespaces);
        }
        Assert.Null(db.Problem);
    }

    private string DbPath => Path.Combine(_dataDirectory, Database.FileName);

    private string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private async Task<(Uri BaseAddress, string Token)> StartServerAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Dashboard.Server.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "--urls", baseAddress.ToString().TrimEnd('/'), "--contentRoot", AppContext.BaseDirectory })
            startInfo.ArgumentList.Add(argument);
        startInfo.Environment["Dashboard__AuthToken"] = token;
        startInfo.Environment["Dashboard__DataDirectory"] = _dataDirectory;
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        startInfo.Environment.Remove("DOTNET_ENVIRONMENT");
        _server = new Process { StartInfo = startInfo };
        _server.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _server.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        Assert.True(_server.Start());
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(_server.HasExited, $"the server exited during start-up:\n{Log}");
            try
            {
                using var health = await probe.GetAsync("/healthz");
                if (health.StatusCode == HttpStatusCode.OK) return (baseAddress, token);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"the server did not answer /healthz within 60 s:\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_server is { } server)
        {
            try
            {
                if (!server.HasExited)
                {
                    server.Kill();
                    server.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            server.Dispose();
        }
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { }
    }
}
