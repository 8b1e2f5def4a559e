using Dashboard.Server.Storage;

namespace Dashboard.Server.Api;

/// <summary>
/// The database cannot serve the request (read-only, full, locked, corrupt, newer schema): 503 ProblemDetails whose
/// detail names the cause, instead of a 500. Nothing was changed (every write is one transaction).
/// </summary>
internal sealed class StorageProblemFilter : IEndpointFilter
{
    public const string Title = "Storage unavailable";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (StorageUnavailableException e)
        {
            context.HttpContext.Response.Headers.RetryAfter = "10";
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: Title,
                extensions: new Dictionary<string, object?> { ["fault"] = FaultName(e.Fault) });
        }
    }

    /// <summary>The fault as a fixed camelCase word for clients: readOnly, full, locked, corrupt, newerSchema, cannotOpen, other.</summary>
    public static string FaultName(StorageFault fault)
    {
        var name = fault.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }
}
