using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Api;

/// <summary>
/// The public contract (../shared/API.md, beside the repository) against the OpenAPI document the server serves:
/// every route API.md names is there with its method, the query parameters and status codes API.md gives it, and the
/// field names it shows; the hub API.md describes is named in the document's description. Routes the document has
/// and API.md does not are printed, not failed (the contract says to add freely).
/// </summary>
public sealed class ApiContractTests(SharedServer server, ITestOutputHelper output) : IClassFixture<SharedServer>
{
    private const string DocumentPath = "/openapi/v1.json";

    [Fact]
    public void The_parser_reads_routes_codes_queries_and_fields_from_lines_bullets_tables_and_code_blocks()
    {
        const string sample = """
            # Sample

            ## Things

            `GET /api/things` — every thing. `GET /api/things?fresh=true&limit=5` re-reads first.

            ```json
            { "id": "t1", "kind": "veth",   // a comment, and "quoted words" in it
              "owner": { "name": "pod-red" }, "tags": ["a b"] }
            ```

            Prose after the block: "notAField" here is no key.

            `POST /api/things` with `{ "label": "x" }`
            answers `201` with a `Location`; a bad body gets `400`.

            - `GET /api/things/{id}` → `{ "id", "label", "takenAt" }`, or `404`.
            - `DELETE /api/things/{thingId}` → `204`. `GET /api/other` → `200`.
            - Pages: `/things/{id}` opens from a link (no method: not a route); see <as /api/things>.

            | method | path | codes |
            |---|---|---|
            | PUT | /api/things/{id}/name | 200, 409 |

            `GET /healthz` needs no token. `GET /healthz` → `200` when ok, `503` with the
            reason otherwise.

            ## Live

            Hub at `/hubs/things`. Methods: `ThingChanged(thing)`, `ThingsGone(ids)`; also `Plain` words.
            """;

        var routes = ApiContract.Parse(sample).ToDictionary(r => r.Key, StringComparer.Ordinal);

        Assert.Equal(new[] { "DELETE /api/things/{}", "GET /api/other", "GET /api/things", "GET /api/things/{}", "GET /healthz", "POST /api/things", "PUT /api/things/{}/name" },
            routes.Keys.Order(StringComparer.Ordinal));
        var list = routes["GET /api/things"];
        Assert.Equal(new[] { "fresh", "limit" }, list.Query);
        Assert.Empty(list.StatusCodes);
        Assert.Equal(new[] { "id", "kind", "name", "owner", "tags" }, list.Fields.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { 201, 400 }, routes["POST /api/things"].StatusCodes);
        Assert.Equal(new[] { "label" }, routes["POST /api/things"].Fields);
        Assert.Equal(new[] { 404 }, routes["GET /api/things/{}"].StatusCodes);
        Assert.Equal(new[] { "id", "label", "takenAt" }, routes["GET /api/things/{}"].Fields);
        Assert.Equal(new[] { 204 }, routes["DELETE /api/things/{}"].StatusCodes);
        Assert.Equal("/api/things/{thingId}", routes["DELETE /api/things/{}"].Path);
        Assert.Equal(new[] { 200 }, routes["GET /api/other"].StatusCodes);
        Assert.Equal(new[] { 200, 409 }, routes["PUT /api/things/{}/name"].StatusCodes);
        Assert.Equal(new[] { 200, 503 }, routes["GET /healthz"].StatusCodes);
        Assert.True(routes["GET /healthz"].NeedsNoToken);
        Assert.False(routes["GET /api/things"].NeedsNoToken);

        var hub = ApiContract.ParseHub(sample);
        Assert.Equal("/hubs/things", hub.Path);
        Assert.Equal(new[] { "ThingChanged", "ThingsGone" }, hub.Methods);
    }

    [Fact]
    public void The_contract_names_routes_the_parser_can_read()
    {
        var routes = ApiContract.Parse(ReadContract());

        foreach (var route in routes)
            output.WriteLine($"API.md: {route.Method} {route.Path}{(route.Query.Count > 0 ? "?" + string.Join('&', route.Query) : "")}"
                + $"{(route.StatusCodes.Count > 0 ? " → " + string.Join(", ", route.StatusCodes) : "")}{(route.NeedsNoToken ? " (no token)" : "")}");
        // A parser that stopped understanding API.md would otherwise pass everything below vacuously.
        Assert.True(routes.Count >= 5, $"only {routes.Count} routes read from API.md");
        Assert.Contains(routes, r => r.Key == "GET /api/topology");
    }

    [Fact]
    public async Task Each_route_of_the_contract_is_in_the_document_with_its_method()
    {
        using var document = await Document();
        var failures = new List<string>();

        foreach (var route in ApiContract.Parse(ReadContract()))
        {
            if (Operation(document, route) is null)
                failures.Add($"{route.Method} {route.Path}: not in the document ({DocumentPaths(document).Count(p => ApiContract.Template(p) == route.Template) switch { 0 => "no such path", _ => "the path is there without that method" }})");
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Each_status_code_the_contract_gives_a_route_is_among_its_responses()
    {
        using var document = await Document();
        var failures = new List<string>();
        var checkedCodes = 0;

        foreach (var route in ApiContract.Parse(ReadContract()))
        {
            if (Operation(document, route) is not { } operation) continue; // the test above says so
            var responses = operation.TryGetProperty("responses", out var r) ? r.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal) : [];
            foreach (var code in route.StatusCodes)
            {
                checkedCodes++;
                if (!responses.Contains(code.ToString(CultureInfo.InvariantCulture)))
                    failures.Add($"{route.Method} {route.Path}: API.md says {code}; the document's responses are {string.Join(", ", responses)}");
            }
        }

        output.WriteLine($"{checkedCodes} status codes checked");
        Assert.True(checkedCodes > 0, "API.md gave no status code the parser could read");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Each_query_parameter_the_contract_names_is_a_query_parameter_of_the_route()
    {
        using var document = await Document();
        var failures = new List<string>();

        foreach (var route in ApiContract.Parse(ReadContract()))
        {
            if (Operation(document, route) is not { } operation) continue;
            var query = operation.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal)
                : [];
            failures.AddRange(route.Query.Where(q => !query.Contains(q)).Select(q => $"{route.Method} {route.Path}: no query parameter '{q}'"));
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Each_field_the_contract_shows_for_a_route_is_in_its_body_or_answer()
    {
        using var document = await Document();
        var failures = new List<string>();

        foreach (var route in ApiContract.Parse(ReadContract()))
        {
            if (route.Fields.Count == 0 || Operation(document, route) is not { } operation) continue;
            var names = FieldNames(document, operation);
            var missing = route.Fields.Where(f => !names.Contains(f)).ToList();
            if (missing.Count > 0)
                failures.Add($"{route.Method} {route.Path}: API.md shows {string.Join(", ", missing)}; no such property in its request or response schemas");
            output.WriteLine($"{route.Method} {route.Path}: {route.Fields.Count} fields checked");
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task The_routes_the_contract_says_need_no_token_are_open_in_the_document_and_every_api_route_answers_401()
    {
        var contract = ReadContract();
        using var document = await Document();
        var failures = new List<string>();

        foreach (var route in ApiContract.Parse(contract).Where(r => r.NeedsNoToken))
        {
            // An operation's own empty security list overrides the document's: no token.
            if (Operation(document, route) is { } operation && !(operation.TryGetProperty("security", out var security) && security.GetArrayLength() == 0))
                failures.Add($"{route.Method} {route.Path}: API.md says it needs no token; the document asks for the token");
        }
        // API.md: a missing or wrong token gets 401 (whatever its wording, every /api route is behind the token).
        foreach (var (path, method, operation) in Operations(document).Where(o => o.Path.StartsWith("/api/", StringComparison.Ordinal)))
        {
            if (!operation.GetProperty("responses").TryGetProperty("401", out _))
                failures.Add($"{method.ToUpperInvariant()} {path}: no 401 (API.md: a missing or wrong token gets 401)");
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task The_document_names_the_hub_and_its_messages_as_the_contract_does()
    {
        var hub = ApiContract.ParseHub(ReadContract());
        using var document = await Document();
        var description = document.RootElement.GetProperty("info").GetProperty("description").GetString() ?? "";

        Assert.False(hub.Path is null, "API.md names no hub path (`/hubs/...`)");
        Assert.NotEmpty(hub.Methods);
        Assert.Contains(hub.Path!, description, StringComparison.Ordinal);
        foreach (var method in hub.Methods)
            Assert.Contains(method + "(", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_routes_the_contract_does_not_name_are_listed_in_the_output()
    {
        var named = ApiContract.Parse(ReadContract()).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        using var document = await Document();

        var extra = Operations(document)
            .Where(o => o.Path.StartsWith("/api/", StringComparison.Ordinal))
            .Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}")
            .Where(k => !named.Contains(ApiContract.Key(k[..k.IndexOf(' ', StringComparison.Ordinal)], k[(k.IndexOf(' ', StringComparison.Ordinal) + 1)..])))
            .ToList();

        output.WriteLine($"{extra.Count} /api operations in the document that API.md does not name (allowed: the contract is added to freely):");
        foreach (var route in extra)
            output.WriteLine("  " + route);
    }

    /// <summary>
    /// ../shared/API.md from the directory that holds Dashboard.sln (CI puts shared/ beside the clone); a clone
    /// on its own reads the repository's copy, docs/API.md.
    /// </summary>
    private static string ReadContract()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dashboard.sln")))
            directory = directory.Parent;
        Assert.False(directory is null, $"No directory above {AppContext.BaseDirectory} holds Dashboard.sln: cannot find the repository root, so not ../shared/API.md either.");
        var shared = Path.GetFullPath(Path.Combine(directory!.FullName, "..", "shared", "API.md"));
        var copy = Path.Combine(directory.FullName, "docs", "API.md");
        Assert.True(File.Exists(copy), $"The repository's copy of the API contract is missing: {copy}.");
        if (!File.Exists(shared)) return File.ReadAllText(copy);
        var contract = File.ReadAllText(shared);
        // Where both are, the copy must be the contract: a changed contract is copied in with the code that follows it.
        Assert.True(contract == File.ReadAllText(copy), $"docs/API.md differs from {shared}: copy the contract (cp ../shared/API.md docs/API.md) and follow it.");
        return contract;
    }

    private async Task<JsonDocument> Document()
    {
        using var response = await server.Client.GetAsync(DocumentPath);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<string> DocumentPaths(JsonDocument document) =>
        document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name);

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonDocument document) =>
        from path in document.RootElement.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        where method.Name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options" or "trace"
        select (path.Name, method.Name, method.Value);

    /// <summary>The operation for the route: same method, same path once parameter names are set aside.</summary>
    private static JsonElement? Operation(JsonDocument document, ContractRoute route) =>
        Operations(document)
            .Where(o => ApiContract.Key(o.Method, o.Path) == route.Key)
            .Select(o => (JsonElement?)o.Operation)
            .FirstOrDefault();

    /// <summary>Every property name reachable from the operation's request body and responses (through $ref, items, oneOf, ...).</summary>
    private static HashSet<string> FieldNames(JsonDocument document, JsonElement operation)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var schemas = document.RootElement.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var s) ? s : default;

        void Walk(JsonElement schema)
        {
            if (schema.ValueKind != JsonValueKind.Object) return;
            if (schema.TryGetProperty("$ref", out var reference) && reference.GetString() is { } target)
            {
                var id = target[(target.LastIndexOf('/') + 1)..];
                if (seen.Add(id) && schemas.ValueKind == JsonValueKind.Object && schemas.TryGetProperty(id, out var referenced))
                    Walk(referenced);
                return;
            }
            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in properties.EnumerateObject())
                {
                    names.Add(property.Name);
                    Walk(property.Value);
                }
            }
            foreach (var single in new[] { "items", "additionalProperties" })
                if (schema.TryGetProperty(single, out var inner)) Walk(inner);
            foreach (var many in new[] { "oneOf", "anyOf", "allOf" })
                if (schema.TryGetProperty(many, out var list) && list.ValueKind == JsonValueKind.Array)
                    foreach (var inner in list.EnumerateArray()) Walk(inner);
        }

        void WalkContent(JsonElement holder)
        {
            if (holder.TryGetProperty("content", out var content))
                foreach (var media in content.EnumerateObject())
                    if (media.Value.TryGetProperty("schema", out var schema)) Walk(schema);
        }

        if (operation.TryGetProperty("requestBody", out var body)) WalkContent(body);
        if (operation.TryGetProperty("responses", out var responses))
            foreach (var response in responses.EnumerateObject()) WalkContent(response.Value);
        return names;
    }
}

/// <summary>A route API.md names: method, path (as written), query parameters, status codes and field names it gives it.</summary>
internal sealed record ContractRoute(string Method, string Path, IReadOnlyList<string> Query, IReadOnlyList<int> StatusCodes, IReadOnlyList<string> Fields, bool NeedsNoToken)
{
    public string Template => ApiContract.Template(Path);

    public string Key => ApiContract.Key(Method, Path);
}

/// <summary>
/// A small, tolerant reader of API.md. A route is a method and a path (`GET /api/topology`, `POST /api/x?y=1`), in
/// prose, a list item or a table row. Status codes are the backticked three-digit numbers (`201`) after a route in
/// the same paragraph or item, or a table row's code cells. Field names are the JSON keys after it (`"id":`, or the
/// short form `{ "id", "label" }`), and those of a code block that follows the paragraph. "needs no token" after a
/// route marks it open.
/// </summary>
internal static partial class ApiContract
{
    public static string Template(string path)
    {
        var template = ParameterName().Replace(path, "{}");
        return template.Length > 1 ? template.TrimEnd('/') : template;
    }

    public static string Key(string method, string path) => $"{method.ToUpperInvariant()} {Template(path)}";

    public static IReadOnlyList<ContractRoute> Parse(string markdown)
    {
        var routes = new Dictionary<string, Builder>(StringComparer.Ordinal);
        var order = new List<string>();
        Builder? last = null; // the route a following code block belongs to

        Builder Route(string method, string rawPath)
        {
            var question = rawPath.IndexOf('?', StringComparison.Ordinal);
            var path = question < 0 ? rawPath : rawPath[..question];
            var key = Key(method, path);
            if (!routes.TryGetValue(key, out var route))
            {
                routes[key] = route = new Builder(method.ToUpperInvariant(), path);
                order.Add(key);
            }
            if (question >= 0)
                foreach (var pair in rawPath[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    var name = pair.Split('=')[0];
                    if (name.Length > 0 && !route.Query.Contains(name)) route.Query.Add(name);
                }
            return route;
        }

        foreach (var block in Blocks(markdown))
        {
            if (block.IsCode)
            {
                if (last is not null) last.AddFields(Keys(block.Text));
                continue;
            }
            if (block.IsHeading)
            {
                last = null;
                continue;
            }
            if (block.Cells is { } cells && TableRoute(cells) is { } row)
            {
                var route = Route(row.Method, row.Path);
                route.AddCodes(cells.Where(c => CodeCell().IsMatch(c)).SelectMany(c => Code().Matches(c).Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture))));
                last = route;
                continue;
            }

            var mentions = RouteMention().Matches(block.Text);
            if (mentions.Count == 0)
            {
                last = null;
                continue;
            }
            for (var i = 0; i < mentions.Count; i++)
            {
                var mention = mentions[i];
                var route = Route(mention.Groups["method"].Value, mention.Groups["path"].Value.TrimEnd('.', ',', ';', ':'));
                var end = i + 1 < mentions.Count ? mentions[i + 1].Index : block.Text.Length;
                var segment = block.Text[(mention.Index + mention.Length)..end];
                route.AddCodes(BacktickedCode().Matches(segment).Select(m => int.Parse(m.Groups["code"].Value, CultureInfo.InvariantCulture)));
                route.AddFields(Keys(segment));
                if (NoToken().IsMatch(segment)) route.NeedsNoToken = true;
                last = route;
            }
        }
        return order.Select(k => routes[k].Build()).ToList();
    }

    /// <summary>The hub: the first `/hubs/...` path, and the backticked client methods (`Name(`) of the part that names it.</summary>
    public static (string? Path, IReadOnlyList<string> Methods) ParseHub(string markdown)
    {
        var path = HubPath().Match(markdown);
        if (!path.Success) return (null, []);
        var start = markdown.LastIndexOf("\n#", path.Index, StringComparison.Ordinal);
        var end = markdown.IndexOf("\n#", path.Index, StringComparison.Ordinal);
        var section = markdown[(start < 0 ? 0 : start)..(end < 0 ? markdown.Length : end)];
        var methods = HubMethod().Matches(section).Select(m => m.Groups["name"].Value).Distinct(StringComparer.Ordinal).ToList();
        return (path.Groups["path"].Value, methods);
    }

    /// <summary>JSON keys in a shape: `"name":`, or a bare `"name"` listed in braces (`{ "id", "label" }`); never a value.</summary>
    private static IEnumerable<string> Keys(string text)
    {
        foreach (Match m in QuotedWord().Matches(text))
        {
            var before = text[..m.Index].TrimEnd();
            var after = text[(m.Index + m.Length)..].TrimStart();
            if (before.EndsWith(':')) continue; // a value
            if (after.StartsWith(':') || ((before.EndsWith('{') || before.EndsWith(',')) && (after.StartsWith(',') || after.StartsWith('}'))))
                yield return m.Groups["word"].Value;
        }
    }

    private static (string Method, string Path)? TableRoute(IReadOnlyList<string> cells)
    {
        var combined = string.Join(' ', cells.Select(c => c.Trim().Trim('`')));
        var mention = RouteMention().Match(combined);
        return mention.Success ? (mention.Groups["method"].Value, mention.Groups["path"].Value) : null;
    }

    private sealed record Block(string Text, bool IsCode, bool IsHeading, IReadOnlyList<string>? Cells);

    /// <summary>Paragraphs, list items, table rows, headings and fenced code blocks, in order.</summary>
    private static IEnumerable<Block> Blocks(string markdown)
    {
        var text = new StringBuilder();
        var inCode = false;
        foreach (var raw in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (!inCode && text.Length > 0) { yield return new Block(text.ToString(), false, false, null); text.Clear(); }
                if (inCode) { yield return new Block(text.ToString(), true, false, null); text.Clear(); }
                inCode = !inCode;
                continue;
            }
            if (inCode) { text.Append(raw).Append('\n'); continue; }
            var starts = line.Length == 0 || line.StartsWith('#') || line.StartsWith('|') || line.StartsWith("- ", StringComparison.Ordinal)
                || line.StartsWith("* ", StringComparison.Ordinal) || ListNumber().IsMatch(line);
            if (starts && text.Length > 0) { yield return new Block(text.ToString(), false, false, null); text.Clear(); }
            if (line.Length == 0) continue;
            if (line.StartsWith('#')) { yield return new Block(line, false, true, null); continue; }
            if (line.StartsWith('|'))
            {
                yield return new Block(line, false, false, line.Trim('|').Split('|'));
                continue;
            }
            text.Append(line).Append(' ');
        }
        if (text.Length > 0) yield return new Block(text.ToString(), inCode, false, null);
    }

    private sealed class Builder(string method, string path)
    {
        private readonly List<int> _codes = [];
        private readonly List<string> _fields = [];

        public List<string> Query { get; } = [];

        public bool NeedsNoToken { get; set; }

        public void AddCodes(IEnumerable<int> codes) => _codes.AddRange(codes.Where(c => !_codes.Contains(c)));

        public void AddFields(IEnumerable<string> fields)
        {
            foreach (var field in fields)
                if (!_fields.Contains(field)) _fields.Add(field);
        }

        public ContractRoute Build() => new(method, path, Query.ToList(), _codes.Order().ToList(), _fields.ToList(), NeedsNoToken);
    }

    [GeneratedRegex(@"\{[^}/]*\}")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"\b(?<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+`?(?<path>/[^\s`'""<>)\]|]*)")]
    private static partial Regex RouteMention();

    [GeneratedRegex("[1-5][0-9]{2}")]
    private static partial Regex Code();

    [GeneratedRegex(@"`(?<code>[1-5][0-9]{2})`")]
    private static partial Regex BacktickedCode();

    [GeneratedRegex(@"^\s*`?[1-5][0-9]{2}`?(\s*,\s*`?[1-5][0-9]{2}`?)*\s*$")]
    private static partial Regex CodeCell();

    [GeneratedRegex(@"needs no token|without (a|the) token|no token needed", RegexOptions.IgnoreCase)]
    private static partial Regex NoToken();

    [GeneratedRegex(@"""(?<word>[A-Za-z_][A-Za-z0-9_]*)""")]
    private static partial Regex QuotedWord();

    [GeneratedRegex(@"`(?<path>/hubs/[^`\s]+)`")]
    private static partial Regex HubPath();

    [GeneratedRegex(@"`(?<name>[A-Z][A-Za-z0-9]*)\(")]
    private static partial Regex HubMethod();

    [GeneratedRegex(@"^[0-9]+\.\s")]
    private static partial Regex ListNumber();
}
