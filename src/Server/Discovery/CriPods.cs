using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dashboard.Server.Discovery;

/// <summary>
/// One pod sandbox as the CRI (containerd, CRI-O) reports it through crictl. <see cref="State"/>
/// comes from `crictl pods`; <see cref="NetnsPath"/> and <see cref="Pid"/> from `crictl inspectp`,
/// and stay null until the sandbox has been inspected.
/// </summary>
internal sealed record CriPod(string Id, string Name, string? Namespace, string? State, string? NetnsPath = null, int? Pid = null)
{
    public const string Ready = "SANDBOX_READY";
    public const string NotReady = "SANDBOX_NOTREADY";

    /// <summary>"namespace/pod", as <see cref="CniAttachment.OwnerName"/> names a pod.</summary>
    public string OwnerName => Namespace is null ? Name : $"{Namespace}/{Name}";

    public bool IsReady => State == Ready;
}

/// <summary>What a crictl output gave: the pods read, and why the rest could not be read (null when all could).</summary>
internal sealed record CriParse(IReadOnlyList<CriPod> Pods, string? Error);

/// <summary>
/// Pure parsers of crictl's JSON. Never throw: output that cannot be read gives the pods read
/// before the problem and a reason.
/// </summary>
internal static class CriPods
{
    /// <summary>
    /// `crictl pods -o json`: {"items":[{"id","metadata":{"name","uid","namespace","attempt"},"state",…}]}
    /// (very old crictl printed the array alone). Items without an id or a name are skipped.
    /// </summary>
    public static CriParse ParsePods(string json)
    {
        var pods = new List<CriPod>();
        var error = ReadValues(json, root =>
        {
            JsonElement items;
            if (root.ValueKind == JsonValueKind.Array) items = root;
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out var i) && i.ValueKind is JsonValueKind.Array or JsonValueKind.Null) items = i;
            else return $"expected {{\"items\":[…]}}, got {Describe(root)}";
            if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && ReadSandbox(item) is { } pod) pods.Add(pod);
                }
            }
            return null;
        });
        return new CriParse(pods, error);
    }

    /// <summary>
    /// `crictl inspectp -o json ID…`: per sandbox {"status":{"id","metadata","state",…},"info":{…}}.
    /// crictl prints several sandboxes as one array (cri-tools ≥ 1.30) or as objects one after another (older).
    /// The namespace is found in <c>info.runtimeSpec.linux.namespaces[type=network].path</c> (containerd
    /// and CRI-O) or <c>info.netNamespace</c> (early containerd), the pid in <c>info.pid</c> (containerd;
    /// CRI-O with an infra container; 0 or absent when there is no process, e.g. CRI-O's dropped infra container).
    /// </summary>
    public static CriParse ParseInspect(string json)
    {
        var pods = new List<CriPod>();
        var error = ReadValues(json, root =>
        {
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in root.EnumerateArray())
                {
                    if (e.ValueKind == JsonValueKind.Object && ReadInspect(e) is { } pod) pods.Add(pod);
                }
                return null;
            }
            if (root.ValueKind != JsonValueKind.Object)
                return $"expected {{\"status\":…,\"info\":…}}, got {Describe(root)}";
            if (ReadInspect(root) is { } one) pods.Add(one);
            return null;
        });
        return new CriParse(pods, error);
    }

    private static CriPod? ReadInspect(JsonElement e)
    {
        if (!e.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object) return null;
        var pod = ReadSandbox(status);
        if (pod is null) return null;
        string? netns = null;
        int? pid = null;
        if (e.TryGetProperty("info", out var infoValue) && AsObject(infoValue) is { } info)
        {
            // crictl puts each entry of the runtime's verbose map under its own key, and both runtimes
            // use the key "info"; a map printed one level deeper is read the same way.
            if (info.TryGetProperty("info", out var inner) && AsObject(inner) is { } nested) info = nested;
            netns = NetworkNamespacePath(info);
            if (info.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) && n > 0)
                pid = n;
        }
        return pod with { NetnsPath = netns, Pid = pid };
    }

    /// <summary>An object as it is, or one that crictl left as a string (a value it did not take for JSON), parsed.</summary>
    private static JsonElement? AsObject(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object) return e;
        if (e.ValueKind != JsonValueKind.String || e.GetString() is not { } text || !text.TrimStart().StartsWith('{')) return null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? NetworkNamespacePath(JsonElement info)
    {
        if (info.TryGetProperty("runtimeSpec", out var spec) && spec.ValueKind == JsonValueKind.Object
            && spec.TryGetProperty("linux", out var linux) && linux.ValueKind == JsonValueKind.Object
            && linux.TryGetProperty("namespaces", out var namespaces) && namespaces.ValueKind == JsonValueKind.Array)
        {
            foreach (var ns in namespaces.EnumerateArray())
            {
                if (ns.ValueKind == JsonValueKind.Object && GetString(ns, "type") == "network" && GetString(ns, "path") is { Length: > 0 } path)
                    return path;
            }
        }
        return GetString(info, "netNamespace") is { Length: > 0 } old ? old : null;
    }

    /// <summary>The fields a sandbox has in both outputs: id, metadata, state.</summary>
    private static CriPod? ReadSandbox(JsonElement e)
    {
        var id = GetString(e, "id");
        if (string.IsNullOrEmpty(id)) return null;
        if (!e.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object) return null;
        var name = GetString(metadata, "name");
        if (string.IsNullOrEmpty(name)) return null;
        var ns = GetString(metadata, "namespace");
        return new CriPod(id, name, string.IsNullOrEmpty(ns) ? null : ns, State(e));
    }

    /// <summary>"SANDBOX_READY"/"SANDBOX_NOTREADY"; the enum's number (0, 1) where an old crictl printed that.</summary>
    private static string? State(JsonElement e)
    {
        if (!e.TryGetProperty("state", out var s)) return null;
        return s.ValueKind switch
        {
            JsonValueKind.String => s.GetString(),
            JsonValueKind.Number when s.TryGetInt32(out var n) => n switch
            {
                0 => CriPod.Ready,
                1 => CriPod.NotReady,
                _ => n.ToString(CultureInfo.InvariantCulture),
            },
            _ => null,
        };
    }

    /// <summary>Reads every JSON value of <paramref name="json"/> (one, or several one after another) and hands each to <paramref name="read"/>.</summary>
    private static string? ReadValues(string? json, Func<JsonElement, string?> read)
    {
        if (string.IsNullOrWhiteSpace(json)) return "no output";
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            int values = 0;
            while (reader.Read())
            {
                using var doc = JsonDocument.ParseValue(ref reader);
                values++;
                if (read(doc.RootElement) is { } problem) return problem;
            }
            return values == 0 ? "no output" : null;
        }
        catch (JsonException e)
        {
            return $"not JSON: {e.Message}";
        }
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object without them",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => e.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string? GetString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
