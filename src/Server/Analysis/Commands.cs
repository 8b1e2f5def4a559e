using System.Buffers;
using Dashboard.Shared;

namespace Dashboard.Server.Analysis;

/// <summary>
/// Shell commands an operator can paste, addressing each namespace the way they can reach it:
/// <c>ip -n NAME</c> for an iproute2 name, plain <c>ip</c> in the root namespace,
/// <c>nsenter -t PID -n ip</c> through a process inside, else <c>nsenter --net=PATH ip</c>.
/// </summary>
internal static class Commands
{
    /// <summary>Stands in for a namespace nobody can name (the peer of a veth whose peer is missing).</summary>
    public const string UnknownNamespace = "<peer-namespace>";

    /// <summary>Stands in for the name of a peer nobody can see.</summary>
    public const string UnknownPeerName = "<peer-name>";

    private static readonly SearchValues<char> Plain =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_+=:,./-");

    /// <summary>`ip` prefixed so that it runs in <paramref name="ns"/>, followed by <paramref name="arguments"/>.</summary>
    public static string Ip(NetworkNamespace ns, string arguments) => $"{IpPrefix(ns)} {arguments}";

    public static string IpPrefix(NetworkNamespace ns)
    {
        if (ns.Name is { Length: > 0 } name) return $"ip -n {Quote(name)}";
        if (ns.IsRoot) return "ip";
        if (ns.Pids.Count > 0) return $"nsenter -t {ns.Pids[0]} -n ip";
        if (ns.Paths.Count > 0) return $"nsenter --net={Quote(ns.Paths[0])} ip";
        return $"nsenter --net=<netns-{ns.Id}> ip"; // found without a name, pid or path: cannot happen in practice
    }

    /// <summary>What `ip link ... netns X` accepts for <paramref name="ns"/>: its name, a pid inside, or a path.</summary>
    public static string NetnsArgument(NetworkNamespace ns)
    {
        if (ns.Name is { Length: > 0 } name) return Quote(name);
        if (ns.IsRoot) return "1";
        if (ns.Pids.Count > 0) return ns.Pids[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (ns.Paths.Count > 0) return Quote(ns.Paths[0]);
        return UnknownNamespace;
    }

    /// <summary>
    /// Any command run in <paramref name="ns"/> (sysctl, nft, …): <c>ip netns exec NAME …</c> for an iproute2
    /// name, plain in the root namespace, else <c>nsenter -t PID -n …</c> or <c>nsenter --net=PATH …</c>.
    /// </summary>
    public static string InNamespace(NetworkNamespace ns, string command)
    {
        if (ns.Name is { Length: > 0 } name) return $"ip netns exec {Quote(name)} {command}";
        if (ns.IsRoot) return command;
        if (ns.Pids.Count > 0) return $"nsenter -t {ns.Pids[0].ToString(System.Globalization.CultureInfo.InvariantCulture)} -n {command}";
        if (ns.Paths.Count > 0) return $"nsenter --net={Quote(ns.Paths[0])} {command}";
        return $"nsenter --net=<netns-{ns.Id}> {command}";
    }

    public static string LinkUp(NetworkNamespace ns, string device) => Ip(ns, $"link set {Quote(device)} up");

    public static string LinkDown(NetworkNamespace ns, string device) => Ip(ns, $"link set {Quote(device)} down");

    public static string AddressAdd(NetworkNamespace ns, string cidr, string device) => Ip(ns, $"addr add {cidr} dev {Quote(device)}");

    public static string AddressDelete(NetworkNamespace ns, string cidr, string device) => Ip(ns, $"addr del {cidr} dev {Quote(device)}");

    public static string Mtu(NetworkNamespace ns, string device, int mtu) => Ip(ns, $"link set {Quote(device)} mtu {mtu}");

    /// <summary>
    /// Recreates a veth pair as it was: created from <paramref name="a"/>'s namespace with its peer placed in
    /// <paramref name="bNamespace"/>, then MTU, bridge, addresses and link state restored on both ends.
    /// A null <paramref name="bNamespace"/> means the peer's namespace is unknown (a placeholder is written).
    /// </summary>
    public static IReadOnlyList<string> CreatePair(NetworkNamespace aNamespace, NetworkInterface a, NetworkNamespace? bNamespace, string? bName, NetworkInterface? b)
    {
        var sameNamespace = bNamespace is not null && bNamespace.Id == aNamespace.Id;
        var netns = sameNamespace ? "" : $" netns {(bNamespace is null ? UnknownNamespace : NetnsArgument(bNamespace))}";
        var mtuA = a.Mtu is > 0 and not 1500 ? $" mtu {a.Mtu}" : "";
        var mtuB = b is { Mtu: > 0 and not 1500 } ? $" mtu {b.Mtu}" : "";
        var commands = new List<string>
        {
            // An unknown name stays a bare placeholder: left unfilled, the shell refuses it.
            Ip(aNamespace, $"link add {Quote(a.Name)}{mtuA} type veth peer name {(bName is null ? UnknownPeerName : Quote(bName))}{mtuB}{netns}"),
        };
        commands.AddRange(Restore(aNamespace, a));
        if (b is not null && bNamespace is not null) commands.AddRange(Restore(bNamespace, b));
        return commands;
    }

    /// <summary>Bridge, addresses (not the kernel's IPv6 link-local one) and admin state of a recreated interface.</summary>
    private static IEnumerable<string> Restore(NetworkNamespace ns, NetworkInterface i)
    {
        if (i.Master is { } master) yield return Ip(ns, $"link set {Quote(i.Name)} master {Quote(master)}");
        foreach (var address in i.Addresses.Where(a => !IsIpv6LinkLocal(a)))
            yield return AddressAdd(ns, address, i.Name);
        if (i.AdminUp) yield return LinkUp(ns, i.Name);
    }

    public static bool IsIpv6LinkLocal(string address) => address.StartsWith("fe80:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Single-quotes a word when the shell would split or expand it.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && !word.AsSpan().ContainsAnyExcept(Plain) ? word : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    /// <summary>
    /// The words of <paramref name="line"/>, the reverse of <see cref="Quote"/>: plain words, and
    /// single-quoted words with the <c>'\''</c> escape. Null, with why, for anything else a shell would
    /// read differently (a <c>&lt;placeholder&gt;</c>, <c>$</c>, <c>;</c>, <c>|</c>, a comment, a
    /// backslash, a double quote…): such a line cannot run as it is.
    /// </summary>
    public static IReadOnlyList<string>? Split(string line, out string? error)
    {
        error = null;
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == ' ')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            if (c == '\'')
            {
                int close = line.IndexOf('\'', i + 1);
                if (close < 0) { error = "an unterminated quote"; return null; }
                word.Append(line, i + 1, close - i - 1);
                i = close;
                inWord = true;
                continue;
            }
            // Outside quotes, only the escaped quote of the '\'' escape.
            if (c == '\\' && i + 1 < line.Length && line[i + 1] == '\'')
            {
                word.Append('\'');
                i++;
                inWord = true;
                continue;
            }
            if (!Plain.Contains(c))
            {
                error = c switch
                {
                    '<' or '>' => "a <placeholder> or redirection a person has to fill in",
                    '#' => "a comment",
                    _ => $"'{c}', which only a shell understands",
                };
                return null;
            }
            word.Append(c);
            inWord = true;
        }
        if (inWord) words.Add(word.ToString());
        if (words.Count == 0) { error = "an empty command"; return null; }
        return words;
    }
}
