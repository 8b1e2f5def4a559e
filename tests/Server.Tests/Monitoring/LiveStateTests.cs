using System.Net.Http.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Server.Tests.Monitoring;

/// <summary>The live state follows the kernel by itself: no `fresh=true` anywhere in these tests.</summary>
public sealed class LiveStateTests : IAsyncLifetime
{
    private readonly TestNet _net = new();
    private readonly DashboardFactory _factory = new(settings: new() { ["Dashboard:Monitoring:ProcessRescanInterval"] = "00:00:00.500" });
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = _factory.AuthorizedClient();
        await _client.GetFromJsonAsync<Topology>("/api/topology"); // the first state is there
    }

    [Fact]
    public async Task A_namespace_added_and_deleted_with_ip_netns_comes_and_goes()
    {
        var ns = _net.AddNamespace("born");
        var id = TestNet.Id(ns);

        await Live(t => t.FindNamespace(id) is not null, "the new namespace");
        Run.Ip("netns", "delete", ns);
        await Live(t => t.FindNamespace(id) is null, "the deleted namespace gone");
    }

    [Fact]
    public async Task Link_state_and_addresses_inside_a_namespace_follow_kernel_events()
    {
        var (red, blue) = _net.AddSeedPair();
        var blueId = TestNet.Id(blue);
        await Live(t => t.FindNamespace(blueId)?.Interfaces.Any(i => i.Name == "veth-blue" && i.OperState == "UP") == true, "veth-blue UP");

        Run.Ip("-n", blue, "link", "set", "veth-blue", "down");
        await Live(t => t.FindNamespace(blueId)?.Interfaces.Single(i => i.Name == "veth-blue").AdminUp == false, "veth-blue admin down");

        Run.Ip("-n", red, "addr", "add", "10.0.9.1/24", "dev", "veth-red");
        await Live(t => t.FindNamespace(TestNet.Id(red))?.Interfaces.Single(i => i.Name == "veth-red").Addresses.Contains("10.0.9.1/24") == true, "the new address");
    }

    [Fact]
    public async Task A_pod_added_by_the_cni_plugin_is_placed_behind_its_bridge_live()
    {
        var node = _net.AddNamespace("node");
        var pod = _net.AddNamespace("pod");
        await Live(t => t.FindNamespace(TestNet.Id(pod)) is not null, "the empty pod");

        _net.CniAdd(node, pod, "10.81.0.0/24");

        await Live(t => t.FindNamespace(TestNet.Id(pod))?.Interfaces.SingleOrDefault(i => i.Name == "eth0")?.Peer?.NamespaceId == TestNet.Id(node), "eth0 placed behind the node's veth");
    }

    [Fact]
    public async Task A_namespace_held_only_by_a_process_is_found_by_the_proc_rescan_and_dropped_when_it_exits()
    {
        var holder = _net.StartHolder();
        var id = TestNet.NamespaceInode($"/proc/{holder.Id}/ns/net");

        await Live(t => t.FindNamespace(id) is not null, "the process's namespace");
        holder.Kill();
        await holder.WaitForExitAsync();
        await Live(t => t.FindNamespace(id) is null, "the namespace gone with its process");
    }

    [Fact]
    public async Task A_hub_client_that_asks_for_patches_gets_only_the_namespaces_that_changed_in_an_unbroken_chain()
    {
        var (_, blue) = _net.AddSeedPair();
        var bystander = _net.AddNamespace("bystander");
        var blueId = TestNet.Id(blue);
        await Live(t => t.FindNamespace(blueId) is not null && t.FindNamespace(TestNet.Id(bystander)) is not null, "the fixture");

        await using var hub = _factory.HubConnection(patches: true);
        var patches = new List<TopologyPatch>();
        var wholes = 0;
        var seen = new TaskCompletionSource<TopologyPatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<Topology>(nameof(ITopologyClient.TopologyChanged), _ => Interlocked.Increment(ref wholes));
        hub.On<TopologyPatch>(nameof(ITopologyClient.TopologyPatched), p =>
        {
            lock (patches) patches.Add(p);
            if (p.Changed.Any(n => n.Id == blueId && n.Interfaces.Any(i => i.Name == "veth-blue" && !i.AdminUp)))
                seen.TrySetResult(p);
        });
        await hub.StartAsync();
        Run.Ip("netns", "exec", blue, "true"); // nothing changes
        Run.Ip("-n", blue, "link", "set", "veth-blue", "down");

        var patch = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(patch.Changed, n => n.Id == TestNet.Id(bystander));
        var whole = await _client.GetFromJsonAsync<Topology>("/api/topology");
        Assert.True(patch.Changed.Count < whole!.Namespaces.Count, "The patch carried every namespace.");
        Assert.Equal(0, Volatile.Read(ref wholes));
        lock (patches)
        {
            // Each patch applies to the topology the one before it made.
            for (var i = 1; i < patches.Count; i++)
                Assert.Equal(patches[i - 1].TakenAt, patches[i].BaseTakenAt);
        }
    }

    [Fact]
    public async Task A_hub_client_is_pushed_the_change()
    {
        await using var hub = _factory.HubConnection();
        var ns = _net.Name("pushed");
        var seen = new TaskCompletionSource<Topology>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<Topology>(nameof(ITopologyClient.TopologyChanged), t =>
        {
            if (t.Namespaces.Any(n => n.Name == ns)) seen.TrySetResult(t);
        });
        await hub.StartAsync();

        _net.AddNamespace("pushed");

        var topology = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TestNet.Id(ns), topology.Namespaces.Single(n => n.Name == ns).Id);
    }

    [Fact]
    public async Task The_hub_refuses_a_client_without_the_token()
    {
        await using var hub = _factory.HubConnection(withToken: false);

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, e.StatusCode);
    }

    /// <summary>
    /// Polls the live state (never fresh) until it shows what is expected. Patience, not a speed limit: a
    /// process-held namespace is dropped at the next /proc rescan (every 5 s), later on a machine busy with
    /// the other test projects' namespaces.
    /// </summary>
    private async Task<Topology> Live(Func<Topology, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var topology = (await _client.GetFromJsonAsync<Topology>("/api/topology"))!;
            if (condition(topology)) return topology;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"the live state never showed {what}; warnings: {string.Join("; ", topology.Warnings)}");
            await Task.Delay(50);
        }
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _factory.Dispose();
        _net.Dispose();
        return Task.CompletedTask;
    }
}
