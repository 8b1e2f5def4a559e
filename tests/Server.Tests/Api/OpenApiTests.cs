using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dashboard.Server.Tests.Api;

/// <summary>
/// The OpenAPI document and its reference page: behind the token like everything else, the whole public contract
/// in the document, and a page that loads nothing from the internet.
/// </summary>
public sealed partial class OpenApiTests(SharedServer server) : IClassFixture<SharedServer>
{
    private const string DocumentPath = "/openapi/v1.json";
    private const string ReferencePath = "/scalar/";

    [Fact]
    public async Task The_openapi_document_needs_the_token()
    {
        using var anonymous = server.Factory.RawClient();

        using var response = await anonymous.GetAsync(DocumentPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // A script's answer, as for /api: a ProblemDetails, not the login page's HTML.
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("/api/topology", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_is_openapi_3_json_with_the_token()
    {
        using var response = await server.Client.GetAsync(DocumentPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz", "get")]
    [InlineData("/api/topology", "get")]
    [InlineData("/api/findings", "get")]
    [InlineData("/api/namespaces/{ns}/interfaces/{name}/counters", "get")]
    [InlineData("/api/diagnoses", "post")]
    [InlineData("/api/diagnoses/{id}", "get")]
    [InlineData("/api/snapshots", "get,post")]
    [InlineData("/api/snapshots/import", "post")]
    [InlineData("/api/snapshots/{id}", "delete,get")]
    [InlineData("/api/snapshots/{id}/export", "get")]
    [InlineData("/api/snapshots/{from}/compare/{to}", "get")]
    [InlineData("/api/lab", "delete,get")]
    [InlineData("/api/lab/scenarios/{name}", "delete,post")]
    [InlineData("/api/lab/faults/{name}", "delete,post")]
    [InlineData("/api/capabilities", "get")]
    [InlineData("/api/findings/{id}/fix", "post")]
    [InlineData("/api/diagnoses/{id}/fix", "post")]
    public async Task The_openapi_document_lists_each_route_of_the_contract_with_its_methods(string path, string methods)
    {
        using var document = await Document();

        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty(path, out var item), $"{path} is not in the document");
        var listed = item.EnumerateObject().Select(p => p.Name).Where(IsHttpMethod).Order(StringComparer.Ordinal);
        Assert.Equal(methods, string.Join(',', listed));
    }

    [Theory]
    [InlineData("Topology")]
    [InlineData("Finding")]
    [InlineData("Diagnosis")]
    [InlineData("DiagnosisRequest")]
    [InlineData("Snapshot")]
    [InlineData("SnapshotSummary")]
    [InlineData("SnapshotRequest")]
    [InlineData("TopologyComparison")]
    [InlineData("LabState")]
    [InlineData("LabAction")]
    [InlineData("Capabilities")]
    [InlineData("InterfaceCounters")]
    public async Task The_openapi_document_has_the_schema_of_each_wire_type(string name)
    {
        using var document = await Document();

        Assert.True(document.RootElement.GetProperty("components").GetProperty("schemas").TryGetProperty(name, out var schema), $"no schema {name}");
        Assert.Equal(JsonValueKind.Object, schema.ValueKind);
    }

    [Fact]
    public async Task The_snapshot_bodies_the_api_reads_and_writes_itself_are_described()
    {
        using var document = await Document();
        var paths = document.RootElement.GetProperty("paths");

        Assert.Equal("#/components/schemas/Snapshot", JsonSchemaRef(paths.GetProperty("/api/snapshots/{id}").GetProperty("get").GetProperty("responses").GetProperty("200")));
        Assert.Equal("#/components/schemas/Snapshot", JsonSchemaRef(paths.GetProperty("/api/snapshots/import").GetProperty("post").GetProperty("requestBody")));
        Assert.Equal("#/components/schemas/SnapshotRequest", JsonSchemaRef(paths.GetProperty("/api/snapshots").GetProperty("post").GetProperty("requestBody")));
        var topology = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("Snapshot").GetProperty("properties").GetProperty("topology");
        Assert.Equal(JsonValueKind.Object, topology.ValueKind);
    }

    [Fact]
    public async Task Every_route_that_changes_the_node_lists_its_403_and_nothing_else_does()
    {
        using var response = await server.Client.GetAsync(DocumentPath);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var changing = new List<string>();
        var other = new List<string>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var lists403 = operation.Value.GetProperty("responses").TryGetProperty("403", out _);
                var changes = path.Name.StartsWith("/api/lab", StringComparison.Ordinal) || path.Name.EndsWith("/fix", StringComparison.Ordinal);
                (changes ? changing : other).Add($"{operation.Name.ToUpperInvariant()} {path.Name} {(lists403 ? "403" : "-")}");
            }
        }

        Assert.True(changing.Count >= 8, string.Join('\n', changing));
        Assert.All(changing, o => Assert.EndsWith(" 403", o, StringComparison.Ordinal));
        Assert.All(other, o => Assert.EndsWith(" -", o, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_openapi_document_says_the_api_takes_a_bearer_token()
    {
        using var document = await Document();

        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("token");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task The_reference_page_without_the_token_is_the_login_page()
    {
        using var anonymous = server.Factory.RawClient();

        using var response = await anonymous.GetAsync(ReferencePath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Access token", html, StringComparison.Ordinal);
        Assert.DoesNotContain("scalar.js", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reference_page_loads_only_from_the_server()
    {
        using var response = await server.Client.GetAsync(ReferencePath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(AbsoluteUrl(), html);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups["src"].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.DoesNotContain("//", script, StringComparison.Ordinal);
            using var asset = await server.Client.GetAsync(new Uri(new Uri("http://localhost" + ReferencePath), script).PathAndQuery);
            Assert.True(asset.IsSuccessStatusCode, $"{script}: {(int)asset.StatusCode}");
        }
    }

    [Fact]
    public async Task The_reference_page_without_its_trailing_slash_redirects_to_it()
    {
        using var response = await server.Client.GetAsync("/scalar");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("scalar/", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    private async Task<JsonDocument> Document()
    {
        using var response = await server.Client.GetAsync(DocumentPath);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string? JsonSchemaRef(JsonElement withContent) =>
        withContent.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();

    private static bool IsHttpMethod(string name) => name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options" or "trace";

    /// <summary>Anything the browser could fetch from elsewhere: http(s) or protocol-relative URLs.</summary>
    [GeneratedRegex(@"(https?:)?//[a-z0-9]", RegexOptions.IgnoreCase)]
    private static partial Regex AbsoluteUrl();

    [GeneratedRegex("""<script[^>]*\ssrc="(?<src>[^"]*)"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSource();
}
