using System.Globalization;
using System.Text.Json;

namespace Dashboard.Server.Tests.Fixtures;

/// <summary>What iproute2 and ethtool say, to compare discovery against.</summary>
public static class Oracle
{
    public sealed record IpLink(int Ifindex, string Name, string? Kind, string? Address, int Mtu, string OperState,
        string? Master, int? LinkIndex, int? LinkNetnsId, string? LinkName, IReadOnlyList<string> Flags);

    /// <summary>`ip -n NS -j -d link show`.</summary>
    public static List<IpLink> Links(string ns)
    {
        using var doc = JsonDocument.Parse(Run.Ip("-n", ns, "-j", "-d", "link", "show"));
        return doc.RootElement.EnumerateArray().Select(e => new IpLink(
            e.GetProperty("ifindex").GetInt32(),
            e.GetProperty("ifname").GetString()!,
            e.TryGetProperty("linkinfo", out var li) && li.TryGetProperty("info_kind", out var k) ? k.GetString() : null,
            e.TryGetProperty("address", out var a) ? a.GetString() : null,
            e.GetProperty("mtu").GetInt32(),
            e.GetProperty("operstate").GetString()!,
            e.TryGetProperty("master", out var m) ? m.GetString() : null,
            e.TryGetProperty("link_index", out var lx) ? lx.GetInt32() : null,
            e.TryGetProperty("link_netnsid", out var nid) ? nid.GetInt32() : null,
            e.TryGetProperty("link", out var ln) && ln.ValueKind == JsonValueKind.String ? ln.GetString() : null,
            e.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!).ToArray()))
            .ToList();
    }

    /// <summary>Polls until the kernel reaches a state (operstate changes and namespace teardown are asynchronous).</summary>
    public static void WaitFor(Func<bool> condition, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException("the kernel did not reach the expected state in time");
            Thread.Sleep(20);
        }
    }

    /// <summary>An admin-up link whose operstate already agrees with its carrier (LOWER_UP).</summary>
    public static bool IsSettled(IpLink link)
    {
        if (!link.Flags.Contains("UP")) return true;
        return link.Flags.Contains("LOWER_UP")
            ? link.OperState is "UP" or "UNKNOWN"
            : link.OperState is "DOWN" or "LOWERLAYERDOWN" or "NOTPRESENT";
    }

    /// <summary>`ip -n NS -j netns list-id`: the namespace's nsid → iproute2 name of the namespace it stands for.</summary>
    public static Dictionary<int, string> NsidNames(string ns)
    {
        using var doc = JsonDocument.Parse(Run.Ip("-n", ns, "-j", "netns", "list-id"));
        return doc.RootElement.EnumerateArray()
            .Where(e => e.TryGetProperty("name", out _))
            .ToDictionary(e => e.GetProperty("nsid").GetInt32(), e => e.GetProperty("name").GetString()!);
    }

    /// <summary>peer_ifindex from `ip netns exec NS ethtool -S IF`.</summary>
    public static int EthtoolPeerIndex(string ns, string ifName)
    {
        var output = Run.Ok("ip", "netns", "exec", ns, "ethtool", "-S", ifName);
        foreach (var line in output.Split('\n'))
        {
            var t = line.Trim();
            if (t.StartsWith("peer_ifindex:", StringComparison.Ordinal))
                return int.Parse(t["peer_ifindex:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"ethtool -S {ifName} in {ns} shows no peer_ifindex:\n{output}");
    }

    /// <summary>`ip -n NS -j addr show`: interface name → CIDRs.</summary>
    public static Dictionary<string, List<string>> Addresses(string ns)
    {
        using var doc = JsonDocument.Parse(Run.Ip("-n", ns, "-j", "addr", "show"));
        return doc.RootElement.EnumerateArray().ToDictionary(
            e => e.GetProperty("ifname").GetString()!,
            e => e.GetProperty("addr_info").EnumerateArray()
                .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").ToList());
    }
}
