using System.Globalization;
using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>How the snapshot pages write times, sides and places.</summary>
public static class SnapshotText
{
    /// <summary>"2026-11-27 12:00:05", in the browser's time zone.</summary>
    public static string Time(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static bool IsLive(string side) => string.Equals(side, SnapshotLimits.Live, StringComparison.OrdinalIgnoreCase);

    /// <summary>The page of a snapshot, relative to the app's base.</summary>
    public static string PageHref(string id) => $"snapshots/{Uri.EscapeDataString(id)}";

    /// <summary>The compare page, relative to the app's base; either side may be <see cref="SnapshotLimits.Live"/>.</summary>
    public static string CompareHref(string from, string to) => $"compare/{Uri.EscapeDataString(from)}/{Uri.EscapeDataString(to)}";

    /// <summary>"by alice", "automatic (schedule)", "imported"…: how a snapshot came to be.</summary>
    public static string Origin(string origin, string? takenBy) => origin switch
    {
        SnapshotOrigins.Import => takenBy is { Length: > 0 } ? $"imported by {takenBy}" : "imported",
        SnapshotOrigins.Schedule => "automatic (schedule)",
        SnapshotOrigins.Finding => takenBy is { Length: > 0 } ? $"automatic ({takenBy})" : "automatic (new finding)",
        _ => takenBy is { Length: > 0 } ? $"by {takenBy}" : "manual",
    };

    /// <summary>"pod-blue/veth-blue", naming the namespace as <paramref name="topology"/> knows it.</summary>
    public static string End(Topology? topology, LinkEnd end) =>
        $"{(topology?.FindNamespace(end.NamespaceId)?.DisplayName ?? end.NamespaceId)}/{end.Interface}";
}
