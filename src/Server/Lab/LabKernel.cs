using System.Globalization;
using System.Text.Json;
using Dashboard.Server.Netlink;
using Dashboard.Server.Processes;

namespace Dashboard.Server.Lab;

/// <summary>A link as <c>ip -j addr show</c> shows it.</summary>
internal sealed record KernelLink(int Ifindex, string Name, bool Up, int Mtu, IReadOnlyList<string> Addresses, int? PeerIndex);

/// <summary>What the lab reads back from the kernel: its namespaces (/run/netns), their links (ip -j), an nft table.</summary>
internal sealed class LabKernel(ProcessRunner runner)
{
    public const string NetnsFolder = "/run/netns";

    /// <summary>Every iproute2 namespace whose name starts with <paramref name="prefix"/>, sorted.</summary>
    public static IReadOnlyList<string> Namespaces(string prefix)
    {
        if (!Directory.Exists(NetnsFolder)) return [];
        return [.. Directory.EnumerateFiles(NetnsFolder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    public static bool Exists(string ns) => File.Exists(Path.Combine(NetnsFolder, ns));

    /// <summary>The namespace id (inode), as API.md has it, or null when it is not there (or not mounted yet).</summary>
    public static string? Id(string ns) =>
        Native.TryStat(Path.Combine(NetnsFolder, ns), out _, out var inode, out _) ? inode.ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>The links of a namespace, or null when it cannot be read (gone).</summary>
    public async Task<IReadOnlyList<KernelLink>?> LinksAsync(string ns, CancellationToken cancellationToken)
    {
        var r = await runner.RunAsync("ip", ["-n", ns, "-j", "addr", "show"], cancellationToken: cancellationToken);
        if (!r.Succeeded || string.IsNullOrWhiteSpace(r.Stdout)) return null;
        try
        {
            using var doc = JsonDocument.Parse(r.Stdout);
            return [.. doc.RootElement.EnumerateArray().Select(e => new KernelLink(
                e.GetProperty("ifindex").GetInt32(),
                e.GetProperty("ifname").GetString() ?? "",
                e.TryGetProperty("flags", out var f) && f.EnumerateArray().Any(x => x.GetString() == "UP"),
                e.TryGetProperty("mtu", out var m) ? m.GetInt32() : 0,
                e.TryGetProperty("addr_info", out var a)
                    ? [.. a.EnumerateArray().Where(x => x.TryGetProperty("local", out _)).Select(x => $"{x.GetProperty("local").GetString()}/{x.GetProperty("prefixlen").GetInt32()}")]
                    : [],
                e.TryGetProperty("link_index", out var li) ? li.GetInt32() : null))];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }

    public async Task<KernelLink?> LinkAsync(string ns, string name, CancellationToken cancellationToken) =>
        (await LinksAsync(ns, cancellationToken))?.FirstOrDefault(l => l.Name == name);

    /// <summary>The veth in <paramref name="node"/> whose peer is <paramref name="pod"/>'s eth0 (the CNI plugin names it vethXXXXXXXX).</summary>
    public async Task<string?> HostSideVethAsync(string node, string pod, CancellationToken cancellationToken)
    {
        var eth0 = await LinkAsync(pod, "eth0", cancellationToken);
        if (eth0?.PeerIndex is not { } index) return null;
        return (await LinksAsync(node, cancellationToken))?.FirstOrDefault(l => l.Ifindex == index)?.Name;
    }

    /// <summary>The nft table exists and still holds a drop rule.</summary>
    public async Task<bool> NftTableDropsAsync(string ns, string table, CancellationToken cancellationToken)
    {
        var r = await runner.RunAsync("ip", ["netns", "exec", ns, "nft", "list", "table", "inet", table], cancellationToken: cancellationToken);
        return r.Succeeded && r.Stdout.Split('\n').Any(l => l.TrimEnd().EndsWith(" drop", StringComparison.Ordinal));
    }
}
