using Dashboard.Server.Analysis;

namespace Dashboard.Server.Lab;

/// <summary>A fix line turned back into what runs: the program and its argument list.</summary>
internal sealed record ParsedCommand(string Line, string Program, IReadOnlyList<string> Arguments);

/// <summary>
/// Turns the server's own fix strings back into argument lists (<see cref="Commands.Split"/>, the reverse
/// of <c>Commands.Quote</c>). A line it cannot split, or a program other than ip, nft, nsenter or sysctl,
/// means the fix needs a person.
/// Then, in lab-only mode, every command must act inside a lab namespace. Pure.
/// </summary>
internal static class FixCommands
{
    public static readonly IReadOnlySet<string> Programs = new HashSet<string>(StringComparer.Ordinal) { "ip", "nft", "nsenter", "sysctl" };

    /// <summary>Every line parsed, or the first that cannot run as it is and why.</summary>
    public static (IReadOnlyList<ParsedCommand>? Commands, string? Problem) Parse(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0) return (null, "this fix has no commands");
        var parsed = new List<ParsedCommand>();
        foreach (var line in lines)
        {
            var words = Commands.Split(line, out var error);
            if (words is null) return (null, $"this fix needs a person: {error} in `{line}`");
            if (!Programs.Contains(words[0]))
                return (null, $"this fix needs a person: `{words[0]}` is not one of {string.Join(", ", Programs.Order())} in `{line}`");
            if (InnerProgram(words) is { } inner && !Programs.Contains(inner))
                return (null, $"this fix needs a person: `{inner}` is not one of {string.Join(", ", Programs.Order())} in `{line}`");
            if (words[0] == "ip" && words.Skip(1).Any(w => w.StartsWith("-b", StringComparison.Ordinal) || w.StartsWith("--b", StringComparison.Ordinal) || w is "-force" or "--force"))
                return (null, $"this fix needs a person: ip batch mode in `{line}`");
            parsed.Add(new ParsedCommand(line, words[0], words.Skip(1).ToList()));
        }
        return (parsed, null);
    }

    /// <summary>The program run inside a namespace: `ip netns exec NS PROG`, `nsenter … PROG`; null when there is none.</summary>
    private static string? InnerProgram(IReadOnlyList<string> words)
    {
        // ip reads "ne", "net", "netn" as "netns" and "e", "ex"… as "exec".
        bool netnsExec = words[0] == "ip" && words.Count >= 3 && words[1].Length >= 2 && "netns".StartsWith(words[1], StringComparison.Ordinal)
            && "exec".StartsWith(words[2], StringComparison.Ordinal) && words[2].Length > 0;
        if (netnsExec) return words.Count >= 5 ? words[4] : "";
        if (words[0] == "nsenter")
        {
            for (int i = 1; i < words.Count; i++)
            {
                var w = words[i];
                if (w == "-t") { i++; continue; }
                if (w.StartsWith('-')) continue;
                return w;
            }
            return "";
        }
        return null;
    }

    /// <summary>
    /// Lab-only mode: null when every command acts inside a lab namespace, else the first line that does not.
    /// Allowed shapes only (ip takes abbreviations and double-dash options, so refusing known words would leak):
    /// <c>ip -n LAB OBJECT …</c> and <c>ip netns exec LAB ip OBJECT …</c> with OBJECT one of link, addr, address,
    /// route, neigh, rule, no further option, and every <c>netns X</c> a lab namespace too; <c>ip netns add|del LAB</c>;
    /// <c>ip netns exec LAB nft …</c>; <c>ip netns exec LAB sysctl [-w|-q] net.…</c> (only the net.* keys belong
    /// to a network namespace; the others are the whole machine's).
    /// </summary>
    public static string? OutsideLab(IReadOnlyList<ParsedCommand> commands, string prefix)
    {
        bool IsLab(string name) => name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal);
        foreach (var c in commands)
        {
            var a = c.Arguments;
            bool inside = c.Program == "ip" && a.Count >= 3 && (
                (a[0] == "-n" && IsLab(a[1]) && IpInside(a.Skip(2).ToList(), IsLab))
                || (a[0] == "netns" && a[1] is "add" or "del" or "delete" && a.Count == 3 && IsLab(a[2]))
                || (a[0] == "netns" && a[1] == "exec" && IsLab(a[2]) && a.Count >= 4 && a[3] switch
                {
                    "ip" => IpInside(a.Skip(4).ToList(), IsLab),
                    "nft" => true,
                    "sysctl" => a.Skip(4).All(w => w is "-w" or "-q" || (!w.StartsWith('-') && w.StartsWith("net.", StringComparison.Ordinal))) && a.Count > 4,
                    _ => false,
                }));
            if (!inside) return c.Line;
        }
        return null;
    }

    private static readonly HashSet<string> IpObjects = new(StringComparer.Ordinal) { "link", "addr", "address", "route", "neigh", "rule" };

    /// <summary>The words after <c>ip -n LAB</c>: a known object, no option (a second -n, --net, -batch…), every namespace named a lab one.</summary>
    private static bool IpInside(List<string> words, Func<string, bool> isLab)
    {
        if (words.Count == 0 || !IpObjects.Contains(words[0])) return false;
        for (int i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (w.StartsWith('-')) return false;
            // `netns` and what ip reads as it (ne, net, netn); link-netns and link-netnsid point elsewhere too.
            if (w.Length >= 2 && "netns".StartsWith(w, StringComparison.Ordinal))
            {
                if (i + 1 >= words.Count || !isLab(words[i + 1])) return false;
                i++;
            }
            else if (w.Contains("netns", StringComparison.Ordinal) || w.StartsWith("link-net", StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
