namespace Dashboard.Server.Storage;

/// <summary>One step of the schema. Versions only grow; a released migration is never edited, a new one is appended.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>Every migration of <c>dashboard.db</c>, in order.</summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "diagnoses", """
            CREATE TABLE diagnoses (
                id TEXT NOT NULL PRIMARY KEY,
                started_at INTEGER NOT NULL,          -- unix milliseconds, UTC
                source_namespace_id TEXT NOT NULL,
                destination TEXT NOT NULL,
                verdict TEXT NOT NULL,
                root_cause_rule TEXT NULL,
                body TEXT NOT NULL                    -- the whole Diagnosis as the API returns it (WireJsonContext)
            );
            CREATE INDEX diagnoses_started_at ON diagnoses (started_at);
            """),
        new(2, "snapshots", """
            CREATE TABLE snapshots (
                id TEXT NOT NULL PRIMARY KEY,         -- RandomIds: 22 characters of base64url
                label TEXT NOT NULL,
                taken_at INTEGER NOT NULL,            -- unix milliseconds, UTC: when the node was read (kept by an import)
                taken_by TEXT NULL,
                origin TEXT NOT NULL,                 -- manual | schedule | finding | import
                hostname TEXT NOT NULL,
                namespace_count INTEGER NOT NULL,
                link_count INTEGER NOT NULL,
                finding_count INTEGER NOT NULL,
                error_count INTEGER NOT NULL,
                stored_at INTEGER NOT NULL,           -- unix milliseconds, UTC: when it was written here
                format INTEGER NOT NULL,              -- SnapshotLimits.Format of the body
                body_size INTEGER NOT NULL,           -- bytes of the JSON before compression
                body BLOB NOT NULL                    -- the whole Snapshot as the API returns it (WireJsonContext), Brotli-compressed; last, so listing never reads it
            );
            CREATE INDEX snapshots_taken_at ON snapshots (taken_at);     -- newest first: scanned backwards, ties by rowid (the later stored first)
            CREATE INDEX snapshots_origin ON snapshots (origin, taken_at);
            """),
    ];
}
