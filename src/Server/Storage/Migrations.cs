namespace Dashboard.Server.Storage;

/// <summary>One step of the schema. Versions only grow; a released migration is never edited, a new one is appended.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>Every migration of <c>dashboard.db</c>, in order. Issue 6 (snapshots) appends version 2.</summary>
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
    ];
}
