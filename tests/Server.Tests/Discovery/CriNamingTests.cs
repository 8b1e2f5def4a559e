using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dashboard.Server.Discovery;
using Dashboard.Server.Processes;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sandbox = Dashboard.Server.Tests.Discovery.FakeCrictl.Sandbox;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>
/// Pods named by the CRI through crictl, on real namespaces. crictl is <see cref="FakeCrictl"/>: it
/// stands in for the container runtime (none runs here, and pod sandboxes need images we cannot
/// download), never for the kernel: the namespaces are real, and so is matching them by inode.
/// </summary>
public sealed class CriNamingTests : IDisposable
{
    private const string Endpoint = "unix:///run/fake-cri/cri.sock";
    private readonly TestNet _net = new();
    private readonly FakeCrictl _crictl;
    private readonly DirectoryInfo _cniCache;
    private readonly List<CriPodSource> _sources = [];

    public CriNamingTests()
    {
        _crictl = new FakeCrictl(_net.Prefix);
        _cniCache = Directory.CreateTempSubdirectory($"{_net.Prefix}-cni-");
    }

    [Fact]
    public async Task Pods_are_named_from_the_cri_by_namespace_path_and_by_pid_and_inspected_once()
    {
        var x = _net.AddNamespace("x");
        var y = _net.AddNamespace("y");
        var holder = _net.StartHolder();
        var heldId = TestNet.NamespaceInode($"/proc/{holder.Id}/ns/net");
        // libcni's cache says something else about x: the runtime is the better source.
        WriteCniCache(x, "shop", "stale-from-cni");
        _crictl.Pods(
            new Sandbox(Id("x"), "coredns-7db6d8ff4d-x2kq9", "kube-system", NetnsPath: $"/var/run/netns/{x}", Ip: "10.244.0.5"),
            new Sandbox(Id("held"), "cart-5d8f7c9b6-abcde", "shop", Pid: holder.Id),
            new Sandbox(Id("y"), "etcd-old", "kube-system", State: "SANDBOX_NOTREADY", NetnsPath: $"/run/netns/{y}"),
            new Sandbox(Id("gone"), "job-1", "batch", State: "SANDBOX_NOTREADY", NetnsPath: $"/run/netns/{_net.Name("gone")}"));
        using var discovery = Create();

        var answer = await Fresh(discovery);
        var topology = discovery.Discover();

        Assert.Null(answer.Warning);
        Assert.Equal(4, answer.Pods.Count);
        Assert.DoesNotContain(topology.Warnings, w => w.Contains("CRI", StringComparison.Ordinal));
        var nsX = topology.Namespace(x);
        Assert.Equal(NamespaceOwner.Pod, nsX.Owner.Kind);
        Assert.Equal("kube-system/coredns-7db6d8ff4d-x2kq9", nsX.Owner.Name);
        Assert.Equal("kube-system/coredns-7db6d8ff4d-x2kq9", nsX.DisplayName);
        Assert.Equal(x, nsX.Name); // the iproute2 name stays what it is
        var held = topology.FindNamespace(heldId);
        Assert.NotNull(held);
        Assert.Equal(NamespaceOwner.Pod, held.Owner.Kind);
        Assert.Equal("shop/cart-5d8f7c9b6-abcde", held.DisplayName);
        Assert.Null(held.Name);
        // A stopped sandbox still names its namespace while the namespace is there.
        Assert.Equal("kube-system/etcd-old", topology.Namespace(y).Owner.Name);
        Assert.DoesNotContain(topology.Namespaces, n => n.Owner.Name == "batch/job-1");

        // Every call names the endpoint; the four sandboxes were inspected in one call.
        Assert.All(_crictl.Calls, c => Assert.StartsWith($"--runtime-endpoint {Endpoint} ", c, StringComparison.Ordinal));
        var inspect = Assert.Single(_crictl.Calls, c => c.Contains(" inspectp ", StringComparison.Ordinal));
        Assert.Equal(new[] { "x", "held", "y", "gone" }.Select(Id).Order(), inspect.Split(' ').Skip(5).Order());

        // A later refresh lists again and inspects nothing it knows.
        var before = _crictl.Calls.Count(c => c.EndsWith(" pods -o json", StringComparison.Ordinal));
        Assert.Equal(answer.Pods, (await Fresh(discovery)).Pods);
        Assert.True(_crictl.Calls.Count(c => c.EndsWith(" pods -o json", StringComparison.Ordinal)) > before);
        Assert.Single(_crictl.Calls, c => c.Contains(" inspectp ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sandbox_is_inspected_again_when_its_state_changes_and_forgotten_when_it_goes()
    {
        var x = _net.AddNamespace("x");
        var ready = new Sandbox(Id("x"), "web-0", "default", NetnsPath: $"/run/netns/{x}");
        var other = new Sandbox(Id("o"), "web-1", "default", NetnsPath: $"/run/netns/{_net.Name("o")}");
        _crictl.Pods(ready, other);
        using var discovery = Create();
        await Fresh(discovery);

        _crictl.Pods(ready with { State = "SANDBOX_NOTREADY" }, other);
        var answer = await Fresh(discovery);

        Assert.Equal("SANDBOX_NOTREADY", answer.Pods.Single(p => p.Name == "web-0").State);
        var inspects = _crictl.Calls.Where(c => c.Contains(" inspectp ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, inspects.Count);
        Assert.EndsWith($" inspectp -o json {Id("x")}", inspects[1], StringComparison.Ordinal);
        Assert.Equal("default/web-0", discovery.Discover().Namespace(x).Owner.Name);

        _crictl.Pods(other);
        Assert.Equal(["web-1"], (await Fresh(discovery)).Pods.Select(p => p.Name));
        Assert.NotEqual(NamespaceOwner.Pod, discovery.Discover().Namespace(x).Owner.Kind);
    }

    [Fact]
    public async Task A_sandbox_removed_between_pods_and_inspectp_is_no_problem()
    {
        var x = _net.AddNamespace("x");
        _crictl.Pods(
            new Sandbox(Id("a"), "left-0", "default", NetnsPath: $"/run/netns/{_net.Name("a")}"),
            new Sandbox(Id("x"), "stays-0", "default", NetnsPath: $"/run/netns/{x}"));
        _crictl.Forget(Id("a")); // inspectp of it says NotFound and exits 1
        using var discovery = Create();

        var answer = await Fresh(discovery);

        Assert.Null(answer.Warning);
        Assert.Equal("default/stays-0", discovery.Discover().Namespace(x).Owner.Name);
        // The call for both failed on the vanished one; the other was then asked alone.
        Assert.Contains(_crictl.Calls, c => c.EndsWith($" inspectp -o json {Id("a")} {Id("x")}", StringComparison.Ordinal));
        Assert.Contains(_crictl.Calls, c => c.EndsWith($" inspectp -o json {Id("x")}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_crictl_that_fails_is_one_warning_and_discovery_goes_on_with_the_cni_cache()
    {
        var x = _net.AddNamespace("x");
        var plain = _net.AddNamespace("plain");
        WriteCniCache(x, "shop", "cart-from-cni");
        _crictl.Pods(new Sandbox(Id("x"), "from-cri", "shop", NetnsPath: $"/run/netns/{x}"));
        _crictl.Fail("time=\"2024-11-28T00:00:00Z\" level=fatal msg=\"validate service connection: rpc error: code = Unavailable desc = connection error\"");
        using var discovery = Create();

        var answer = await Fresh(discovery);
        var topology = discovery.Discover();

        Assert.Empty(answer.Pods);
        var warning = Assert.Single(topology.Warnings, w => w.Contains("CRI", StringComparison.Ordinal));
        Assert.StartsWith("Could not read pods from the CRI (crictl pods): exit code 1: time=", warning, StringComparison.Ordinal);
        Assert.Contains("code = Unavailable", warning, StringComparison.Ordinal);
        Assert.Equal("shop/cart-from-cni", topology.Namespace(x).Owner.Name);
        Assert.Equal(NamespaceOwner.Netns, topology.Namespace(plain).Owner.Kind);
        Assert.Contains(topology.Namespaces, n => n.IsRoot);

        // The runtime is back: the warning goes, the CRI's name comes.
        _crictl.Fail(null);
        Assert.Null((await Fresh(discovery)).Warning);
        topology = discovery.Discover();
        Assert.DoesNotContain(topology.Warnings, w => w.Contains("CRI", StringComparison.Ordinal));
        Assert.Equal("shop/from-cri", topology.Namespace(x).Owner.Name);
    }

    [Fact]
    public async Task A_crictl_that_prints_garbage_is_a_warning_with_the_reason()
    {
        var x = _net.AddNamespace("x");
        _crictl.PodsOutput("SANDBOX ID    CREATED    STATE    NAME    NAMESPACE    ATTEMPT\n");
        using var discovery = Create();

        await Fresh(discovery);
        var topology = discovery.Discover();

        var warning = Assert.Single(topology.Warnings, w => w.Contains("CRI", StringComparison.Ordinal));
        Assert.StartsWith("Could not read pods from the CRI (crictl pods): not JSON", warning, StringComparison.Ordinal);
        Assert.Equal(x, topology.Namespace(x).Owner.Name);
    }

    [Fact]
    public async Task An_inspectp_that_fails_is_a_warning_and_what_was_inspected_before_still_names()
    {
        var x = _net.AddNamespace("x");
        var y = _net.AddNamespace("y");
        var sandboxX = new Sandbox(Id("x"), "p", "n", NetnsPath: $"/run/netns/{x}");
        _crictl.Pods(sandboxX);
        using var discovery = Create();
        await Fresh(discovery);

        _crictl.Pods(sandboxX, new Sandbox(Id("y"), "q", "n", NetnsPath: $"/run/netns/{y}"));
        _crictl.FailInspect("rpc error: code = DeadlineExceeded desc = context deadline exceeded");
        var answer = await Fresh(discovery);
        var topology = discovery.Discover();

        Assert.Equal("Could not read pods from the CRI (crictl inspectp): exit code 1: rpc error: code = DeadlineExceeded desc = context deadline exceeded", answer.Warning);
        Assert.Contains(answer.Warning, topology.Warnings);
        Assert.Equal("n/p", topology.Namespace(x).Owner.Name); // inspected before: kept
        Assert.Equal(NamespaceOwner.Netns, topology.Namespace(y).Owner.Kind); // not inspected: no namespace to match

        _crictl.FailInspect(null);
        Assert.Null((await Fresh(discovery)).Warning);
        Assert.Equal("n/q", discovery.Discover().Namespace(y).Owner.Name);
    }

    [Fact]
    public async Task No_crictl_on_the_node_is_no_cri_and_no_warning()
    {
        var x = _net.AddNamespace("x");
        using var byName = Create(new DiscoveryOptions { Crictl = $"crictl-{_net.Prefix}-absent" });
        using var byPath = Create(new DiscoveryOptions { Crictl = Path.Combine(Path.GetTempPath(), $"{_net.Prefix}-absent", "crictl") });
        using var off = Create(new DiscoveryOptions { Crictl = "" });

        foreach (var discovery in new[] { byName, byPath, off })
        {
            Assert.Same(CriAnswer.None, await discovery.Cri.RefreshAsync());
            var topology = discovery.Discover();
            Assert.DoesNotContain(topology.Warnings, w => w.Contains("CRI", StringComparison.Ordinal));
            Assert.Equal(NamespaceOwner.Netns, topology.Namespace(x).Owner.Kind);
        }
        Assert.False(off.Cri.Enabled);
    }

    [Fact]
    public async Task Discovery_never_waits_for_crictl()
    {
        var x = _net.AddNamespace("x");
        _crictl.Pods(new Sandbox(Id("x"), "slow-0", "default", NetnsPath: $"/run/netns/{x}"));
        _crictl.Gate(closed: true); // the runtime does not answer until the gate opens
        using var discovery = Create();

        var topology = discovery.Discover(); // starts the first refresh, does not wait for it
        var refresh = discovery.Cri.RefreshAsync(); // the refresh under way

        Assert.False(refresh.IsCompleted);
        Assert.Equal(NamespaceOwner.Netns, topology.Namespace(x).Owner.Kind);
        Assert.DoesNotContain(topology.Warnings, w => w.Contains("CRI", StringComparison.Ordinal));
        _crictl.Gate(closed: false);
        var answer = await refresh;
        Assert.Null(answer.Warning);
        Assert.Equal("default/slow-0", discovery.Discover().Namespace(x).Owner.Name);
    }

    [Fact]
    public async Task A_sandbox_the_runtime_lists_only_after_the_first_read_is_named_by_the_follow_ups()
    {
        var x = _net.AddNamespace("x");
        _crictl.Pods(new Sandbox(Id("x"), "late-0", "default", NetnsPath: $"/run/netns/{x}"));
        _crictl.ListPodsFromCall(2); // as containerd: the namespace (and CNI) first, the sandbox in `crictl pods` after
        // The periodic read is far away: only the follow-ups can bring the name.
        using var discovery = Create(Options(TimeSpan.FromMinutes(10)), gap: TimeSpan.FromMilliseconds(200));

        var first = discovery.Discover(); // x is unnamed: a refresh starts, and lists nothing yet

        Assert.NotEqual(NamespaceOwner.Pod, first.Namespace(x).Owner.Kind);
        await Until(() => discovery.Cri.Latest.Pods.Any(p => p.Name == "late-0"), "the CRI's answer with late-0");
        Assert.Equal("default/late-0", discovery.Discover().Namespace(x).Owner.Name);
        Assert.True(_crictl.PodsCalls >= 2);
    }

    [Fact]
    public async Task A_namespace_met_while_a_refresh_runs_is_read_again_after_it()
    {
        var x = _net.AddNamespace("x");
        _crictl.Pods(new Sandbox(Id("x"), "late-0", "default", NetnsPath: $"/run/netns/{x}"));
        _crictl.ListPodsFromCall(2);
        _crictl.Gate(closed: true);
        using var discovery = Create(Options(TimeSpan.FromMinutes(10)), gap: TimeSpan.FromMilliseconds(200));
        var running = discovery.Cri.RefreshAsync(); // asked by no namespace: no follow-ups of its own
        await Until(() => _crictl.PodsCalls == 1, "the first `crictl pods` under way");

        discovery.Discover(); // x is unnamed while a refresh runs: it cannot start another

        _crictl.Gate(closed: false);
        Assert.DoesNotContain((await running).Pods, p => p.Name == "late-0");
        await Until(() => discovery.Cri.Latest.Pods.Any(p => p.Name == "late-0"), "the CRI's answer with late-0");
        Assert.Equal("default/late-0", discovery.Discover().Namespace(x).Owner.Name);
    }

    [Fact]
    public async Task A_namespace_met_just_after_a_refresh_is_read_again_once_the_gap_has_passed()
    {
        var x = _net.AddNamespace("x");
        _crictl.Pods(new Sandbox(Id("x"), "late-0", "default", NetnsPath: $"/run/netns/{x}"));
        _crictl.ListPodsFromCall(2);
        using var discovery = Create(Options(TimeSpan.FromMinutes(10))); // the real gap: a second
        Assert.Empty((await discovery.Cri.RefreshAsync()).Pods);

        discovery.Discover(); // x is unnamed, most likely within the gap of that refresh

        await Until(() => discovery.Cri.Latest.Pods.Any(p => p.Name == "late-0"), "the CRI's answer with late-0");
        Assert.Equal("default/late-0", discovery.Discover().Namespace(x).Owner.Name);
    }

    [Fact]
    public async Task A_namespace_that_is_no_pod_costs_a_few_reads_and_no_more()
    {
        var gap = TimeSpan.FromMilliseconds(100);
        using var discovery = Create(Options(TimeSpan.FromMinutes(10)), gap: gap);
        const ulong plain = 4026530000; // an `unshare -n` no runtime knows
        int bound = 1 + CriPodSource.FollowUps;

        discovery.Cri.RefreshIfDue([plain]);
        await Until(() => _crictl.PodsCalls >= bound, $"{bound} `crictl pods` calls");
        await Task.Delay(gap * 10);
        Assert.Equal(bound, _crictl.PodsCalls);

        // Asked about already: discovery meeting it again reads nothing more.
        discovery.Cri.RefreshIfDue([plain]);
        await Task.Delay(gap * 10);
        Assert.Equal(bound, _crictl.PodsCalls);
    }

    [Fact]
    public async Task Discovery_made_without_a_cri_source_has_none_and_runs_no_crictl()
    {
        var x = _net.AddNamespace("x");
        _crictl.Pods(new Sandbox(Id("x"), "p-0", "default", NetnsPath: $"/run/netns/{x}"));
        using var discovery = Discover.Create(Options());

        var topology = discovery.Discover();

        Assert.False(discovery.Cri.Enabled);
        Assert.Same(CriAnswer.None, await discovery.Cri.RefreshAsync());
        Assert.NotEqual(NamespaceOwner.Pod, topology.Namespace(x).Owner.Kind);
        Assert.Empty(_crictl.Calls);
    }

    [Fact]
    public async Task The_live_state_takes_a_name_the_cri_gives_later_without_any_kernel_change()
    {
        var x = _net.AddNamespace("x");
        using var factory = new DashboardFactory(settings: new()
        {
            ["Dashboard:Discovery:Crictl"] = _crictl.Path,
            ["Dashboard:Discovery:CriRefreshInterval"] = "00:00:01",
        });
        using var client = factory.AuthorizedClient();
        await Live(client, t => t.FindNamespace(TestNet.Id(x))?.Owner.Kind == NamespaceOwner.Netns, "x as an iproute2 namespace");

        // The runtime learns of the pod; nothing changes in x. (The store rebuilds when the CRI's answer
        // changes; on a machine where other namespaces churn, a kernel event may get there first.)
        _crictl.Pods(new Sandbox(Id("x"), "late-0", "default", NetnsPath: $"/run/netns/{x}"));

        await Live(client, t => t.FindNamespace(TestNet.Id(x))?.Owner.Name == "default/late-0", "x named by the CRI");
    }

    private static async Task Live(HttpClient client, Func<Topology, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var topology = (await client.GetFromJsonAsync<Topology>("/api/topology"))!;
            if (condition(topology)) return;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"the live state never showed {what}; warnings: {string.Join("; ", topology.Warnings)}");
            await Task.Delay(50);
        }
    }

    private DiscoveryOptions Options(TimeSpan? interval = null)
    {
        var options = new DiscoveryOptions { Crictl = _crictl.Path, CriEndpoint = Endpoint, CniResultsDirectory = _cniCache.FullName };
        if (interval is { } i) options.CriRefreshInterval = i;
        return options;
    }

    /// <summary>Discovery with its CRI source, as the server wires them; the test disposes the source.</summary>
    private TopologyDiscovery Create(DiscoveryOptions? options = null, TimeSpan? gap = null)
    {
        var wrapped = Microsoft.Extensions.Options.Options.Create(options ?? Options());
        var source = new CriPodSource(wrapped, new ProcessRunner(NullLogger<ProcessRunner>.Instance), TimeProvider.System, NullLogger<CriPodSource>.Instance)
        {
            Gap = gap ?? CriPodSource.MinimumGap,
        };
        _sources.Add(source);
        return new TopologyDiscovery(wrapped, NullLogger<TopologyDiscovery>.Instance, TimeProvider.System, source);
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"never saw {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>An answer read after this call: one under way may have started before the test changed the fake.</summary>
    private static async Task<CriAnswer> Fresh(TopologyDiscovery discovery)
    {
        await discovery.Cri.RefreshAsync();
        return await discovery.Cri.RefreshAsync();
    }

    /// <summary>A sandbox id as a runtime makes it (64 hex digits), unique to this test.</summary>
    private string Id(string name) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_net.Prefix + "/" + name)));

    private void WriteCniCache(string ns, string podNamespace, string podName)
    {
        var cache = new JsonObject
        {
            ["kind"] = "cniCacheV1",
            ["containerId"] = Id("cni-" + ns),
            ["ifName"] = "eth0",
            ["networkName"] = "cbr0",
            ["netns"] = $"/var/run/netns/{ns}",
            ["cniArgs"] = new JsonArray(new JsonArray("K8S_POD_NAMESPACE", podNamespace), new JsonArray("K8S_POD_NAME", podName)),
        };
        File.WriteAllText(Path.Combine(_cniCache.FullName, $"cbr0-{ns}-eth0"), cache.ToJsonString());
    }

    public void Dispose()
    {
        foreach (var source in _sources) source.Dispose();
        _net.Dispose();
        _crictl.Dispose();
        _cniCache.Delete(recursive: true);
    }
}
