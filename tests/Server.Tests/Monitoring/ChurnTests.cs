using System.Net.Http.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Server.Tests.Monitoring;

[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>
/// Namespaces and pairs made and deleted quickly while a hub client listens: the live state
/// settles on what `ip` reports, and the server leaks no file descriptors. Runs alone, so that
/// its socket and namespace descriptors are the server's doing.
/// </summary>
[Collection(nameof(RunsAlone))]
public sealed class ChurnTests : IDisposable
{
    private readonly TestNet _net = new();
    private readonly DashboardFactory _factory = new();

    [Fact]
    public async Task After_churn_the_live_state_equals_ip_and_no_descriptor_leaks()
    {
        using var client = _factory.AuthorizedClient();
        var anchor = _net.AddNamespace("anchor");
        await using var hub = _factory.HubConnection();
        int pushes = 0;
        hub.On<Topology>(nameof(ITopologyClient.TopologyChanged), _ => Interlocked.Increment(ref pushes));
        await hub.StartAsync();
        await Settled(client, anchor);
        int fdsBefore = OpenDescriptors();

        for (int i = 0; i < 25; i++)
        {
            var ns = _net.Name($"c{i % 5}");
            Run.Try("ip", ["netns", "add", ns]);
            Run.Try("ip", ["-n", anchor, "link", "add", $"v{i % 5}", "type", "veth", "peer", "name", "eth0", "netns", ns]);
            Run.Try("ip", ["-n", anchor, "link", "add", $"x{i}", "type", "veth", "peer", "name", $"y{i}"]);
            if (i % 2 == 0) Run.Try("ip", ["netns", "delete", ns]);
            if (i % 3 == 0) Run.Try("ip", ["-n", anchor, "link", "delete", $"x{i}"]);
        }
        foreach (var ns in Enumerable.Range(0, 5).Select(i => _net.Name($"c{i}")))
            if (File.Exists($"/run/netns/{ns}")) _net.Adopt(ns);

        var topology = await Settled(client, anchor);
        Assert.True(pushes > 1, "the hub pushed no change");
        // Same namespaces as `ip netns list` (of this test), same links in the anchor as `ip link`.
        var expected = Run.Ip("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith(_net.Prefix, StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(expected, topology.Namespaces.Where(n => n.Name?.StartsWith(_net.Prefix, StringComparison.Ordinal) == true).Select(n => n.Name!).Order());
        Assert.Equal(Oracle.Links(anchor).Select(l => l.Name).Order(), topology.Namespace(anchor).Interfaces.Select(i => i.Name).Order());
        Discover.VerifyAgainstKernel(topology, [.. expected]);
        // Sockets and namespace fds are closed after every read. Only those are counted: the test process
        // also runs other classes' commands (pipes) and thread pools (anon inodes) that come and go.
        int fdsAfter = OpenDescriptors();
        Assert.True(fdsAfter <= fdsBefore + 3, $"{fdsBefore} sockets and namespace descriptors before, {fdsAfter} after: {DescribeDescriptors()}");
    }

    /// <summary>Waits until two live states a little apart agree with each other and with `ip link` in the anchor.</summary>
    private static async Task<Topology> Settled(HttpClient client, string anchor)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            await Task.Delay(300);
            var topology = (await client.GetFromJsonAsync<Topology>("/api/topology"))!;
            var ns = topology.FindNamespace(TestNet.Id(anchor));
            if (ns is not null && Oracle.Links(anchor).Select(l => l.Name).Order().SequenceEqual(ns.Interfaces.Select(i => i.Name).Order()))
            {
                await Task.Delay(300);
                var again = (await client.GetFromJsonAsync<Topology>("/api/topology"))!;
                if (again.TakenAt == topology.TakenAt) return again;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the live state did not settle");
        }
    }

    /// <summary>Open sockets and namespace files (`socket:[…]`, `net:[…]`): what discovery and the live state open.</summary>
    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Count(f =>
    {
        try { return new FileInfo(f).LinkTarget is { } t && (t.StartsWith("socket:", StringComparison.Ordinal) || t.StartsWith("net:", StringComparison.Ordinal)); }
        catch (IOException) { return false; }
    });

    private static string DescribeDescriptors() => string.Join(", ", Directory.GetFiles("/proc/self/fd")
        .Select(f => { try { var t = new FileInfo(f).LinkTarget ?? "?"; return t.Contains(':') ? t.Split(':')[0] : t; } catch (IOException) { return "?"; } })
        .GroupBy(t => t).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()}× {g.Key}"));

    public void Dispose()
    {
        _factory.Dispose();
        _net.Dispose();
    }
}
