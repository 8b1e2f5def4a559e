using Dashboard.Client.Services;
using Dashboard.Shared;

namespace Dashboard.Client.Tests;

/// <summary>The seed's debugging commands, filled in for named, root and unnamed namespaces.</summary>
public sealed class DebugCommandsTests
{
    private static NetworkNamespace Ns(string id, string? name, bool root = false, string[]? paths = null, int[]? pids = null, NetworkInterface[]? interfaces = null) =>
        new(id, name, root, paths ?? (name is null ? [] : [$"/run/netns/{name}"]), pids ?? [],
            new NamespaceOwner(root ? NamespaceOwner.Host : NamespaceOwner.Netns, name), interfaces ?? [], []);

    private static NetworkInterface Veth(string name, string[] addresses, VethPeer? peer, string? master = null) =>
        new(7, name, InterfaceKinds.Veth, "4e:d6:72:0c:26:b7", 1500, true, "UP", master, addresses, peer);

    private static Topology Of(params NetworkNamespace[] namespaces) => new(DateTimeOffset.UnixEpoch, "node", namespaces, [], []);

    private static string[] Lines(Topology t, NetworkNamespace ns, NetworkInterface i) =>
        DebugCommands.For(t, ns, i).Select(c => c.Command).ToArray();

    [Fact]
    public void Named_namespaces_use_ip_n_and_ip_netns_exec_with_the_real_names()
    {
        var red = Veth("veth-red", ["10.0.1.1/24"], new VethPeer(6, "2", "veth-blue"));
        var blue = Veth("veth-blue", ["fe80::1/64", "10.0.1.2/24"], new VethPeer(7, "1", "veth-red"));
        var podRed = Ns("1", "pod-red", interfaces: [red]);
        var podBlue = Ns("2", "pod-blue", interfaces: [blue]);

        Assert.Equal(
        [
            "ip -n pod-red link show veth-red",
            "ip -n pod-blue link show veth-blue",
            "ip -n pod-red addr show dev veth-red",
            "ip -n pod-red route",
            "ip netns exec pod-red ethtool -S veth-red",
            "ip netns exec pod-red ping -c 3 10.0.1.2",
            "ip netns exec pod-red tcpdump -i veth-red -n",
        ], Lines(Of(podRed, podBlue), podRed, red));
        Assert.All(DebugCommands.For(Of(podRed, podBlue), podRed, red), c => Assert.False(string.IsNullOrWhiteSpace(c.Purpose)));
    }

    [Fact]
    public void The_root_namespace_gets_no_prefix_and_an_unnamed_peer_is_reached_through_its_path()
    {
        var hostSide = Veth("veth4f2a1b2", [], new VethPeer(3, "9", "eth0"), master: "cni0");
        var podSide = Veth("eth0", ["10.244.1.5/24"], new VethPeer(12, "1", "veth4f2a1b2"));
        var host = Ns("1", null, root: true, paths: [], pids: [1], interfaces: [hostSide]);
        var pod = Ns("9", null, paths: ["/var/run/docker/netns/abc123", "/proc/4242/ns/net"], pids: [4242], interfaces: [podSide]);

        Assert.Equal(
        [
            "ip link show veth4f2a1b2",
            "nsenter --net=/var/run/docker/netns/abc123 ip link show eth0",
            "ip addr show dev veth4f2a1b2",
            "ip route",
            "ethtool -S veth4f2a1b2",
            "ping -c 3 10.244.1.5",
            "tcpdump -i veth4f2a1b2 -n",
            "ip link show master cni0",
            "bridge link show",
        ], Lines(Of(host, pod), host, hostSide));
    }

    [Fact]
    public void An_unnamed_namespace_uses_nsenter_with_its_first_path_else_its_first_pid()
    {
        var eth0 = Veth("eth0", ["10.244.1.5/24"], null);
        var byPath = Ns("9", null, paths: ["/proc/4242/ns/net"], pids: [4242, 4243], interfaces: [eth0]);
        var byPid = Ns("9", null, paths: [], pids: [4242, 4243], interfaces: [eth0]);

        var path = Lines(Of(byPath), byPath, eth0);
        Assert.Contains("nsenter --net=/proc/4242/ns/net ip link show eth0", path);
        Assert.Contains("nsenter --net=/proc/4242/ns/net ip route", path);
        Assert.Contains("nsenter --net=/proc/4242/ns/net ethtool -S eth0", path);
        Assert.Contains("nsenter --net=/proc/4242/ns/net tcpdump -i eth0 -n", path);

        var pid = Lines(Of(byPid), byPid, eth0);
        Assert.Contains("nsenter -t 4242 -n ip link show eth0", pid);
        Assert.Contains("nsenter -t 4242 -n ip addr show dev eth0", pid);
        Assert.Contains("nsenter -t 4242 -n ethtool -S eth0", pid);
    }

    [Fact]
    public void A_bridge_member_lists_its_bridge_s_members_and_ports()
    {
        var member = Veth("veth-a", [], new VethPeer(2, "2", "eth0"), master: "br0");
        var lab = Ns("1", "lab", interfaces: [member]);
        var other = Ns("2", "pod-a", interfaces: [Veth("eth0", ["10.0.0.2/24"], new VethPeer(7, "1", "veth-a"))]);

        var lines = Lines(Of(lab, other), lab, member);

        Assert.Contains("ip -n lab link show master br0", lines);
        Assert.Contains("bridge -n lab link show", lines);
        Assert.Contains("ip -n pod-a link show eth0", lines);
    }

    [Fact]
    public void A_bridge_itself_lists_its_members()
    {
        var bridge = new NetworkInterface(3, "br0", InterfaceKinds.Bridge, null, 1500, true, "UP", null, ["10.0.0.1/24"], null);
        var lab = Ns("1", "lab", interfaces: [bridge]);

        var lines = Lines(Of(lab), lab, bridge);

        Assert.Contains("ip -n lab link show master br0", lines);
        Assert.Contains("bridge -n lab link show", lines);
    }

    [Fact]
    public void No_ping_when_the_peer_has_no_IPv4_address_or_is_unresolved()
    {
        var red = Veth("veth-red", ["10.0.1.1/24"], new VethPeer(6, "2", "veth-blue"));
        var podRed = Ns("1", "pod-red", interfaces: [red]);
        var podBlue = Ns("2", "pod-blue", interfaces: [Veth("veth-blue", ["fe80::1/64", "2001:db8::2/64"], new VethPeer(7, "1", "veth-red"))]);
        Assert.DoesNotContain(Lines(Of(podRed, podBlue), podRed, red), l => l.Contains("ping", StringComparison.Ordinal));

        var orphan = red with { Peer = new VethPeer(6, null, null) };
        var alone = Ns("1", "pod-red", interfaces: [orphan]);
        var lines = Lines(Of(alone), alone, orphan);
        Assert.DoesNotContain(lines, l => l.Contains("ping", StringComparison.Ordinal));
        Assert.Equal(1, lines.Count(l => l.Contains("link show", StringComparison.Ordinal))); // only this end
    }

    [Fact]
    public void A_name_the_shell_would_expand_is_single_quoted()
    {
        var evil = Veth("x$(reboot)", [], null);
        var ns = Ns("1", "it's", interfaces: [evil]);

        var lines = Lines(Of(ns), ns, evil);

        Assert.Contains("ip -n 'it'\\''s' link show 'x$(reboot)'", lines);
        Assert.Contains("ip netns exec 'it'\\''s' ethtool -S 'x$(reboot)'", lines);
    }

    [Theory]
    [InlineData(new[] { "fe80::1/64", "10.0.1.2/24" }, "10.0.1.2")]
    [InlineData(new[] { "192.168.7.9" }, "192.168.7.9")]
    [InlineData(new[] { "2001:db8::1/64" }, null)]
    [InlineData(new string[0], null)]
    public void The_first_IPv4_address_loses_its_prefix_length(string[] addresses, string? expected) =>
        Assert.Equal(expected, DebugCommands.FirstIpv4(addresses));
}
