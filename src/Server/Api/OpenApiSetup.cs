using Dashboard.Shared;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Dashboard.Server.Api;

/// <summary>
/// The OpenAPI document of the API (<see cref="DocumentPath"/>) and a page to browse it (<see cref="ReferencePath"/>),
/// both behind the access token like everything else (the fallback policy; neither is AllowAnonymous). The page is
/// Scalar's, with its script served by the server itself (no CDN), without its web fonts and without telemetry, so
/// it loads nothing from the internet.
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentName = "v1";

    public const string DocumentPath = "/openapi/v1.json";

    /// <summary>Where every document is served (<see cref="DocumentPath"/> is this one's).</summary>
    private const string DocumentRoute = "/openapi/{documentName}.json";

    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddDashboardOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o => o.AddOperationTransformer(DescribeHandWrittenBodies).AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "netns-dashboard",
                Version = DocumentName,
                Description = "Network namespaces, interfaces, findings, diagnoses, snapshots and lab mode of one Linux node. "
                    + "Every route but /healthz needs the access token as `Authorization: Bearer <token>` (or the login cookie).",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["token"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The dashboard's access token (printed at start, kept in the data directory's `token` file).",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("token", document)] = [] }];
            return Task.CompletedTask;
        }));

    /// <summary>
    /// The snapshot endpoints read and write some JSON themselves (size limits, stored documents sent as they are),
    /// so the generator cannot see those bodies: name them here.
    /// </summary>
    private static async Task DescribeHandWrittenBodies(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        switch (operation.OperationId)
        {
            case "CreateSnapshot":
                operation.RequestBody = await JsonBody<SnapshotRequest>(context, cancellationToken);
                break;
            case "ImportSnapshot":
                operation.RequestBody = await JsonBody<Snapshot>(context, cancellationToken);
                break;
            case "GetSnapshot" or "ExportSnapshot" when operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response:
                response.Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await SchemaReference<Snapshot>(context, cancellationToken) },
                };
                break;
        }
    }

    private static async Task<OpenApiRequestBody> JsonBody<T>(OpenApiOperationTransformerContext context, CancellationToken cancellationToken) => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new() { Schema = await SchemaReference<T>(context, cancellationToken) },
        },
    };

    private static async Task<IOpenApiSchema> SchemaReference<T>(OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
        if (context.Document is not { } document) return schema;
        var id = typeof(T).Name;
        if (document.Components?.Schemas?.ContainsKey(id) != true)
            document.AddComponent(id, schema);
        return new OpenApiSchemaReference(id, document);
    }

    public static WebApplication MapDashboardOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentRoute);
        app.MapScalarApiReference(ReferencePath, o => o
            .WithTitle("netns-dashboard API")
            .WithOpenApiRoutePattern(DocumentRoute)
            .AddDocument(DocumentName)
            .DisableDefaultFonts()
            .DisableTelemetry());
        return app;
    }
}
