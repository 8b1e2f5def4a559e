using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Dashboard.Client.Components;
using Dashboard.Client.Services;
using Dashboard.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client.Tests;

/// <summary>The details drawer on plain records, its counters read through a canned HTTP answer.</summary>
public sealed class InterfaceDetailsTests : DashboardTestContext
{
    private const string RedId = "4026532176";
    private const string BlueId = "4026532245";
    private const string HostId = "4026531840";

    private const string CountersJson = """
        {
          "namespaceId": "4026532176", "interface": "veth-red",
          "counters": { "rx_packets": 10, "rx_drops": 3, "tx_errors": 0, "peer_ifindex": 6, "rx_queue_0_xdp_drops": 0 },
          "peerIfindex": 6,
          "command": "ip netns exec pod-red ethtool -S veth-red",
          "warnings": [],
          "readAt": "2026-11-27T12:00:00Z"
        }
        """;

    private readonly Canned _http = new();
    private readonly ManualTime _time = new();

    public InterfaceDetailsTests()
    {
        Services.AddSingleton(new DashboardApi(new HttpClient(_http) { BaseAddress = new Uri("http://127.0.0.1:5080/") }));
        Services.AddSingleton<TimeProvider>(_time);
    }

    private static Topology Node()
    {
        var red = new NetworkInterface(7, "veth-red", InterfaceKinds.Veth, "4e:d6:72:0c:26:b7", 1500, true, "UP", null,
            ["10.0.1.1/24", "fe80::4cd6:72ff:fe0c:26b7/64"], new VethPeer(6, BlueId, "veth-blue")) { LowerUp = true, LinkKind = "veth" };
        var lo = new NetworkInterface(1, "lo", InterfaceKinds.Loopback, null, 65536, true, "UNKNOWN", null, ["127.0.0.1/8"], null) { LowerUp = true };
        var blue = new NetworkInterface(6, "veth-blue", InterfaceKinds.Veth, "a2:11:22:33:44:55", 1400, false, "DOWN", null,
            ["10.0.1.2/24"], new VethPeer(7, RedId, "veth-red"));
        var cni0 = new NetworkInterface(3, "cni0", InterfaceKinds.Bridge, "aa:bb:cc:dd:ee:ff", 1500, true, "UP", null, ["10.244.1.1/24"], null) { LowerUp = true };
        var hostVeth = new NetworkInterface(12, "vethabc", InterfaceKinds.Veth, "aa:bb:cc:00:00:01", 1500, true, "UP", "cni0", [], new VethPeer(3, null, null)) { LowerUp = true };
        return new Topology(DateTimeOffset.UnixEpoch, "node-1",
        [
            new NetworkNamespace(HostId, null, true, [], [1], new NamespaceOwner(NamespaceOwner.Host, "node-1"), [cni0, hostVeth], [])
                { DisplayName = "host (node-1)" },
            new NetworkNamespace(RedId, "pod-red", false, ["/run/netns/pod-red"], [], new NamespaceOwner(NamespaceOwner.Netns, "pod-red"), [lo, red],
                [new Route("10.0.1.0/24", null, "veth-red", "main"), new Route("0.0.0.0/0", "10.0.1.254", "veth-red", "main"), new Route("127.0.0.0/8", null, "lo", "local")]),
            new NetworkNamespace(BlueId, "pod-blue", false, ["/run/netns/pod-blue"], [], new NamespaceOwner(NamespaceOwner.Netns, "pod-blue"), [blue],
                [new Route("10.0.1.0/24", null, "veth-blue", "main")]),
        ], [new Link(InterfaceKinds.Veth, new LinkEnd(RedId, "veth-red"), new LinkEnd(BlueId, "veth-blue"))], []);
    }

    private IRenderedComponent<InterfaceDetails> Open(string ns, string iface, IReadOnlyList<Finding>? findings = null, Action? onClose = null) =>
        Render<InterfaceDetails>(p => p
            .Add(c => c.Topology, Node())
            .Add(c => c.NamespaceRef, ns)
            .Add(c => c.InterfaceName, iface)
            .Add(c => c.Findings, findings ?? [])
            .Add(c => c.OnClose, onClose ?? (() => { })));

    private static string Text(IRenderedComponent<InterfaceDetails> drawer, string testId) =>
        drawer.Find($"[data-testid='{testId}']").TextContent.Trim();

    [Fact]
    public void Shows_what_discovery_knows_about_the_interface_and_its_peer()
    {
        _http.Answer = _ => Json(CountersJson);
        var drawer = Open("pod-red", "veth-red");

        Assert.Equal("veth-red", Text(drawer, "drawer-title"));
        Assert.Equal("pod-red", Text(drawer, "drawer-namespace"));
        Assert.Equal("netns", Text(drawer, "drawer-owner"));
        var state = drawer.Find("[data-testid='drawer-state']");
        Assert.Equal("true", state.GetAttribute("data-up"));
        Assert.StartsWith("UP", state.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("carrier", state.TextContent, StringComparison.Ordinal);
        Assert.Equal("1500", Text(drawer, "drawer-mtu"));
        Assert.Equal("4e:d6:72:0c:26:b7", Text(drawer, "drawer-mac"));
        Assert.Equal("7", Text(drawer, "drawer-ifindex"));
        Assert.Contains("10.0.1.1/24", Text(drawer, "drawer-addresses"), StringComparison.Ordinal);
        Assert.Contains("fe80::4cd6:72ff:fe0c:26b7/64", Text(drawer, "drawer-addresses"), StringComparison.Ordinal);

        var peer = drawer.Find("[data-testid='drawer-peer']");
        Assert.Contains("pod-blue", peer.TextContent, StringComparison.Ordinal);
        Assert.Contains("ifindex 6", peer.TextContent, StringComparison.Ordinal);
        Assert.Equal("1400", Text(drawer, "drawer-peer-mtu"));
        Assert.Contains("DOWN", peer.TextContent, StringComparison.Ordinal);
        var link = drawer.Find("[data-testid='drawer-peer-link']");
        Assert.Equal("veth-blue", link.TextContent.Trim());
        Assert.Equal("interfaces/pod-blue/veth-blue", link.GetAttribute("href"));

        // The local table is hidden until asked for.
        var routes = drawer.FindAll("[data-testid='drawer-route']");
        Assert.Equal(2, routes.Count);
        Assert.Contains("10.0.1.254", routes[1].TextContent, StringComparison.Ordinal);
        drawer.Find("[data-testid='drawer-local-routes']").Click();
        routes = drawer.FindAll("[data-testid='drawer-route']");
        Assert.Equal(3, routes.Count);
        Assert.Contains("local", routes[2].TextContent, StringComparison.Ordinal);

        var commands = drawer.FindAll("[data-testid='drawer-command']").Select(c => c.TextContent.Trim()).ToList();
        Assert.Contains("ip -n pod-red link show veth-red", commands);
        Assert.Contains("ip -n pod-blue link show veth-blue", commands);
        Assert.Contains("ip netns exec pod-red ping -c 3 10.0.1.2", commands);
        Assert.Equal(commands.Count, drawer.FindAll("[data-testid='drawer-copy']").Count);
    }

    [Fact]
    public void A_down_interface_reads_DOWN_with_admin_down()
    {
        _http.Answer = _ => Json(CountersJson);
        var drawer = Open(BlueId, "veth-blue");

        var state = drawer.Find("[data-testid='drawer-state']");
        Assert.Equal("false", state.GetAttribute("data-up"));
        Assert.StartsWith("DOWN", state.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("admin down", state.TextContent, StringComparison.Ordinal);
        Assert.Equal("pod-blue", Text(drawer, "drawer-namespace")); // opened by id, shown by name
        Assert.Equal("interfaces/pod-red/veth-red", drawer.Find("[data-testid='drawer-peer-link']").GetAttribute("href"));
    }

    [Fact]
    public void Only_this_interface_s_findings_are_shown_with_their_fix()
    {
        _http.Answer = _ => Json(CountersJson);
        var here = InterfaceDown("pod-blue", "veth-blue", BlueId);
        var elsewhere = InterfaceDown("pod-red", "veth-red", RedId);
        var drawer = Open("pod-blue", "veth-blue", [here, elsewhere]);

        var finding = Assert.Single(drawer.FindAll("[data-testid='drawer-finding']"));
        Assert.Equal(FindingRules.InterfaceDown, finding.GetAttribute("data-rule"));
        Assert.Contains("veth-blue is DOWN", finding.TextContent, StringComparison.Ordinal);
        Assert.Equal("ip -n pod-blue link set veth-blue up", finding.QuerySelector("[data-testid='drawer-fix']")!.TextContent.Trim());
    }

    [Fact]
    public void A_bridge_lists_its_members_and_a_member_links_to_its_bridge()
    {
        _http.Answer = _ => Json(CountersJson);
        var bridge = Open("host", "cni0");
        var members = bridge.Find("[data-testid='drawer-members']");
        Assert.Equal("vethabc", members.QuerySelector("a")!.TextContent.Trim());
        Assert.Equal("interfaces/host%20%28node-1%29/vethabc", members.QuerySelector("a")!.GetAttribute("href"));

        var member = Open("host (node-1)", "vethabc");
        Assert.Equal("cni0", Text(member, "drawer-master"));
        Assert.Contains("unresolved (ifindex 3)", Text(member, "drawer-peer"), StringComparison.Ordinal);
        Assert.Empty(member.FindAll("[data-testid='drawer-peer-link']"));
        var commands = member.FindAll("[data-testid='drawer-command']").Select(c => c.TextContent.Trim()).ToList();
        Assert.Contains("ip link show master cni0", commands);
        Assert.Contains("bridge link show", commands);
    }

    [Fact]
    public void A_deleted_interface_says_so_keeps_the_close_button_and_reads_no_counters()
    {
        _http.Answer = _ => Json(CountersJson);
        var closed = 0;
        var removed = InterfaceDown("pod-red", "veth-gone", RedId) with { Rule = FindingRules.VethPairRemoved, Title = "veth pair veth-gone ↔ x was removed" };
        var drawer = Open("pod-red", "veth-gone", [removed], () => closed++);

        Assert.Equal("Interface veth-gone is not in namespace pod-red any more (deleted?).", Text(drawer, "drawer-missing"));
        Assert.Empty(drawer.FindAll("[data-testid='drawer-state']"));
        Assert.Empty(drawer.FindAll("[data-testid='drawer-counters']"));
        Assert.Contains("was removed", Text(drawer, "drawer-finding"), StringComparison.Ordinal);
        Assert.Empty(_http.Requests);

        drawer.Find("[data-testid='drawer-close']").Click();
        Assert.Equal(1, closed);
    }

    [Fact]
    public void A_deleted_namespace_says_so_too()
    {
        var drawer = Open("pod-green", "veth-green");

        var missing = Text(drawer, "drawer-missing");
        Assert.StartsWith("Interface veth-green is not in namespace pod-green any more (deleted?).", missing, StringComparison.Ordinal);
        Assert.Contains("namespace itself", missing, StringComparison.Ordinal);
        Assert.Single(drawer.FindAll("[data-testid='drawer-close']"));
    }

    [Fact]
    public void Counters_are_read_from_the_api_with_drops_errors_and_peer_ifindex_highlighted()
    {
        _http.Answer = _ => Json(CountersJson);
        var drawer = Open("pod-red", "veth-red");

        drawer.WaitForAssertion(() => Assert.Equal(5, drawer.FindAll("[data-testid='drawer-counter']").Count));
        Assert.Equal("/api/namespaces/4026532176/interfaces/veth-red/counters", Assert.Single(_http.Requests));
        var rows = drawer.FindAll("[data-testid='drawer-counter']");
        Assert.Equal(["peer_ifindex", "rx_drops", "rx_packets", "rx_queue_0_xdp_drops", "tx_errors"], rows.Select(r => r.GetAttribute("data-name")));
        string Highlight(string name) => rows.Single(r => r.GetAttribute("data-name") == name).GetAttribute("data-highlight")!;
        Assert.Equal("true", Highlight("peer_ifindex"));
        Assert.Equal("true", Highlight("rx_drops"));
        Assert.Equal("false", Highlight("tx_errors")); // zero
        Assert.Equal("false", Highlight("rx_queue_0_xdp_drops")); // zero
        Assert.Equal("false", Highlight("rx_packets"));
        Assert.Contains("3", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Equal("ip netns exec pod-red ethtool -S veth-red", Text(drawer, "drawer-counters-command"));
        Assert.Empty(drawer.FindAll("[data-testid='drawer-counters-warning']"));
        Assert.Empty(drawer.FindAll("[data-testid='drawer-counters-error']"));
    }

    [Fact]
    public void Counters_are_read_again_on_every_tick_and_show_what_grew()
    {
        _http.Answer = n => Json(CountersJson.Replace("\"rx_drops\": 3", $"\"rx_drops\": {3 + (2 * (n - 1))}", StringComparison.Ordinal));
        var drawer = Open("pod-red", "veth-red");
        drawer.WaitForAssertion(() => Assert.Single(drawer.FindAll("[data-testid='drawer-counter'][data-name='rx_drops']")));

        _time.Tick();

        drawer.WaitForAssertion(() => Assert.Contains("5 (+2)", Squeezed(drawer.Find("[data-testid='drawer-counter'][data-name='rx_drops']").TextContent), StringComparison.Ordinal));
        Assert.Equal(2, _http.Requests.Length);
    }

    [Fact]
    public void Opening_another_interface_polls_that_one_and_closing_stops_polling()
    {
        _http.Answer = _ => Json(CountersJson);
        var drawer = Open("pod-red", "veth-red");
        drawer.WaitForAssertion(() => Assert.Single(_http.Requests));
        Assert.Equal(1, _time.Timers);

        drawer.Render(p => p.Add(c => c.InterfaceName, "lo"));
        drawer.WaitForAssertion(() => Assert.Equal("/api/namespaces/4026532176/interfaces/lo/counters", _http.Requests[^1]));
        Assert.Equal(1, _time.Timers); // the old timer is gone

        drawer.Render(p => p.Add(c => c.InterfaceName, "veth-gone"));
        drawer.WaitForAssertion(() => Assert.Equal(0, _time.Timers));
        var before = _http.Requests.Length;
        _time.Tick();
        Assert.Equal(before, _http.Requests.Length);
    }

    [Fact]
    public async Task Disposing_the_drawer_stops_polling()
    {
        _http.Answer = _ => Json(CountersJson);
        var drawer = Open("pod-red", "veth-red");
        drawer.WaitForAssertion(() => Assert.Single(_http.Requests));

        await DisposeComponentsAsync();

        Assert.Equal(0, _time.Timers);
        _time.Tick();
        await Task.Delay(50);
        Assert.Single(_http.Requests);
    }

    [Fact]
    public void A_failed_read_shows_a_warning_not_an_exception()
    {
        _http.Answer = _ => new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("boom", Encoding.UTF8) };
        var drawer = Open("pod-red", "veth-red");

        drawer.WaitForAssertion(() => Assert.Contains("Could not read the counters", Text(drawer, "drawer-counters-error"), StringComparison.Ordinal));
        Assert.Contains("500", Text(drawer, "drawer-counters-error"), StringComparison.Ordinal);
        Assert.Empty(drawer.FindAll("[data-testid='drawer-counter']"));
        Assert.Equal("veth-red", Text(drawer, "drawer-title")); // the rest of the drawer is still there
    }

    [Fact]
    public void A_network_failure_and_then_a_good_read_clear_the_warning()
    {
        _http.Answer = n => n == 1 ? throw new HttpRequestException("connection refused") : Json(CountersJson);
        var drawer = Open("pod-red", "veth-red");
        drawer.WaitForAssertion(() => Assert.Contains("connection refused", Text(drawer, "drawer-counters-error"), StringComparison.Ordinal));

        _time.Tick();

        drawer.WaitForAssertion(() => Assert.Equal(5, drawer.FindAll("[data-testid='drawer-counter']").Count));
        Assert.Empty(drawer.FindAll("[data-testid='drawer-counters-error']"));
    }

    [Fact]
    public void The_server_s_warnings_and_a_disagreeing_peer_ifindex_are_shown()
    {
        _http.Answer = _ => Json("""
            { "namespaceId": "4026532176", "interface": "veth-red", "counters": { "peer_ifindex": 9 }, "peerIfindex": 9,
              "command": "ip netns exec pod-red ethtool -S veth-red",
              "warnings": ["some counters are not supported"], "readAt": "2026-11-27T12:00:00Z" }
            """);
        var drawer = Open("pod-red", "veth-red");

        drawer.WaitForAssertion(() => Assert.Equal(2, drawer.FindAll("[data-testid='drawer-counters-warning']").Count));
        var warnings = drawer.FindAll("[data-testid='drawer-counters-warning']").Select(w => w.TextContent.Trim()).ToList();
        Assert.Equal("some counters are not supported", warnings[0]);
        Assert.Contains("peer_ifindex 9, discovery saw 6", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_escapes_both_path_segments()
    {
        _http.Answer = _ => Json(CountersJson);
        var api = Services.GetRequiredService<DashboardApi>();

        var counters = await api.GetCountersAsync("a/b", "v?1#x");

        Assert.Equal("/api/namespaces/a%2Fb/interfaces/v%3F1%23x/counters", Assert.Single(_http.Requests));
        Assert.Equal(6, counters.PeerIfindex);
        Assert.Equal(3, counters.Counters["rx_drops"]);
    }

    [Fact]
    public void The_copy_button_hands_the_command_to_the_clipboard_module()
    {
        _http.Answer = _ => Json(CountersJson);
        var module = JSInterop.SetupModule("./js/clipboard.js");
        var copy = module.Setup<bool>("copy", "ip -n pod-red link show veth-red");
        copy.SetResult(true);
        var drawer = Open("pod-red", "veth-red");

        drawer.FindAll("[data-testid='drawer-copy']")[0].Click();

        Assert.Single(copy.Invocations);
    }

    private static string Squeezed(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();

    private static HttpResponseMessage Json(string json) =>
        new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>Answers every request with <see cref="Answer"/> (given the 1-based request number) and remembers the paths asked for.</summary>
    private sealed class Canned : HttpMessageHandler
    {
        private readonly ConcurrentQueue<string> _requests = new();

        public Func<int, HttpResponseMessage> Answer { get; set; } = _ => new HttpResponseMessage(HttpStatusCode.NotFound);

        public string[] Requests => [.. _requests];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _requests.Enqueue(request.RequestUri!.AbsolutePath);
            return Task.FromResult(Answer(_requests.Count));
        }
    }

    /// <summary>A clock whose timers fire only when the test says <see cref="Tick"/>.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private readonly List<Timer> _timers = [];

        public int Timers
        {
            get
            {
                lock (_timers) return _timers.Count;
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new Timer(this, callback, state);
            lock (_timers) _timers.Add(timer);
            return timer;
        }

        public void Tick()
        {
            Timer[] due;
            lock (_timers) due = [.. _timers];
            foreach (var t in due) t.Fire();
        }

        private sealed class Timer(ManualTime owner, TimerCallback callback, object? state) : ITimer
        {
            public void Fire() => callback(state);

            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
                lock (owner._timers) owner._timers.Remove(this);
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
