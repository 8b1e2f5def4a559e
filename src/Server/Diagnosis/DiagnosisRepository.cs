using System.Text.Json;
using Dapper;
using Dashboard.Server.Storage;
using Dashboard.Shared;

namespace Dashboard.Server.Diagnosis;

/// <summary>Finished diagnoses in SQLite: the whole record as JSON, plus the columns to find and list them by.</summary>
internal sealed class DiagnosisRepository(Database database)
{
    public async Task SaveAsync(Shared.Diagnosis diagnosis, CancellationToken cancellationToken = default)
    {
        await database.WriteAsync((connection, transaction) => connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO diagnoses (id, started_at, source_namespace_id, destination, verdict, root_cause_rule, body)
            VALUES (@Id, @StartedAt, @Source, @Destination, @Verdict, @Rule, @Body)
            """,
            new
            {
                diagnosis.Id,
                StartedAt = diagnosis.StartedAt.ToUnixTimeMilliseconds(),
                Source = diagnosis.Source.NamespaceId,
                diagnosis.Destination,
                Verdict = diagnosis.Verdict ?? Verdicts.Unreachable,
                Rule = diagnosis.RootCause?.Rule,
                Body = JsonSerializer.Serialize(diagnosis, WireJsonContext.Default.Diagnosis),
            },
            transaction,
            cancellationToken: cancellationToken)), cancellationToken);
    }

    public async Task<Shared.Diagnosis?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var body = await database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT body FROM diagnoses WHERE id = @id", new { id }, cancellationToken: cancellationToken)), cancellationToken);
        if (body is null) return null;
        try
        {
            return JsonSerializer.Deserialize(body, WireJsonContext.Default.Diagnosis) ?? throw new JsonException("null record");
        }
        catch (JsonException e)
        {
            // One damaged row is about that diagnosis only (503 naming it), not the database.
            throw new StorageUnavailableException(StorageFault.Corrupt, "This diagnosis's stored record is damaged and cannot be read. Other diagnoses are not affected.", e);
        }
    }
}
