using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Storage;

/// <summary>
/// The dashboard's SQLite file, <c>{DataDirectory}/dashboard.db</c>, shared by every feature that keeps
/// something (diagnoses, snapshots): write-ahead logging, a busy timeout, foreign keys, and the schema
/// brought up to date by <see cref="Migrate"/>. Each operation opens its own connection
/// (Microsoft.Data.Sqlite pools them), so callers on any thread need no lock.
/// </summary>
/// <remarks>
/// A database that cannot be used (read-only, full, locked, corrupt, written by a newer release) never stops
/// the server: <see cref="ReadAsync{T}"/> and <see cref="WriteAsync{T}"/> throw a
/// <see cref="StorageUnavailableException"/> naming the cause (the API answers 503 with it), the cause is kept in
/// <see cref="Problem"/> (<c>/healthz</c> shows it), and the next use tries again from the start (migration
/// included), so the store comes back by itself once the cause goes away.
/// </remarks>
public sealed class Database
{
    public const string FileName = "dashboard.db";

    /// <summary>How often a recorded problem is checked again in the background (<see cref="ProbeIfDue"/>).</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);

    private readonly ILogger<Database> _logger;
    private readonly IReadOnlyList<Migration> _migrations;
    private readonly TimeProvider _time;
    private readonly Lock _migrateLock = new();
    private readonly Lock _problemLock = new();
    private readonly TimeSpan _busyTimeout;
    private volatile bool _migrated;
    private StorageProblem? _problem;
    private long _lastProbe;
    private int _probing;

    public Database(IOptions<DashboardOptions> options, TimeProvider time, ILogger<Database> logger)
        : this(System.IO.Path.Combine(options.Value.DataDirectoryFullPath, FileName), Migrations.All, logger, options.Value.DatabaseBusyTimeout, time)
    {
    }

    internal Database(string path, IReadOnlyList<Migration> migrations, ILogger<Database> logger, TimeSpan? busyTimeout = null, TimeProvider? time = null)
    {
        Path = path;
        _migrations = migrations;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _busyTimeout = busyTimeout ?? TimeSpan.FromSeconds(5);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy database for this long (whole seconds, at least 1).
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(_busyTimeout.TotalSeconds)),
        }.ToString();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    /// <summary>The newest schema this release knows.</summary>
    public int KnownVersion => _migrations.Count == 0 ? 0 : _migrations.Max(m => m.Version);

    /// <summary>Why the database cannot be used now, or null when it works (as far as the last use showed).</summary>
    public StorageProblem? Problem
    {
        get { lock (_problemLock) return _problem; }
    }

    /// <summary>An open connection with the per-connection pragmas set; migrates first if nobody has yet. Errors are not translated.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (!_migrated) Migrate();
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await connection.ExecuteAsync($"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {(int)_busyTimeout.TotalMilliseconds};");
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a read. A failure becomes a <see cref="StorageUnavailableException"/> naming the cause, and is recorded.</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> read, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            var result = await read(connection);
            Succeeded(write: false);
            return result;
        }
        catch (Exception e) when (IsStorageError(e, cancellationToken))
        {
            throw Failed(e, "read");
        }
    }

    /// <summary>
    /// Runs a write in one transaction (BEGIN IMMEDIATE … COMMIT): all of it is stored or none of it. A failure
    /// becomes a <see cref="StorageUnavailableException"/> naming the cause, and is recorded; nothing is left half done.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, IDbTransaction, Task<T>> write, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var result = await write(connection, transaction);
            await transaction.CommitAsync(CancellationToken.None);
            Succeeded(write: true);
            return result;
        }
        catch (Exception e) when (IsStorageError(e, cancellationToken))
        {
            throw Failed(e, "write");
        }
    }

    private static bool IsStorageError(Exception e, CancellationToken cancellationToken) =>
        e is SqliteException or IOException or UnauthorizedAccessException or StorageUnavailableException
        || (e is InvalidOperationException && !cancellationToken.IsCancellationRequested && e.InnerException is SqliteException);

    /// <summary>
    /// Creates the file (mode 0600) and its folder when missing, switches it to WAL, and applies every
    /// migration newer than the recorded <c>schema_version</c>, each in its own transaction. Idempotent.
    /// A file at a newer schema than this release knows is refused (left untouched). Throws
    /// <see cref="StorageUnavailableException"/> and records the problem when the file cannot be used.
    /// </summary>
    public void Migrate()
    {
        lock (_migrateLock)
        {
            if (_migrated) return;
            try
            {
                MigrateCore();
            }
            catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or StorageUnavailableException)
            {
                throw Failed(e, "migrate");
            }
            _migrated = true;
            Succeeded(write: false);
        }
    }

    private void MigrateCore()
    {
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        if (!File.Exists(Path))
        {
            using (new FileStream(Path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
            }
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        connection.Execute($"PRAGMA busy_timeout = {(int)_busyTimeout.TotalMilliseconds};");
        // Reading first: a file that is not a database, or is a newer one, is left exactly as it is.
        bool hasVersions = connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'") > 0;
        // Dapper maps SQLite's INTEGER to long.
        long current = hasVersions ? connection.ExecuteScalar<long?>("SELECT MAX(version) FROM schema_version") ?? 0 : 0;
        if (current > KnownVersion)
        {
            throw new StorageUnavailableException(StorageFault.NewerSchema,
                $"The database was written by a newer release of the dashboard (schema version {current}; this release knows up to {KnownVersion}). " +
                "It is left untouched. Run the newer release, or move dashboard.db away to start a new one. " +
                "Snapshots and stored diagnoses are unavailable until then; the live view is not affected.");
        }
        if (!string.Equals(connection.ExecuteScalar<string>("PRAGMA journal_mode"), "wal", StringComparison.OrdinalIgnoreCase))
            connection.Execute("PRAGMA journal_mode = WAL;");
        if (!hasVersions)
            connection.Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)");
        foreach (var migration in _migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            using var transaction = connection.BeginTransaction();
            connection.Execute(migration.Sql, transaction: transaction);
            connection.Execute("INSERT INTO schema_version (version, applied_at) VALUES (@Version, @At)",
                new { migration.Version, At = _time.GetUtcNow().ToUnixTimeMilliseconds() }, transaction);
            transaction.Commit();
            _logger.LogInformation("Database {Path}: applied migration {Version} ({Name})", Path, migration.Version, migration.Name);
        }
    }

    /// <summary>The schema version the file is at (0 for a new file).</summary>
    public Task<long> SchemaVersionAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(async c => await c.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_version") ?? 0, cancellationToken);

    /// <summary>
    /// When a problem is recorded and the last check is older than <see cref="ProbeInterval"/>, checks again in
    /// the background (a read; a tiny write when the problem stopped writes), so that <c>/healthz</c> clears once
    /// the cause is gone even when nobody uses the store. Never waits.
    /// </summary>
    public void ProbeIfDue()
    {
        if (Problem is null) return;
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastProbe), now) < ProbeInterval && Interlocked.Read(ref _lastProbe) != 0) return;
        if (Interlocked.Exchange(ref _probing, 1) == 1) return;
        Interlocked.Exchange(ref _lastProbe, now);
        _ = Task.Run(async () =>
        {
            try
            {
                await ProbeAsync();
            }
            catch (StorageUnavailableException)
            {
                // Recorded.
            }
            finally
            {
                Interlocked.Exchange(ref _probing, 0);
            }
        });
    }

    /// <summary>Checks the store now: a read, and a write that changes nothing when the recorded problem is one of writing.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        if (Problem is { } problem && StorageUnavailableException.IsWriteOnly(problem.Fault))
        {
            await WriteAsync((c, t) => c.ExecuteAsync(
                "UPDATE schema_version SET applied_at = applied_at WHERE version = (SELECT MAX(version) FROM schema_version)", transaction: t), cancellationToken);
        }
        else
        {
            await ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_version"), cancellationToken);
        }
    }

    private void Succeeded(bool write)
    {
        lock (_problemLock)
        {
            if (_problem is not { } problem) return;
            if (!write && StorageUnavailableException.IsWriteOnly(problem.Fault)) return;
            _problem = null;
            _logger.LogInformation("Database {Path} works again (it failed since {Since:u}: {Fault})", Path, problem.Since, problem.Fault);
        }
    }

    private StorageUnavailableException Failed(Exception e, string operation)
    {
        var error = StorageUnavailableException.From(e, Path);
        // The next use starts again from the file: a file replaced or repaired meanwhile is migrated, and no
        // pooled connection to the old one is reused.
        if (error.Fault is not StorageFault.Locked)
        {
            _migrated = false;
            SqliteConnection.ClearPool(new SqliteConnection(ConnectionString));
        }
        lock (_problemLock)
        {
            bool isNew = _problem is not { } old || old.Fault != error.Fault;
            _problem = new StorageProblem(error.Fault, error.Message, isNew ? _time.GetUtcNow() : _problem!.Since);
            if (isNew)
                _logger.LogError(e, "Database {Path} failed ({Operation}): {Reason}", Path, operation, error.Message);
            else
                _logger.LogWarning("Database {Path} still fails ({Operation}): {Reason}", Path, operation, error.Message);
        }
        return error;
    }
}

/// <summary>Why the database cannot be used, since when.</summary>
public sealed record StorageProblem(StorageFault Fault, string Reason, DateTimeOffset Since);

/// <summary>
/// Migrates the database when the host starts. A file that cannot be used does not stop the start: the problem is
/// recorded (the API answers 503 and <c>/healthz</c> says "degraded"), and the next use tries again.
/// </summary>
internal sealed class DatabaseMigrator(Database database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            database.Migrate();
        }
        catch (StorageUnavailableException)
        {
            // Recorded and logged by the database.
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
