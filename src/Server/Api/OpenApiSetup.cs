using System.Text.Json.Nodes;
using Dashboard.Shared;
using Microsoft.AspNetCore.Mvc;
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

    /// <summary>
    /// What the document says before its routes: the access rules, the errors, and the SignalR hub, which is part of
    /// the contract (API.md, "Live updates") but which OpenAPI cannot describe as a route.
    /// </summary>
    public const string Description =
        "Network namespaces, interfaces, findings, diagnoses, snapshots and lab mode of one Linux node. JSON is camelCase.\n\n"
        + "Every route but /healthz needs the access token as `Authorization: Bearer <token>` (or the login cookie); "
        + "a missing or wrong token gets 401. Anything that changes the node (the lab, applying a fix) answers 403 "
        + "unless the server allows changes (started with --lab, or `Dashboard:AllowChanges=true`). Errors are RFC 9457 ProblemDetails "
        + "(`application/problem+json`) with a `detail` saying what was wrong.\n\n"
        + "Live updates: the SignalR hub at `/hubs/topology` (not an HTTP route, so not listed below; it takes the token "
        + "as `access_token`, as SignalR clients send it). The server calls these client methods: "
        + "`TopologyChanged(topology)` (the whole topology, as GET /api/topology answers; clients that connect with "
        + "`?patches=true` get `TopologyPatched(patch)` instead), `FindingsChanged(findings)` (as GET /api/findings answers) "
        + "and `DiagnosisProgress(diagnosisId, step)` (each step of a running diagnosis). A client first reads the current "
        + "state, then applies what the hub pushes; updates are coalesced (no more than about 10 a second).";

    public static IServiceCollection AddDashboardOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o => o
            .AddSchemaTransformer(DescribeWireSchemas)
            .AddOperationTransformer(DescribeHandWrittenBodies)
            .AddOperationTransformer(DescribeAccessAndHeaders)
            .AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "netns-dashboard",
                Version = DocumentName,
                Description = Description,
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
            case "CreateDiagnosis":
                // The handler takes a missing body itself (400 with a useful detail); the contract's body is required.
                operation.RequestBody = await JsonBody<DiagnosisRequest>(context, cancellationToken);
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

    /// <summary>
    /// The wire as the server writes it: numbers are JSON numbers (the web defaults also read them from strings, which
    /// made every number "integer or string"), and the request fields API.md requires are strings, not null (null is a 400).
    /// </summary>
    private static Task DescribeWireSchemas(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String)
            && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        var property = context.JsonPropertyInfo;
        if (property is not null && schema.Type is { } nullable && nullable.HasFlag(JsonSchemaType.Null)
            && ((property.DeclaringType == typeof(DiagnosisRequest) && property.Name is "source" or "destination")
                || (property.DeclaringType == typeof(SnapshotRequest) && property.Name is "label")))
            schema.Type = nullable & ~JsonSchemaType.Null;
        return Task.CompletedTask;
    }

    /// <summary>
    /// What the generator cannot see: /healthz needs no token and answers 503 with the reasons; every /api route
    /// answers 401 without the token (the authentication handler, not the endpoint, says so); 201 and 202 carry a
    /// Location; 429 and 503 a Retry-After.
    /// </summary>
    private static async Task DescribeAccessAndHeaders(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var path = context.Description.RelativePath ?? "";
        operation.Responses ??= [];
        if (path == "healthz")
        {
            operation.Summary = "Whether discovery works here (root, iproute2 and ethtool present). No token needed; says only ok / not ok and why.";
            operation.Description = "200 with status ok, or degraded and the reasons when only the database cannot be used; 503 with status \"not ok\" and the reasons otherwise.";
            operation.Security = [];
            operation.Responses["200"] = HealthResponse("OK: discovery works (status ok, or degraded with the reasons).", "ok", "degraded");
            operation.Responses["503"] = HealthResponse("Discovery cannot work here: status \"not ok\" and the reasons.", "not ok");
            return;
        }
        if (!path.StartsWith("api/", StringComparison.Ordinal)) return;
        if (!operation.Responses.ContainsKey("401"))
            operation.Responses["401"] = new OpenApiResponse
            {
                Description = "Unauthorized: the access token is missing or wrong.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = await SchemaReference<ProblemDetails>(context, cancellationToken) },
                },
            };
        foreach (var (code, answer) in operation.Responses)
        {
            if (answer is not OpenApiResponse response) continue;
            (string Name, string Text)? header = code switch
            {
                "201" or "202" => ("Location", "Where the created resource is read (GET)."),
                "429" or "503" => ("Retry-After", "Seconds to wait before trying again."),
                _ => null,
            };
            if (header is not { } h) continue;
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[h.Name] = new OpenApiHeader { Description = h.Text, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        }
    }

    private static OpenApiResponse HealthResponse(string description, params string[] statuses) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "status" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. statuses.Select(JsonNode (s) => JsonValue.Create(s))] },
                        ["reasons"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                    },
                },
            },
        },
    };

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
