using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Storage;

/// <summary>
/// The dashboard's SQLite file, <c>{DataDirectory}/dashboard.db</c>, shared by every feature that keeps
/// something (diagnoses, snapshots): write-ahead logging, a busy timeout, foreign keys, and the schema
/// brought up to date by <see cref="Migrate"/> at start. Each operation opens its own connection
/// (Microsoft.Data.Sqlite pools them), so callers on any thread need no lock.
/// </summary>
public sealed class Database
{
    public const string FileName = "dashboard.db";

    private readonly ILogger<Database> _logger;
    private readonly IReadOnlyList<Migration> _migrations;
    private readonly Lock _migrateLock = new();
    private volatile bool _migrated;

    public Database(IOptions<DashboardOptions> options, ILogger<Database> logger)
        : this(System.IO.Path.Combine(options.Value.DataDirectoryFullPath, FileName), Migrations.All, logger)
    {
    }

    internal Database(string path, IReadOnlyList<Migration> migrations, ILogger<Database> logger)
    {
        Path = path;
        _migrations = migrations;
        _logger = logger;
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 5,
        }.ToString();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    /// <summary>An open connection with the per-connection pragmas set; migrates first if nobody has yet.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (!_migrated) Migrate();
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
        return connection;
    }

    /// <summary>
    /// Creates the file (mode 0600) and its folder when missing, switches it to WAL, and applies every
    /// migration newer than the recorded <c>schema_version</c>, each in its own transaction. Idempotent.
    /// </summary>
    public void Migrate()
    {
        lock (_migrateLock)
        {
            if (_migrated) return;
            var folder = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            if (!File.Exists(Path))
            {
                using (File.Create(Path)) { }
                File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            using var connection = new SqliteConnection(ConnectionString);
            connection.Open();
            connection.Execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
            connection.Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)");
            // Dapper maps SQLite's INTEGER to long.
            long current = connection.ExecuteScalar<long?>("SELECT MAX(version) FROM schema_version") ?? 0;
            foreach (var migration in _migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
            {
                using var transaction = connection.BeginTransaction();
                connection.Execute(migration.Sql, transaction: transaction);
                connection.Execute("INSERT INTO schema_version (version, applied_at) VALUES (@Version, @At)",
                    new { migration.Version, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, transaction);
                transaction.Commit();
                _logger.LogInformation("Database {Path}: applied migration {Version} ({Name})", Path, migration.Version, migration.Name);
            }
            _migrated = true;
        }
    }

    /// <summary>The schema version the file is at (0 for a new file).</summary>
    public async Task<long> SchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_version") ?? 0;
    }
}

/// <summary>Migrates the database when the host starts, so a broken file fails the start and not the first request.</summary>
internal sealed class DatabaseMigrator(Database database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        database.Migrate();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
