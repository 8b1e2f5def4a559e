using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>One command of the details drawer: what it shows, and the line to paste.</summary>
public sealed record DebugCommand(string Purpose, string Command);

/// <summary>
/// The seed document's "Debugging Commands", filled in with the real names of one interface,
/// its namespace and its veth peer. The namespace is addressed the way the server's commands do
/// (Server/Analysis/Commands.cs and the counters endpoint): nothing in the root namespace,
/// <c>ip -n NAME</c> / <c>ip netns exec NAME</c> for an iproute2 name, else <c>nsenter --net=PATH</c>
/// (or <c>nsenter -t PID -n</c> when no path is known). The client may not reference the server,
/// so these few lines are duplicated rather than shared; the forms must stay the same.
/// </summary>
public static class DebugCommands
{
    /// <summary>The characters a shell leaves alone in a word: the same set as the server's <c>Commands.Quote</c>.</summary>
    private static readonly SearchValues<char> Plain =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_+=:,./-");

    public static IReadOnlyList<DebugCommand> For(Topology topology, NetworkNamespace ns, NetworkInterface iface)
    {
        var name = Quote(iface.Name);
        var commands = new List<DebugCommand>
        {
            new("Link on this end (state UP, @ifN names the peer's ifindex)", Ip(ns, $"link show {name}")),
        };

        var peerNamespace = iface.Peer?.NamespaceId is { } peerId ? topology.FindNamespace(peerId) : null;
        var peer = peerNamespace is not null && iface.Peer?.Name is { } peerName
            ? peerNamespace.Interfaces.FirstOrDefault(i => i.Name == peerName)
            : null;
        if (peerNamespace is not null && iface.Peer?.Name is { } shownPeer)
            commands.Add(new($"Link on the peer's end ({peerNamespace.DisplayName})", Ip(peerNamespace, $"link show {Quote(shownPeer)}")));

        commands.Add(new("Addresses of this interface", Ip(ns, $"addr show dev {name}")));
        commands.Add(new("Routes of the namespace", Ip(ns, "route")));
        commands.Add(new("Counters: drops, errors, peer_ifindex", Exec(ns, $"ethtool -S {name}")));

        if (peer is not null && FirstIpv4(peer.Addresses) is { } target)
            commands.Add(new($"Ping the peer ({peer.Name}) from this namespace", Exec(ns, $"ping -c 3 {target}")));

        commands.Add(new("Capture traffic on this end", Exec(ns, $"tcpdump -i {name} -n")));

        var bridge = iface.Master ?? (iface.Kind == InterfaceKinds.Bridge ? iface.Name : null);
        if (bridge is not null)
        {
            commands.Add(new($"Members of bridge {bridge}", Ip(ns, $"link show master {Quote(bridge)}")));
            commands.Add(new("Bridge ports and their state", Bridge(ns, "link show")));
        }
        return commands;
    }

    /// <summary><c>ip</c> run in <paramref name="ns"/>, followed by <paramref name="arguments"/>.</summary>
    public static string Ip(NetworkNamespace ns, string arguments) =>
        ns.IsRoot ? $"ip {arguments}"
        : ns.Name is { Length: > 0 } name ? $"ip -n {Quote(name)} {arguments}"
        : $"{Nsenter(ns)} ip {arguments}";

    /// <summary>Any program run in <paramref name="ns"/>: <c>ip netns exec NAME</c>, nsenter, or nothing in the root namespace.</summary>
    public static string Exec(NetworkNamespace ns, string commandLine) =>
        ns.IsRoot ? commandLine
        : ns.Name is { Length: > 0 } name ? $"ip netns exec {Quote(name)} {commandLine}"
        : $"{Nsenter(ns)} {commandLine}";

    /// <summary><c>bridge</c> (iproute2) run in <paramref name="ns"/>; like <c>ip</c> it takes <c>-n NAME</c>.</summary>
    public static string Bridge(NetworkNamespace ns, string arguments) =>
        ns.IsRoot ? $"bridge {arguments}"
        : ns.Name is { Length: > 0 } name ? $"bridge -n {Quote(name)} {arguments}"
        : $"{Nsenter(ns)} bridge {arguments}";

    private static string Nsenter(NetworkNamespace ns) =>
        ns.Paths.Count > 0 ? $"nsenter --net={Quote(ns.Paths[0])}"
        : ns.Pids.Count > 0 ? $"nsenter -t {ns.Pids[0].ToString(CultureInfo.InvariantCulture)} -n"
        : $"nsenter --net=<netns-{ns.Id}>"; // found with neither a path nor a pid: cannot happen in practice

    /// <summary>The first IPv4 address of a list of CIDRs, without its prefix length.</summary>
    public static string? FirstIpv4(IEnumerable<string> addresses)
    {
        foreach (var cidr in addresses)
        {
            var slash = cidr.IndexOf('/', StringComparison.Ordinal);
            var address = slash < 0 ? cidr : cidr[..slash];
            if (IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork)
                return ip.ToString();
        }
        return null;
    }

    /// <summary>
    /// A word as the shell must see it: as is when it is plain (every name in practice), else in
    /// single quotes. A kernel interface or netns name may still hold <c>$</c>, <c>;</c> or backticks,
    /// and these lines are pasted into a root shell. Same rule as the server's <c>Commands.Quote</c>.
    /// </summary>
    public static string Quote(string word) =>
        word.Length > 0 && !word.AsSpan().ContainsAnyExcept(Plain) ? word : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
