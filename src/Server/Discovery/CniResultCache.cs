using System.Text.Json;

namespace Dashboard.Server.Discovery;

/// <summary>What libcni's result cache (/var/lib/cni/results) says about one attachment.</summary>
internal sealed record CniAttachment(string ContainerId, string? NetworkName, string? InterfaceName, string? NetnsPath, string? PodNamespace, string? PodName)
{
    /// <summary>"namespace/pod" for Kubernetes pods, else the short container id.</summary>
    public string OwnerName => PodName is not null
        ? (PodNamespace is null ? PodName : $"{PodNamespace}/{PodName}")
        : ContainerId.Length > 12 ? ContainerId[..12] : ContainerId;

    public bool IsPod => PodName is not null;
}

/// <summary>Reads libcni's cache files (kind "cniCacheV1"). Pure parsing apart from listing the folder.</summary>
internal static class CniResultCache
{
    public static List<CniAttachment> Read(string directory, List<string> warnings)
    {
        var result = new List<CniAttachment>();
        if (!Directory.Exists(directory)) return result;
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                try
                {
                    var attachment = Parse(File.ReadAllText(file));
                    if (attachment is not null) result.Add(attachment);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A cache file removed while we list the folder is not worth a warning.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.Add($"Could not read the CNI result cache {directory}: {e.Message}");
        }
        return result;
    }

    public static CniAttachment? Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            string? containerId = GetString(root, "containerId");
            if (containerId is null) return null;
            string? podNamespace = null, podName = null;
            if (root.TryGetProperty("cniArgs", out var args) && args.ValueKind == JsonValueKind.Array)
            {
                foreach (var pair in args.EnumerateArray())
                {
                    if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2) continue;
                    var key = pair[0].ValueKind == JsonValueKind.String ? pair[0].GetString() : null;
                    var value = pair[1].ValueKind == JsonValueKind.String ? pair[1].GetString() : null;
                    if (key == "K8S_POD_NAMESPACE") podNamespace = value;
                    else if (key == "K8S_POD_NAME") podName = value;
                }
            }
            return new CniAttachment(containerId, GetString(root, "networkName"), GetString(root, "ifName"),
                GetString(root, "netns"), podNamespace, podName);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? GetString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
