using Dashboard.Server.Diagnosis;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using DiagnosisRecord = Dashboard.Shared.Diagnosis;

namespace Dashboard.Server.Api;

internal static class DiagnosisApi
{
    public static RouteGroupBuilder MapDiagnosisApi(this RouteGroupBuilder api)
    {
        api.MapPost("/diagnoses", Create)
            .WithName("CreateDiagnosis")
            .WithSummary("Diagnose a ping from a namespace to an address or namespace/interface. 201 with the finished diagnosis and a Location of /api/diagnoses/{id}; wait=false answers 202 at once (poll the Location, or follow DiagnosisProgress on the hub).")
            .WithDescription("source: a namespace reference (a namespace id, an iproute2 name, or root/host); destination: an IPv4/IPv6 address, or \"<namespace reference>/<interface>\". "
                + "verdict: reachable | unreachable (null only while a wait=false diagnosis runs); step status: pass | fail | warn | skip.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/diagnoses/{id}", Get)
            .AddEndpointFilter<StorageProblemFilter>()
            .WithName("GetDiagnosis")
            .WithSummary("A diagnosis: finished (stored, shareable) or still running (status running, the steps so far).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<Results<Created<DiagnosisRecord>, Accepted<DiagnosisRecord>, ProblemHttpResult>> Create(
        [FromBody] DiagnosisRequest? request, DiagnosisService service, HttpContext context, CancellationToken cancellationToken, bool wait = true)
    {
        var (target, error) = DiagnosisRequestParser.Parse(await service.CurrentTopologyAsync(fresh: false, cancellationToken), request);
        // The live state trails the kernel by the coalescing window: a namespace made a moment ago is
        // looked for again in a fresh read before the request is called bad.
        if (target is null && error is not null && !DiagnosisRequestParser.IsMalformed(request))
            (target, error) = DiagnosisRequestParser.Parse(await service.CurrentTopologyAsync(fresh: true, cancellationToken), request);
        if (target is null)
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Bad diagnosis request");
        if (service.TryStart(target) is not { } started)
        {
            context.Response.Headers.RetryAfter = "2";
            return TypedResults.Problem("Too many diagnoses are running; try again in a few seconds.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many diagnoses");
        }
        var location = $"/api/diagnoses/{started.Started.Id}";
        if (!wait) return TypedResults.Accepted(location, started.Started);
        // The diagnosis goes on (and is stored) even if this caller leaves.
        var done = await started.Completion.WaitAsync(cancellationToken);
        return TypedResults.Created(location, done);
    }

    private static async Task<Results<Ok<DiagnosisRecord>, ProblemHttpResult>> Get(string id, DiagnosisService service, CancellationToken cancellationToken)
    {
        var diagnosis = await service.GetAsync(id, cancellationToken);
        return diagnosis is null
            ? TypedResults.Problem($"No diagnosis has the id '{(RandomIds.IsWellFormed(id) ? id : "…")}'.", statusCode: StatusCodes.Status404NotFound, title: "No such diagnosis")
            : TypedResults.Ok(diagnosis);
    }
}
