using Dashboard.Server.Diagnosis;
using Dashboard.Server.Lab;
using Dashboard.Server.Monitoring;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Server.Api;

/// <summary>The lab (docs/lab.md) and applying a fix: everything that changes the node. 403 unless changes are allowed.</summary>
internal static class LabApi
{
    public static RouteGroupBuilder MapLabApi(this RouteGroupBuilder api)
    {
        api.MapGet("/capabilities", (LabService lab) => TypedResults.Ok(new Capabilities(
                lab.Changes, lab.Changes is null ? null : lab.Catalog.Prefix, lab.Changes is null ? LabService.HowToEnable : null)))
            .WithName("GetCapabilities")
            .WithTags(nameof(LabApi))
            .WithSummary("What this server lets a caller change (the lab, applying fixes): always 200, so a page can hide what it may not use.");
        var lab = api.MapGroup("/lab").RequireChangesAllowed();
        lab.MapGet("", GetState)
            .WithName("GetLab")
            .WithSummary("The lab: its scenarios (built or not, their commands), faults (active, available, their commands), lab namespaces and the last actions.");
        lab.MapPost("/scenarios/{name}", Build)
            .WithName("BuildLabScenario")
            .WithSummary("Build a scenario afresh (its namespaces are removed first). 200 with what ran; succeeded=false (rolled back) when a command failed.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        lab.MapDelete("/scenarios/{name}", Remove)
            .WithName("RemoveLabScenario")
            .WithSummary("Remove a scenario's namespaces and forget its faults.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        lab.MapPost("/faults/{name}", Inject)
            .WithName("InjectLabFault")
            .WithSummary("Break a built scenario the way the fault says. 409 when its scenario is not built or the fault is already active.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        lab.MapDelete("/faults/{name}", Heal)
            .WithName("HealLabFault")
            .WithSummary("Restore the scenario's intended state (idempotent). 409 when its scenario is not built.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        lab.MapDelete("", Reset)
            .WithName("ResetLab")
            .WithSummary("Remove every lab namespace and the CNI IPAM state; forget every fault.");

        api.MapPost("/findings/{id}/fix", FixFinding)
            .RequireChangesAllowed()
            .WithName("FixFinding")
            .WithSummary("Run the current finding's fix commands, in order, stopping at the first failure. 409 when a command needs a person; 403 in lab-only mode when one acts outside the lab.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/diagnoses/{id}/fix", FixDiagnosis)
            .RequireChangesAllowed()
            .AddEndpointFilter<StorageProblemFilter>()
            .WithName("FixDiagnosis")
            .WithSummary("Run a diagnosis's root-cause fix, as POST /api/findings/{id}/fix does. 409 when it has no root cause.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<Ok<LabState>> GetState(LabService lab, CancellationToken cancellationToken) =>
        TypedResults.Ok(await lab.StateAsync(cancellationToken));

    private static async Task<Results<Ok<LabAction>, ProblemHttpResult>> Build(string name, LabService lab, CancellationToken cancellationToken) =>
        !LabScenarios.All.Contains(name)
            ? NotFound("scenario", name, LabScenarios.All)
            : Answer(await lab.BuildAsync(name, cancellationToken));

    private static async Task<Results<Ok<LabAction>, ProblemHttpResult>> Remove(string name, LabService lab, CancellationToken cancellationToken) =>
        !LabScenarios.All.Contains(name)
            ? NotFound("scenario", name, LabScenarios.All)
            : Answer(await lab.RemoveAsync(name, cancellationToken));

    private static async Task<Results<Ok<LabAction>, ProblemHttpResult>> Inject(string name, LabService lab, CancellationToken cancellationToken) =>
        !LabFaults.All.Contains(name)
            ? NotFound("fault", name, LabFaults.All)
            : Answer(await lab.InjectAsync(name, cancellationToken));

    private static async Task<Results<Ok<LabAction>, ProblemHttpResult>> Heal(string name, LabService lab, CancellationToken cancellationToken) =>
        !LabFaults.All.Contains(name)
            ? NotFound("fault", name, LabFaults.All)
            : Answer(await lab.HealAsync(name, cancellationToken));

    private static async Task<Ok<LabAction>> Reset(LabService lab, CancellationToken cancellationToken) =>
        TypedResults.Ok((await lab.ResetAsync(cancellationToken)).Action!);

    private static async Task<Results<Ok<LabAction>, ProblemHttpResult>> FixFinding(string id, TopologyStore store, LabService lab, CancellationToken cancellationToken)
    {
        var finding = (await store.GetAsync(fresh: false, cancellationToken)).Findings.FirstOrDefault(f => f.Id == id);
        if (finding is null)
            return TypedResults.Problem($"No current finding has the id '{Echo(id)}' (it may have been fixed meanwhile; GET /api/findings lists them).", statusCode: StatusCodes.Status404NotFound, title: "No such finding");
        return await Fix(finding.Id, finding.Fix, lab, cancellationToken);
    }

    private static async Task<Results<Ok<LabAction>, ProblemHttpResult>> FixDiagnosis(string id, DiagnosisService diagnoses, LabService lab, CancellationToken cancellationToken)
    {
        var diagnosis = await diagnoses.GetAsync(id, cancellationToken);
        if (diagnosis is null)
            return TypedResults.Problem($"No diagnosis has the id '{(RandomIds.IsWellFormed(id) ? id : "…")}'.", statusCode: StatusCodes.Status404NotFound, title: "No such diagnosis");
        if (diagnosis.RootCause is not { } cause)
            return TypedResults.Problem(diagnosis.Status == DiagnosisStatus.Running
                    ? "The diagnosis is still running; its root cause is not known yet."
                    : "The diagnosis found no root cause, so there is no fix to apply.",
                statusCode: StatusCodes.Status409Conflict, title: "No root cause");
        return await Fix(diagnosis.Id, cause.Fix, lab, cancellationToken);
    }

    /// <summary>The server's own fix lines (never the request's): parsed strictly, checked against lab-only mode, run.</summary>
    private static async Task<Results<Ok<LabAction>, ProblemHttpResult>> Fix(string target, IReadOnlyList<string> lines, LabService lab, CancellationToken cancellationToken)
    {
        var (commands, problem) = FixCommands.Parse(lines);
        if (commands is null)
            return TypedResults.Problem(problem, statusCode: StatusCodes.Status409Conflict, title: "This fix needs a person");
        if (lab.Changes == LabChanges.Lab && FixCommands.OutsideLab(commands, lab.Catalog.Prefix) is { } outside)
            return TypedResults.Problem(
                $"In lab mode (--lab) the dashboard changes only lab namespaces ({lab.Catalog.Prefix}…), and `{outside}` acts outside them. Run it yourself, or start with Dashboard:AllowChanges=true.",
                statusCode: StatusCodes.Status403Forbidden, title: "Outside the lab");
        return Answer(await lab.FixAsync(target, commands, cancellationToken));
    }

    private static Results<Ok<LabAction>, ProblemHttpResult> Answer(LabOutcome outcome) =>
        outcome.Action is { } action
            ? TypedResults.Ok(action)
            : TypedResults.Problem(outcome.Detail, statusCode: outcome.Status, title: outcome.Title);

    private static ProblemHttpResult NotFound(string what, string name, IReadOnlyList<string> known) =>
        TypedResults.Problem($"There is no lab {what} '{Echo(name)}'; the {what}s are: {string.Join(", ", known)}.",
            statusCode: StatusCodes.Status404NotFound, title: $"No such {what}");

    /// <summary>A name repeated only when it is a plain short word ([a-z0-9-]); hostile input is never echoed.</summary>
    private static string Echo(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') ? value : "…";
}

/// <summary>403 with how to enable it, unless the server may change the node (--lab, or Dashboard:AllowChanges=true).</summary>
internal static class ChangesAllowedExtensions
{
    /// <summary>
    /// The endpoints (or a group's) that change the node: refused with 403 unless changes are allowed, and said so
    /// in the OpenAPI document, in one place.
    /// </summary>
    public static TBuilder RequireChangesAllowed<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ChangesAllowedFilter>()
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
}

internal sealed class ChangesAllowedFilter(LabService lab) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        lab.Changes is null
            ? TypedResults.Problem($"This server does not change the node: lab mode and applying fixes are off. {LabService.HowToEnable}",
                statusCode: StatusCodes.Status403Forbidden, title: "Changes are not allowed")
            : await next(context);
}
