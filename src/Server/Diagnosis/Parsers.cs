using System.Globalization;
using System.Text.RegularExpressions;

namespace Dashboard.Server.Diagnosis;

/// <summary>
/// What `ip route get DST` answered. Kind: the route type ("unicast", "local", "broadcast", …), or
/// "error" when the kernel refused (<see cref="Error"/> holds its words: "Network is unreachable",
/// "No route to host" for an unreachable route, "Invalid argument" for a blackhole, "Permission denied"
/// for prohibit).
/// </summary>
internal sealed record RouteGetResult(string Kind, string? Destination, string? Via, string? Device, string? Source, string? Table, string? Error)
{
    public bool Routed => Kind is "unicast" or "local" && Device is not null;

    public bool IsLocal => Kind == "local";

    /// <summary>The address the next hop must answer ARP/NDP for: the gateway, or the destination itself.</summary>
    public string? NextHop => Via ?? Destination;

    /// <summary>Parses the first line of `ip route get` (stdout), or its error (stderr). Pure.</summary>
    public static RouteGetResult Parse(int exitCode, string stdout, string stderr)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim();
        if (exitCode != 0 || string.IsNullOrEmpty(line))
        {
            var message = stderr.Trim();
            const string prefix = "RTNETLINK answers: ";
            if (message.StartsWith(prefix, StringComparison.Ordinal)) message = message[prefix.Length..];
            return new RouteGetResult("error", null, null, null, null, null, message.Length == 0 ? $"exit code {exitCode}" : message.Split('\n')[0].Trim());
        }
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int i = 0;
        string kind = "unicast";
        if (words[0] is "local" or "broadcast" or "multicast" or "unicast" or "anycast" or "blackhole" or "unreachable" or "prohibit" or "throw" or "nat")
        {
            kind = words[0];
            i = 1;
        }
        string? destination = i < words.Length ? words[i++] : null;
        string? via = null, dev = null, src = null, table = null;
        for (; i < words.Length; i++)
        {
            string? Next() => i + 1 < words.Length ? words[++i] : null;
            switch (words[i])
            {
                case "via":
                    via = Next();
                    if (via is "inet" or "inet6") via = Next();
                    break;
                case "dev": dev = Next(); break;
                case "src": src = Next(); break;
                case "table": table = Next(); break;
                case "from" or "uid" or "proto" or "metric" or "pref" or "mark" or "iif" or "oif" or "tos" or "expires" or "mtu" or "scope" or "realm" or "realms":
                    Next();
                    break;
            }
        }
        return new RouteGetResult(kind, destination, via, dev, src, table, null);
    }
}

/// <summary>What ping reported: the summary line's counts, and the errors it printed. Pure.</summary>
internal sealed partial record PingResult(int Transmitted, int Received, string? Error)
{
    public bool Answered => Received > 0;

    public static PingResult Parse(int exitCode, string stdout, string stderr)
    {
        var match = Summary().Match(stdout);
        int transmitted = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        int received = match.Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        string? error = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (error is null && !match.Success && exitCode != 0) error = $"ping exited {exitCode}";
        // "From 10.0.1.1 icmp_seq=1 Destination Host Unreachable" is said on stdout.
        error ??= stdout.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("From ", StringComparison.Ordinal));
        return new PingResult(transmitted, received, error);
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+)(?: packets)? received")]
    private static partial Regex Summary();
}

/// <summary>What a short tcpdump saw: echo requests and replies (-n output, one packet a line). Pure.</summary>
internal sealed record CaptureResult(int Requests, int Replies, string? Error)
{
    public static CaptureResult Parse(int exitCode, string stdout, string stderr)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int requests = lines.Count(l => l.Contains("echo request", StringComparison.Ordinal));
        int replies = lines.Count(l => l.Contains("echo reply", StringComparison.Ordinal));
        // 124: stopped by timeout, the normal end of a capture that saw fewer packets than -c.
        string? error = exitCode is 0 or 124 ? null
            : stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {exitCode}";
        return new CaptureResult(requests, replies, error);
    }
}

/// <summary>`sysctl -n KEY`: the number it printed, or null. Pure.</summary>
internal static class SysctlValue
{
    public static int? Parse(int exitCode, string stdout) =>
        exitCode == 0 && int.TryParse(stdout.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}

/// <summary>`ip neigh show ADDR dev DEV`: the entry's state (REACHABLE, STALE, FAILED, INCOMPLETE, …), or null without entry. Pure.</summary>
internal static class NeighbourState
{
    public static string? Parse(string stdout)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (line is null) return null;
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 1 ? words[^1] : null;
    }
}
