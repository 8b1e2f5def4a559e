using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dashboard.Server.Snapshots;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Api;

internal static class SnapshotApi
{
    public static RouteGroupBuilder MapSnapshotApi(this RouteGroupBuilder api)
    {
        var snapshots = api.MapGroup("/snapshots").AddEndpointFilter<StorageProblemFilter>();
        snapshots.MapPost("", Create)
            .WithName("CreateSnapshot")
            .WithSummary("Freeze the node as it is now (topology and findings) under a label. 201 with the id and the page that shows it (url, e.g. /snapshots/{id}).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        snapshots.MapGet("", List)
            .WithName("ListSnapshots")
            .WithSummary("Every snapshot, newest first (at most ?limit, default 1000). 503 when the database cannot be read.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        snapshots.MapPost("/import", Import)
            .WithName("ImportSnapshot")
            .WithSummary("Store an exported snapshot document (from this node or another) under a new id. 201 with the id.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        snapshots.MapGet("/{id}", Get)
            .WithName("GetSnapshot")
            .WithSummary("A snapshot: the topology and findings as they were.")
            .Produces<Snapshot>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        snapshots.MapGet("/{id}/export", Export)
            .WithName("ExportSnapshot")
            .WithSummary("A snapshot as a JSON file to download (the document POST /api/snapshots/import takes).")
            .Produces<Snapshot>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        snapshots.MapDelete("/{id}", Delete)
            .WithName("DeleteSnapshot")
            .WithSummary("Delete a snapshot. 204, or 404 when there is none.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        snapshots.MapGet("/{from}/compare/{to}", Compare)
            .WithName("CompareSnapshots")
            .WithSummary("What changed from one snapshot to another; either side may be 'live' (the node as it is now).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<Results<Created<SnapshotCreated>, ProblemHttpResult>> Create(
        HttpContext context, SnapshotService service, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadJsonAsync(context.Request, SnapshotOptions.MaxRequestBytes, WireJsonContext.Default.SnapshotRequest, "a snapshot request", cancellationToken);
        if (problem is not null) return problem;
        if (request is null) return BadRequest("The body must be a JSON object with a label, e.g. {\"label\": \"before upgrade\"}.");
        if (!SnapshotValidation.TryLabel(request.Label, out var label, out var error)) return BadRequest(error!);
        if (!SnapshotValidation.TryBy(request.By, CallerOf(context), out var by, out error)) return BadRequest(error!);
        var created = await service.TakeAsync(label, by, SnapshotOrigins.Manual, cancellationToken);
        return TypedResults.Created($"/api/snapshots/{created.Id}", created);
    }

    private static async Task<Results<Ok<IReadOnlyList<SnapshotSummary>>, ProblemHttpResult>> List(
        SnapshotService service, CancellationToken cancellationToken, string? limit = null)
    {
        int rows = SnapshotOptions.DefaultListLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out rows) || rows is < 1 or > SnapshotOptions.MaxListLimit))
            return BadRequest($"limit must be a whole number between 1 and {SnapshotOptions.MaxListLimit}.");
        return TypedResults.Ok(await service.ListAsync(rows, cancellationToken));
    }

    private static async Task<Results<Created<SnapshotCreated>, ProblemHttpResult>> Import(
        HttpContext context, SnapshotService service, IOptions<SnapshotOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (document, problem) = await ReadJsonAsync(context.Request, options.Value.MaxImportBytes, WireJsonContext.Default.Snapshot, "a snapshot document", cancellationToken);
        if (problem is not null) return problem;
        document = SnapshotValidation.Normalize(document);
        var errors = SnapshotValidation.CheckImport(document, time.GetUtcNow());
        if (errors.Count > 0)
            return TypedResults.Problem("The document cannot be imported: " + string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest, title: "Bad snapshot document");
        var created = await service.ImportAsync(document!, cancellationToken);
        return TypedResults.Created($"/api/snapshots/{created.Id}", created);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Get(string id, SnapshotService service, CancellationToken cancellationToken) =>
        await service.GetBodyAsync(id, cancellationToken) is { } body
            // The stored document is already the answer: no parse and re-serialisation.
            ? TypedResults.Bytes(body.Json, "application/json")
            : NotFound(id);

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Export(string id, SnapshotService service, CancellationToken cancellationToken) =>
        await service.GetBodyAsync(id, cancellationToken) is { } body
            ? TypedResults.File(body.Json, "application/json", ExportFileName(body.Hostname, body.TakenAt))
            : NotFound(id);

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, SnapshotService service, CancellationToken cancellationToken) =>
        await service.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    private static async Task<Results<Ok<TopologyComparison>, ProblemHttpResult>> Compare(
        string from, string to, SnapshotService service, CancellationToken cancellationToken)
    {
        var (comparison, missing) = await service.CompareAsync(from, to, cancellationToken);
        return comparison is not null ? TypedResults.Ok(comparison) : NotFound(missing == "from" ? from : to);
    }

    /// <summary>snapshot-HOST-20261127T1200Z.json: the host reduced to [A-Za-z0-9.-_], the time in UTC.</summary>
    public static string ExportFileName(string hostname, DateTimeOffset takenAt)
    {
        var host = new StringBuilder();
        foreach (var c in hostname)
        {
            if (host.Length >= 63) break;
            host.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }
        var name = host.ToString().Trim('.');
        if (name.Length == 0) name = "node";
        return $"snapshot-{name}-{takenAt.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture)}.json";
    }

    /// <summary>The caller's address, the default "by".</summary>
    private static string CallerOf(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString()
            : "unknown";

    /// <summary>
    /// Reads a JSON body of at most <paramref name="limit"/> bytes: 413 when larger (by Content-Length or as it
    /// arrives), 415 when it is not JSON, 400 when it does not parse. Nothing is read past the limit.
    /// </summary>
    private static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(
        HttpRequest request, long limit, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
            return (default, TypedResults.Problem($"The body must be {what} in JSON (Content-Type: application/json).", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not JSON"));
        if (request.ContentLength > limit)
            return (default, TooLarge(limit));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = limit + 1;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            int read = await request.Body.ReadAsync(chunk, cancellationToken);
            if (read == 0) break;
            if (buffer.Length + read > limit) return (default, TooLarge(limit));
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
            return (default, BadRequest($"The body is empty; it must be {what} in JSON."));
        try
        {
            return (JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type), null);
        }
        catch (JsonException e)
        {
            var at = e.Path is { Length: > 0 } path ? $" at {(path.Length > 80 ? path[..80] + "…" : path)}" : "";
            var line = e.LineNumber is { } n ? $" (line {n + 1})" : "";
            return (default, BadRequest($"The body is not {what}: invalid JSON or a value of the wrong type{at}{line}."));
        }
    }

    private static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem($"The body is larger than {limit.ToString(CultureInfo.InvariantCulture)} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad snapshot request");

    /// <summary>404 that repeats the id only when it is one of ours in form (a hostile string is never echoed).</summary>
    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem($"No snapshot has the id '{(RandomIds.IsWellFormed(id) ? id : "…")}'.", statusCode: StatusCodes.Status404NotFound, title: "No such snapshot");
}
