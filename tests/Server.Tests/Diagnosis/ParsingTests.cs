using System.Net;
using Dashboard.Server.Diagnosis;
using Dashboard.Server.Tests.Analysis;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>The pure pieces: parsers of captured tool output, the nftables evaluator, request validation, command building.</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData(0, "10.0.1.2 dev veth-red src 10.0.1.1 uid 0 \n    cache \n", "", "unicast", null, "veth-red", "10.0.1.1")]
    [InlineData(0, "10.5.1.1 via 10.0.1.2 dev v0 src 10.0.1.1 uid 0 \n    cache \n", "", "unicast", "10.0.1.2", "v0", "10.0.1.1")]
    [InlineData(0, "local 10.0.1.1 dev lo table local src 10.0.1.1 uid 0 \n    cache <local> \n", "", "local", null, "lo", "10.0.1.1")]
    [InlineData(0, "fd00::2 from :: dev v0 proto kernel src fd00::1 metric 256 pref medium\n", "", "unicast", null, "v0", "fd00::1")]
    public void Route_get_lines_are_read(int exit, string stdout, string stderr, string kind, string? via, string? dev, string? src)
    {
        var r = RouteGetResult.Parse(exit, stdout, stderr);
        Assert.Equal((kind, via, dev, src), (r.Kind, r.Via, r.Device, r.Source));
        Assert.True(r.Routed);
    }

    [Theory]
    [InlineData("RTNETLINK answers: Network is unreachable\n", "Network is unreachable")]
    [InlineData("RTNETLINK answers: Invalid argument\n", "Invalid argument")]
    [InlineData("RTNETLINK answers: No route to host\n", "No route to host")]
    public void Route_get_refusals_keep_the_kernels_words(string stderr, string error)
    {
        var r = RouteGetResult.Parse(2, "", stderr);
        Assert.False(r.Routed);
        Assert.Equal(error, r.Error);
    }

    [Fact]
    public void Ping_summaries_and_errors_are_read()
    {
        Assert.Equal(new PingResult(3, 3, null), PingResult.Parse(0, FakeRunner.PingOk("10.0.1.2"), ""));
        Assert.False(PingResult.Parse(1, FakeRunner.PingLost("10.0.1.2"), "").Answered);
        Assert.Equal("ping: connect: Network is unreachable", PingResult.Parse(2, "", "ping: connect: Network is unreachable\n").Error);
        Assert.Equal("ping: local error: message too long, mtu=1400",
            PingResult.Parse(1, "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms", "ping: local error: message too long, mtu=1400\n").Error);
    }

    [Fact]
    public void Captures_count_requests_and_replies_and_a_timeout_is_their_normal_end()
    {
        const string output = """
            16:23:08.622209 IP 10.0.1.1 > 10.0.1.2: ICMP echo request, id 26177, seq 1, length 64
            16:23:08.622233 IP 10.0.1.2 > 10.0.1.1: ICMP echo reply, id 26177, seq 1, length 64
            16:23:08.825034 IP 10.0.1.1 > 10.0.1.2: ICMP echo request, id 26177, seq 2, length 64
            """;
        Assert.Equal(new CaptureResult(2, 1, null), CaptureResult.Parse(124, output, "listening on v1, link-type EN10MB\n3 packets captured\n"));
        Assert.Equal("tcpdump: veth-red: That device is not up", CaptureResult.Parse(1, "", "tcpdump: veth-red: That device is not up\n").Error);
    }

    [Fact]
    public void Neighbour_states_and_sysctl_values_are_read()
    {
        Assert.Equal("REACHABLE", NeighbourState.Parse("10.0.1.2 lladdr 86:ce:2a:6a:1c:62 REACHABLE \n"));
        Assert.Equal("INCOMPLETE", NeighbourState.Parse("10.0.1.2 INCOMPLETE \n"));
        Assert.Null(NeighbourState.Parse(""));
        Assert.Equal(0, SysctlValue.Parse(0, "0\n"));
        Assert.Null(SysctlValue.Parse(255, ""));
    }

    // ---- nftables ----------------------------------------------------------------------------------

    /// <summary>`nft -j list ruleset` captured from a namespace: a drop by prefix + ICMP type, a reject by set, an accept of established traffic, and iptables-nft's INPUT.</summary>
    private const string Ruleset = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
         {"table": {"family": "inet", "name": "filt", "handle": 1}},
         {"chain": {"family": "inet", "table": "filt", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
         {"rule": {"family": "inet", "table": "filt", "chain": "input", "handle": 5, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "veth*"}}, {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "established"}}, {"accept": null}]}},
         {"rule": {"family": "inet", "table": "filt", "chain": "input", "handle": 2, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.0.1.0", "len": 24}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "icmp", "field": "type"}}, "right": "echo-request"}}, {"counter": {"packets": 0, "bytes": 0}}, {"drop": null}]}},
         {"rule": {"family": "inet", "table": "filt", "chain": "input", "handle": 4, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"set": ["10.0.3.2", "10.0.3.3"]}}}, {"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "icmp"}}, {"reject": {"type": "icmp", "expr": "port-unreachable"}}]}}
        ]}
        """;

    private static FirewallPacket In(string src, string dst, bool reply = false, string iface = "veth-blue") =>
        new(IPAddress.Parse(src), IPAddress.Parse(dst), reply, FirewallPacket.LocalIn, iface, null);

    [Fact]
    public void A_drop_by_prefix_and_icmp_type_is_found_with_its_table_chain_and_handle()
    {
        var set = NftRuleset.Parse(Ruleset)!;
        var hit = set.FindDrop(In("10.0.1.1", "10.0.1.2"))!;
        Assert.Equal(("inet", "filt", "input", 2L, true, "drop"), (hit.Family, hit.Table, hit.Chain, hit.Handle, hit.Certain, hit.Verdict));
        Assert.Equal("ip saddr 10.0.1.0/24 icmp type echo-request counter drop", hit.Text);
        Assert.Equal("nft delete rule inet filt input handle 2", NftRuleset.FixFor(hit, In("10.0.1.1", "10.0.1.2")));
    }

    [Fact]
    public void Rules_that_do_not_match_the_packet_are_passed_over()
    {
        var set = NftRuleset.Parse(Ruleset)!;
        Assert.Null(set.FindDrop(In("10.0.2.1", "10.0.1.2"))); // another source
        Assert.Null(set.FindDrop(In("10.0.1.1", "10.0.1.2", reply: true))); // a reply: established, accepted first
        Assert.Null(set.FindDrop(new FirewallPacket(IPAddress.Parse("10.0.1.1"), IPAddress.Parse("10.0.1.2"), false, FirewallPacket.LocalOut, null, "veth-blue")));
        var reject = set.FindDrop(In("10.0.9.1", "10.0.3.3"))!;
        Assert.Equal((4L, "reject"), (reject.Handle, reject.Verdict));
    }

    [Fact]
    public void A_drop_policy_is_found_unless_a_rule_accepts_first_and_named_sets_only_may_match()
    {
        const string json = """
            {"nftables": [{"table": {"family": "ip", "name": "f", "handle": 1}},
             {"chain": {"family": "ip", "table": "f", "name": "fwd", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
             {"chain": {"family": "ip", "table": "f", "name": "allowed", "handle": 2}},
             {"rule": {"family": "ip", "table": "f", "chain": "fwd", "handle": 3, "expr": [{"jump": {"target": "allowed"}}]}},
             {"rule": {"family": "ip", "table": "f", "chain": "allowed", "handle": 4, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "10.91.2.2"}}, {"accept": null}]}},
             {"rule": {"family": "ip", "table": "f", "chain": "allowed", "handle": 5, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@blocked"}}, {"drop": null}]}}
            ]}
            """;
        var set = NftRuleset.Parse(json)!;
        FirewallPacket Forward(string src, string dst) => new(IPAddress.Parse(src), IPAddress.Parse(dst), false, FirewallPacket.Forward, "r0", "r1");

        Assert.Null(set.FindDrop(Forward("10.91.1.1", "10.91.2.2")));
        // Whether or not the named set holds the source, the policy drops it.
        var policy = set.FindDrop(Forward("10.91.1.1", "10.91.2.3"))!;
        Assert.Equal(((long?)null, true, "fwd"), (policy.Handle, policy.Certain, policy.Chain));
        var accepting = NftRuleset.Parse(json.Replace("\"policy\": \"drop\"", "\"policy\": \"accept\"", StringComparison.Ordinal))!;
        var maybe = accepting.FindDrop(Forward("10.91.1.1", "10.91.2.3"))!;
        Assert.Equal((5L, false), (maybe.Handle, maybe.Certain));
        var ipv6 = set.FindDrop(new FirewallPacket(IPAddress.Parse("fd00::1"), IPAddress.Parse("fd00::2"), false, FirewallPacket.Forward, "r0", "r1"));
        Assert.Null(ipv6); // an ip-family chain does not see IPv6
        Assert.Null(NftRuleset.Parse("not json"));
    }

    [Fact]
    public void A_drop_policy_without_any_rule_is_certain_and_its_fix_accepts_the_traffic()
    {
        const string json = """
            {"nftables": [{"table": {"family": "inet", "name": "f", "handle": 1}},
             {"chain": {"family": "inet", "table": "f", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}]}
            """;
        var packet = In("10.0.1.1", "10.0.1.2");
        var hit = NftRuleset.Parse(json)!.FindDrop(packet)!;
        Assert.True(hit.Certain);
        Assert.Null(hit.Handle);
        Assert.Equal("nft add rule inet f input ip saddr 10.0.1.1 ip daddr 10.0.1.2 accept", NftRuleset.FixFor(hit, packet));
    }

    // ---- requests --------------------------------------------------------------------------------

    private static Topology Seed(out string redId, out string blueId)
    {
        var b = new TopologyBuilder();
        b.Root();
        var (red, blue, _, _) = b.SeedPair();
        var lonely = b.Netns("lonely");
        b.Veth(lonely, "bare", blue, "bare-peer");
        redId = red.Id;
        blueId = blue.Id;
        return b.Build();
    }

    [Theory]
    [InlineData("pod-red", "10.0.1.2", "10.0.1.2", null)]
    [InlineData("pod-red", " 10.0.1.2 ", "10.0.1.2", null)]
    [InlineData("root", "fd00::2", "fd00::2", null)]
    [InlineData("host", "pod-blue/veth-blue", "10.0.1.2", "pod-blue/veth-blue")]
    public void Good_requests_resolve_to_a_namespace_and_an_address(string source, string destination, string address, string? reference)
    {
        var topology = Seed(out _, out _);
        var (target, error) = DiagnosisRequestParser.Parse(topology, new DiagnosisRequest(source, destination));
        Assert.Null(error);
        Assert.Equal(address, target!.Destination.ToString());
        Assert.Equal(reference, target.DestinationReference);
    }

    [Fact]
    public void A_namespace_id_works_on_both_sides()
    {
        var topology = Seed(out var red, out var blue);
        var (target, error) = DiagnosisRequestParser.Parse(topology, new DiagnosisRequest(red, $"{blue}/veth-blue"));
        Assert.Null(error);
        Assert.Equal((red, "10.0.1.2"), (target!.Source.Id, target.Destination.ToString()));
    }

    [Theory]
    [InlineData(null, "10.0.1.2", "'source' is required")]
    [InlineData("", "10.0.1.2", "'source' is required")]
    [InlineData("pod-red", null, "'destination' is required")]
    [InlineData("pod-nope", "10.0.1.2", "no namespace is known as 'pod-nope'")]
    [InlineData("pod-red; rm -rf /", "10.0.1.2", "no namespace is known as")]
    [InlineData("pod-red", "10.0.1", "is not an IPv4 address")]
    [InlineData("pod-red", "1", "is not an IPv4 address")]
    [InlineData("pod-red", "10.0.1.256", "is not an IP address")]
    [InlineData("pod-red", "10.0.1.2/24", "is a prefix")]
    [InlineData("pod-red", "fe80::1%eth0", "is not an IP address")]
    [InlineData("pod-red", "fe80::1", "link-local")]
    [InlineData("pod-red", "0.0.0.0", "not a unicast address")]
    [InlineData("pod-red", "224.0.0.1", "not a unicast address")]
    [InlineData("pod-red", "255.255.255.255", "not a unicast address")]
    [InlineData("pod-red", "example.com", "neither an IP address nor")]
    [InlineData("pod-red", "pod-nope/veth-blue", "no namespace is known as 'pod-nope'")]
    [InlineData("pod-red", "pod-blue/eth9", "has no interface 'eth9'")]
    [InlineData("pod-red", "lonely/bare", "has no IPv4 address")]
    [InlineData("pod-red", "pod-blue/", "neither an IP address nor")]
    public void Bad_requests_say_what_is_wrong(string? source, string? destination, string expected)
    {
        var topology = Seed(out _, out _);
        var (target, error) = DiagnosisRequestParser.Parse(topology, new DiagnosisRequest(source, destination));
        Assert.Null(target);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "10.0.1.2", true)]
    [InlineData("pod-red", "10.0.1", true)]
    [InlineData("pod-red", "pod-blue/", true)]
    [InlineData("pod-red", "example.com", true)]
    [InlineData("pod-new", "10.0.1.2", false)]
    [InlineData("pod-red", "pod-new/eth0", false)]
    public void Requests_that_no_fresh_read_can_mend_are_malformed(string? source, string? destination, bool malformed) =>
        Assert.Equal(malformed, DiagnosisRequestParser.IsMalformed(new DiagnosisRequest(source, destination)));

    // ---- commands --------------------------------------------------------------------------------

    [Fact]
    public void Commands_reach_each_namespace_the_way_an_operator_does()
    {
        var b = new TopologyBuilder();
        var root = b.Root();
        var named = b.Netns("pod-red");
        var byPid = b.Process("pid 1000 (sleep)");
        var byPath = b.Process("docker1", withPath: true);
        var topology = b.Build();
        var exec = new NamespaceExec(root.Id);
        NetworkNamespace Ns(TopologyBuilder.Ns n) => topology.FindNamespace(n.Id)!;

        Assert.Equal("ip route get 10.0.1.2", exec.Ip(Ns(root), "route", "get", "10.0.1.2").Display);
        var ip = exec.Ip(Ns(named), "route", "get", "10.0.1.2");
        Assert.Equal(("ip", "ip -n pod-red route get 10.0.1.2"), (ip.Program, ip.Display));
        Assert.Equal(["-n", "pod-red", "route", "get", "10.0.1.2"], ip.Arguments);
        Assert.Equal("ip netns exec pod-red ping -c 1 10.0.1.2", exec.Exec(Ns(named), "ping", "-c", "1", "10.0.1.2").Display);
        Assert.Equal("nsenter -t 1000 -n ip route get 10.0.1.2", exec.Ip(Ns(byPid), "route", "get", "10.0.1.2").Display);
        Assert.Equal("nsenter --net=/var/run/docker/netns/docker1 sysctl -n net.ipv4.ip_forward", exec.Exec(Ns(byPath), "sysctl", "-n", "net.ipv4.ip_forward").Display);
        Assert.Equal("ip netns exec pod-red sysctl -w net.ipv4.ip_forward=1", Dashboard.Server.Analysis.Commands.InNamespace(Ns(named), "sysctl -w net.ipv4.ip_forward=1"));
        Assert.Equal("sysctl -w net.ipv4.ip_forward=1", Dashboard.Server.Analysis.Commands.InNamespace(Ns(root), "sysctl -w net.ipv4.ip_forward=1"));
        var stopped = NamespaceExec.StopAfter(exec.Exec(Ns(named), "tcpdump", "-i", "veth-red"), 1.5);
        Assert.Equal(("timeout", "ip netns exec pod-red tcpdump -i veth-red"), (stopped.Program, stopped.Display));
        Assert.Equal(["-s", "INT", "1.5", "ip", "netns", "exec", "pod-red", "tcpdump", "-i", "veth-red"], stopped.Arguments);
    }

    [Theory]
    [InlineData("pod-red", "pod-red")]
    [InlineData("-n", null)]
    [InlineData("two words", null)]
    [InlineData("", null)]
    public void Only_plain_names_reach_an_argument_list(string name, string? safe) => Assert.Equal(safe, NamespaceExec.SafeName(name));

    [Fact]
    public void Ids_are_22_url_safe_characters_of_128_random_bits()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => Storage.RandomIds.New()).ToList();
        Assert.All(ids, id => Assert.True(Storage.RandomIds.IsWellFormed(id), id));
        Assert.Equal(200, ids.Distinct().Count());
        Assert.False(Storage.RandomIds.IsWellFormed("../../etc/passwd"));
        Assert.False(Storage.RandomIds.IsWellFormed("short"));
    }
}
