using System.Buffers;
using System.Data;
using System.IO.Compression;
using System.Text.Json;
using Dapper;
using Dashboard.Server.Storage;
using Dashboard.Shared;

namespace Dashboard.Server.Snapshots;

/// <summary>A stored snapshot's document (the JSON the API returns, uncompressed) and the facts an export is named by.</summary>
internal sealed record StoredSnapshotBody(byte[] Json, string Hostname, DateTimeOffset TakenAt);

/// <summary>Which automatic snapshots to keep: the newest <see cref="KeepCount"/>, none older than <see cref="KeepDays"/> days (0: any age).</summary>
internal sealed record RetentionPolicy(int KeepCount, int KeepDays);

/// <summary>
/// Snapshots in SQLite: the whole <see cref="Snapshot"/> as JSON (<see cref="WireJsonContext"/>), Brotli-compressed
/// in one BLOB, plus the columns to list them by (label, when, who, counts). Every write is one transaction.
/// </summary>
internal sealed class SnapshotRepository(Database database, TimeProvider time)
{
    /// <summary>Brotli quality 1: a 250-pod topology (about 1 MB of JSON) compresses in a few milliseconds to about a tenth.</summary>
    private const int BrotliQuality = 1;
    private const int BrotliWindow = 22;

    /// <summary>No stored document is larger than this uncompressed (an import is at most 1 GB of JSON).</summary>
    private const int MaxJsonBytes = int.MaxValue - 1024;

    private static readonly string[] AutomaticOrigins = [SnapshotOrigins.Schedule, SnapshotOrigins.Finding];

    /// <summary>Stores <paramref name="snapshot"/>; with <paramref name="retention"/>, also deletes the automatic snapshots it no longer keeps, in the same transaction.</summary>
    public async Task<int> InsertAsync(Snapshot snapshot, RetentionPolicy? retention = null, CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(snapshot, WireJsonContext.Default.Snapshot);
        var body = Compress(json);
        var row = new
        {
            snapshot.Id,
            snapshot.Label,
            TakenAt = snapshot.TakenAt.ToUnixTimeMilliseconds(),
            snapshot.TakenBy,
            snapshot.Origin,
            snapshot.Topology.Hostname,
            NamespaceCount = snapshot.Topology.Namespaces.Count,
            LinkCount = snapshot.Topology.Links.Count,
            FindingCount = snapshot.Findings.Count,
            ErrorCount = snapshot.Findings.Count(f => f.Severity == Severities.Error),
            StoredAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            snapshot.Format,
            BodySize = json.Length,
            Body = body,
        };
        return await database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO snapshots (id, label, taken_at, taken_by, origin, hostname, namespace_count, link_count, finding_count, error_count, stored_at, format, body_size, body)
                VALUES (@Id, @Label, @TakenAt, @TakenBy, @Origin, @Hostname, @NamespaceCount, @LinkCount, @FindingCount, @ErrorCount, @StoredAt, @Format, @BodySize, @Body)
                """, row, transaction, cancellationToken: cancellationToken));
            return retention is null ? 0 : await DeleteExpiredAsync(connection, transaction, retention, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Deletes the automatic snapshots <paramref name="retention"/> does not keep; returns how many.</summary>
    public Task<int> ApplyRetentionAsync(RetentionPolicy retention, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => DeleteExpiredAsync(connection, transaction, retention, cancellationToken), cancellationToken);

    private async Task<int> DeleteExpiredAsync(IDbConnection connection, IDbTransaction transaction, RetentionPolicy retention, CancellationToken cancellationToken)
    {
        long cutoff = retention.KeepDays > 0 ? time.GetUtcNow().AddDays(-retention.KeepDays).ToUnixTimeMilliseconds() : long.MinValue;
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM snapshots
            WHERE origin IN @AutomaticOrigins
              AND (taken_at < @cutoff
                   OR rowid IN (SELECT rowid FROM snapshots WHERE origin IN @AutomaticOrigins
                                ORDER BY taken_at DESC, rowid DESC LIMIT -1 OFFSET @keep))
            """, new { AutomaticOrigins, cutoff, keep = retention.KeepCount }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The newest <paramref name="limit"/> snapshots, newest first (by when they were taken; the later stored first on a tie).</summary>
    public Task<IReadOnlyList<SnapshotSummary>> ListAsync(int limit, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<SnapshotSummary>>(async connection =>
        {
            var rows = await connection.QueryAsync<SummaryRow>(new CommandDefinition("""
                SELECT id, label, taken_at AS TakenAt, taken_by AS TakenBy, origin, hostname,
                       namespace_count AS NamespaceCount, link_count AS LinkCount, finding_count AS FindingCount, error_count AS ErrorCount
                FROM snapshots ORDER BY taken_at DESC, rowid DESC LIMIT @limit
                """, new { limit }, cancellationToken: cancellationToken));
            return rows.Select(r => r.ToSummary()).ToList();
        }, cancellationToken);

    /// <summary>How many snapshots there are, all origins.</summary>
    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync(c => c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM snapshots", cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>The stored document (uncompressed JSON, as the API returns it), or null when there is no such snapshot.</summary>
    public async Task<StoredSnapshotBody?> GetBodyAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await database.ReadAsync(c => c.QuerySingleOrDefaultAsync<BodyRow>(new CommandDefinition(
            "SELECT hostname, taken_at AS TakenAt, body_size AS BodySize, body FROM snapshots WHERE id = @id", new { id }, cancellationToken: cancellationToken)), cancellationToken);
        if (row is null) return null;
        return new StoredSnapshotBody(Decompress(row.Body, row.BodySize), row.Hostname, DateTimeOffset.FromUnixTimeMilliseconds(row.TakenAt));
    }

    /// <summary>The snapshot, or null when there is none with that id.</summary>
    public async Task<Snapshot?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var body = await GetBodyAsync(id, cancellationToken);
        if (body is null) return null;
        try
        {
            return JsonSerializer.Deserialize(body.Json, WireJsonContext.Default.Snapshot)
                ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new StorageUnavailableException(StorageFault.Corrupt, "This snapshot's stored document is damaged and cannot be read; delete it. Other snapshots are not affected.", e);
        }
    }

    /// <summary>
    /// The snapshot as a comparison needs it (<see cref="ComparableSnapshot"/>: its topology without routes,
    /// processes and the like, and its findings), or null when there is none with that id.
    /// </summary>
    public async Task<(Topology Topology, IReadOnlyList<Finding> Findings, DateTimeOffset TakenAt)?> GetComparableAsync(string id, CancellationToken cancellationToken = default)
    {
        var body = await GetBodyAsync(id, cancellationToken);
        if (body is null) return null;
        try
        {
            var snapshot = JsonSerializer.Deserialize(body.Json, SnapshotJsonContext.Default.ComparableSnapshot)
                ?? throw new JsonException("null document");
            return (snapshot.ToTopology(), snapshot.Findings ?? [], snapshot.TakenAt);
        }
        catch (JsonException e)
        {
            throw new StorageUnavailableException(StorageFault.Corrupt, "This snapshot's stored document is damaged and cannot be read; delete it. Other snapshots are not affected.", e);
        }
    }

    /// <summary>Whether a snapshot with that id is stored.</summary>
    public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken = default) =>
        database.ReadAsync(async c => await c.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT 1 FROM snapshots WHERE id = @id", new { id }, cancellationToken: cancellationToken)) is not null, cancellationToken);

    /// <summary>Deletes one snapshot; false when there was none with that id.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        await database.WriteAsync((c, t) => c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM snapshots WHERE id = @id", new { id }, t, cancellationToken: cancellationToken)), cancellationToken) > 0;

    public static byte[] Compress(ReadOnlySpan<byte> json)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(json.Length));
        try
        {
            if (!BrotliEncoder.TryCompress(json, buffer, out int written, BrotliQuality, BrotliWindow))
                throw new InvalidOperationException("Brotli compression failed.");
            return buffer.AsSpan(0, written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] Decompress(byte[] body, long size)
    {
        try
        {
            if (size is > 0 and <= MaxJsonBytes)
            {
                var json = new byte[size];
                if (BrotliDecoder.TryDecompress(body, json, out int written) && written == size) return json;
            }
            // The recorded size is off (it never is for what this code wrote): decompress as a stream.
            using var input = new MemoryStream(body, writable: false);
            using var brotli = new BrotliStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            brotli.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            throw new StorageUnavailableException(StorageFault.Corrupt, "This snapshot's stored document is damaged and cannot be read; delete it. Other snapshots are not affected.", e);
        }
    }

    private sealed class SummaryRow
    {
        public string Id { get; set; } = "";
        public string Label { get; set; } = "";
        public long TakenAt { get; set; }
        public string? TakenBy { get; set; }
        public string Origin { get; set; } = "";
        public string Hostname { get; set; } = "";
        public long NamespaceCount { get; set; }
        public long LinkCount { get; set; }
        public long FindingCount { get; set; }
        public long ErrorCount { get; set; }

        public SnapshotSummary ToSummary() =>
            new(Id, Label, DateTimeOffset.FromUnixTimeMilliseconds(TakenAt), (int)NamespaceCount, (int)FindingCount)
            {
                Hostname = Hostname,
                Origin = Origin,
                TakenBy = TakenBy,
                LinkCount = (int)LinkCount,
                ErrorCount = (int)ErrorCount,
            };
    }

    private sealed class BodyRow
    {
        public string Hostname { get; set; } = "";
        public long TakenAt { get; set; }
        public long BodySize { get; set; }
        public byte[] Body { get; set; } = [];
    }
}
