using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Lab;

/// <summary>
/// The scenarios on the real kernel, through the API of a server in lab mode (--lab): each builds as
/// documented (`ip` is the oracle) and goes away again; reset and a stopping host leave nothing; bad
/// requests are 404/409; a fix that acts outside the lab is refused (403) and changes nothing.
/// </summary>
public sealed class LabScenarioTests(ITestOutputHelper output) : IDisposable
{
    private readonly LabServer _lab = new();

    private HttpClient Client => _lab.Client;

    private string P => _lab.Prefix;

    public void Dispose() => _lab.Dispose();

    private static List<string> Ipv4(string ns, string ifName) =>
        Oracle.Addresses(ns).GetValueOrDefault(ifName, []).Where(a => !a.Contains(':', StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Seed_pair_builds_as_the_seed_says_and_is_removed()
    {
        var action = await Lab.Ok(Client, HttpMethod.Post, "/api/lab/scenarios/seed-pair");
        Assert.Equal((LabActions.Build, LabScenarios.SeedPair), (action.Action, action.Target));
        Assert.Contains(action.Commands, c => c.Command == $"ip -n {P}pod-red link add veth-red type veth peer name veth-blue netns {P}pod-blue");
        Assert.All(action.Commands, c => Assert.Equal(0, c.ExitCode));

        Assert.Equal([$"{P}pod-blue", $"{P}pod-red"], _lab.Namespaces());
        Assert.Equal(["10.0.1.1/24"], Ipv4($"{P}pod-red", "veth-red"));
        Assert.Equal(["10.0.1.2/24"], Ipv4($"{P}pod-blue", "veth-blue"));
        Assert.All(Oracle.Links($"{P}pod-red").Concat(Oracle.Links($"{P}pod-blue")), l => Assert.Contains("UP", l.Flags));
        await Lab.Ping($"{P}pod-red", "10.0.1.2");

        var state = await Lab.State(Client);
        Assert.Equal(LabChanges.Lab, state.Changes);
        var capabilities = await Client.GetFromJsonAsync("/api/capabilities", WireJsonContext.Default.Capabilities);
        Assert.Equal(new Capabilities(LabChanges.Lab, P, null), capabilities);
        Assert.True(state.Scenarios.Single(s => s.Name == LabScenarios.SeedPair).Built);
        Assert.False(state.Scenarios.Single(s => s.Name == LabScenarios.Routed).Built);
        Assert.All(state.Namespaces, n => Assert.Equal((TestNet.Id(n.Name), LabScenarios.SeedPair), (n.Id, n.Scenario)));
        Assert.Equal(action, state.History[0] with { Commands = action.Commands, Healed = action.Healed });
        Assert.Equal(action.Commands, state.History[0].Commands);
        Assert.Empty(state.History[0].Healed);
        Assert.True(state.Faults.Single(f => f.Name == LabFaults.InterfaceDown).Available);
        Assert.False(state.Faults.Single(f => f.Name == LabFaults.DuplicateAddress).Available);

        var removed = await Lab.Ok(Client, HttpMethod.Delete, "/api/lab/scenarios/seed-pair");
        Assert.Equal(LabActions.Remove, removed.Action);
        Assert.Empty(_lab.Namespaces());
        Assert.False((await Lab.State(Client)).Scenarios.Single(s => s.Name == LabScenarios.SeedPair).Built);
    }

    [Fact]
    public async Task K8s_node_builds_with_the_real_cni_plugin_then_reset_leaves_nothing()
    {
        await Lab.Ok(Client, HttpMethod.Post, "/api/lab/scenarios/k8s-node");
        var node = $"{P}node";
        var bridge = Oracle.Links(node).Single(l => l.Name == "cni0");
        Assert.Equal("bridge", bridge.Kind);
        Assert.Equal(["10.244.1.1/24"], Ipv4(node, "cni0"));
        for (int i = 1; i <= 3; i++)
        {
            var pod = $"{P}pod-{i}";
            Assert.Equal([$"10.244.1.{i + 1}/24"], Ipv4(pod, "eth0"));
            Assert.Contains("UP", Oracle.Links(pod).Single(l => l.Name == "lo").Flags);
            // eth0's peer is a port of cni0 in the node namespace.
            var peer = Oracle.Links(pod).Single(l => l.Name == "eth0").LinkIndex;
            Assert.Equal("cni0", Oracle.Links(node).Single(l => l.Ifindex == peer).Master);
        }
        await Lab.Ping($"{P}pod-1", "10.244.1.3");
        var state = await Lab.State(Client);
        var scenario = state.Scenarios.Single(s => s.Name == LabScenarios.KubernetesNode);
        Assert.StartsWith("real CNI bridge plugin", scenario.Note, StringComparison.Ordinal);
        // The fault shows the host-side veth the plugin named, read from the kernel.
        var port = Oracle.Links(node).Single(l => l.Ifindex == Oracle.Links($"{P}pod-2").Single(x => x.Name == "eth0").LinkIndex).Name;
        Assert.Equal([$"ip -n {node} link set {port} down"], state.Faults.Single(f => f.Name == LabFaults.BridgeMemberDown).InjectCommands);
        Assert.True(Directory.Exists(Path.Combine(_lab.Factory.DataDirectory, "lab", "ipam")));

        await Lab.Ok(Client, HttpMethod.Post, "/api/lab/scenarios/routed");
        var reset = await Lab.Ok(Client, HttpMethod.Delete, "/api/lab");
        Assert.Equal(LabActions.Reset, reset.Action);
        Assert.Empty(_lab.Namespaces());
        Assert.False(Directory.Exists(Path.Combine(_lab.Factory.DataDirectory, "lab")));
        Assert.Empty((await Lab.State(Client)).Namespaces);
    }

    [Fact]
    public async Task Routed_builds_and_forwards_and_a_rebuild_starts_afresh()
    {
        await Lab.Ok(Client, HttpMethod.Post, "/api/lab/scenarios/routed");
        Assert.Equal([$"{P}left", $"{P}right", $"{P}router"], _lab.Namespaces());
        Assert.Equal(["10.0.10.1/24"], Ipv4($"{P}router", "rtr-left"));
        Assert.Equal(["10.0.20.1/24"], Ipv4($"{P}router", "rtr-right"));
        Assert.Equal("1", Run.Ok("ip", "netns", "exec", $"{P}router", "sysctl", "-n", "net.ipv4.ip_forward").Trim());
        await Lab.Ping($"{P}left", "10.0.20.2");

        var before = TestNet.Id($"{P}router");
        var again = await Lab.Ok(Client, HttpMethod.Post, "/api/lab/scenarios/routed");
        Assert.StartsWith($"ip netns del {P}", again.Commands[0].Command, StringComparison.Ordinal);
        Assert.NotEqual(before, TestNet.Id($"{P}router"));
        await Lab.Ping($"{P}right", "10.0.10.2");
    }

    [Fact]
    public async Task Two_builds_at_once_run_one_after_the_other()
    {
        var builds = await Task.WhenAll(
            Lab.Action(Client, HttpMethod.Post, "/api/lab/scenarios/seed-pair"),
            Lab.Action(Client, HttpMethod.Post, "/api/lab/scenarios/seed-pair"));
        // Interleaved, the second would have deleted the first's namespaces halfway or failed on "File exists".
        Assert.All(builds, b => Assert.True(b.Succeeded, b.Warning));
        Assert.Equal([$"{P}pod-blue", $"{P}pod-red"], _lab.Namespaces());
        await Lab.Ping($"{P}pod-blue", "10.0.1.1");
    }

    [Fact]
    public async Task Without_the_plugin_k8s_node_is_built_with_ip_and_a_failing_build_is_rolled_back()
    {
        using (var fallback = new LabServer(settings: new() { ["Dashboard:Lab:CniBridgePlugin"] = "/nonexistent/bridge" }))
        {
            var built = await Lab.Ok(fallback.Client, HttpMethod.Post, "/api/lab/scenarios/k8s-node");
            Assert.Contains("not found", built.Warning, StringComparison.Ordinal);
            Assert.Equal("cni0", Oracle.Links($"{fallback.Prefix}node").Single(l => l.Name == "veth-pod-2").Master);
            Assert.Equal(["10.244.1.3/24"], Ipv4($"{fallback.Prefix}pod-2", "eth0"));
            await Lab.Ping($"{fallback.Prefix}pod-3", "10.244.1.2");
        }

        using var failing = new LabServer(settings: new() { ["Dashboard:Lab:CniBridgePlugin"] = "/usr/bin/false" });
        var action = await Lab.Action(failing.Client, HttpMethod.Post, "/api/lab/scenarios/k8s-node");
        output.WriteLine(action.Warning);
        Assert.False(action.Succeeded);
        var failed = Assert.Single(action.Commands, c => c.Command.Contains("/usr/bin/false", StringComparison.Ordinal));
        Assert.NotEqual(0, failed.ExitCode);
        // The rollback shows with the rest: the namespaces the build made, deleted after the failing command.
        Assert.Contains(action.Commands.SkipWhile(c => c != failed).Skip(1), c => c.Command.StartsWith("ip netns del ", StringComparison.Ordinal) && c.ExitCode == 0);
        Assert.Contains("rolled back", action.Warning, StringComparison.Ordinal);
        Assert.Empty(failing.Namespaces());
        Assert.False((await Lab.State(failing.Client)).History[0].Succeeded);
    }

    [Fact]
    public async Task The_host_stopping_removes_every_lab_namespace()
    {
        var server = new LabServer();
        try
        {
            await Lab.Ok(server.Client, HttpMethod.Post, "/api/lab/scenarios/seed-pair");
            await Lab.Ok(server.Client, HttpMethod.Post, "/api/lab/scenarios/k8s-node");
            Assert.Equal(6, server.Namespaces().Count);
            server.Client.Dispose();
            server.Factory.Dispose();
            Assert.Empty(server.Namespaces());
            Assert.False(Directory.Exists(Path.Combine(server.Factory.DataDirectory, "lab")));
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task Leftovers_of_a_crash_are_removed_at_start()
    {
        var prefix = TestNet.NewLabPrefix();
        Run.Ip("netns", "add", $"{prefix}pod-red");
        Run.Ip("netns", "add", $"{prefix}stray");
        using var restarted = new LabServer(prefix: prefix);
        Assert.Empty((await Lab.State(restarted.Client)).Namespaces);
        Assert.Empty(restarted.Namespaces());
    }

    [Fact]
    public async Task Bad_requests_are_404_and_409_problems()
    {
        foreach (var (method, url) in new[] { (HttpMethod.Post, "/api/lab/scenarios/nope"), (HttpMethod.Delete, "/api/lab/scenarios/nope"), (HttpMethod.Post, "/api/lab/faults/nope"), (HttpMethod.Delete, "/api/lab/faults/nope") })
            Assert.Contains("'nope'", await Lab.Problem(Client, method, url, HttpStatusCode.NotFound), StringComparison.Ordinal);
        var hostile = await Lab.Problem(Client, HttpMethod.Post, "/api/lab/scenarios/%3Cscript%3Ealert(1)%3C%2Fscript%3E", HttpStatusCode.NotFound);
        Assert.DoesNotContain("script", hostile, StringComparison.Ordinal);

        var notBuilt = await Lab.Problem(Client, HttpMethod.Post, "/api/lab/faults/duplicate-address", HttpStatusCode.Conflict);
        Assert.Contains("k8s-node", notBuilt, StringComparison.Ordinal);
        Assert.Contains("POST /api/lab/scenarios/k8s-node", notBuilt, StringComparison.Ordinal);
        await Lab.Problem(Client, HttpMethod.Delete, "/api/lab/faults/interface-down", HttpStatusCode.Conflict);

        await Lab.Ok(Client, HttpMethod.Post, "/api/lab/scenarios/seed-pair");
        await Lab.Ok(Client, HttpMethod.Post, "/api/lab/faults/interface-down");
        Assert.Contains("already", await Lab.Problem(Client, HttpMethod.Post, "/api/lab/faults/interface-down", HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.True((await Lab.State(Client)).Faults.Single(f => f.Name == LabFaults.InterfaceDown).Active);
        await Lab.Ok(Client, HttpMethod.Delete, "/api/lab/faults/interface-down");
        await Lab.Ok(Client, HttpMethod.Delete, "/api/lab/faults/interface-down"); // healing is idempotent
        Assert.False((await Lab.State(Client)).Faults.Single(f => f.Name == LabFaults.InterfaceDown).Active);

        await Lab.Problem(Client, HttpMethod.Post, "/api/findings/interface-down-00000000000000000000/fix", HttpStatusCode.NotFound);
        await Lab.Problem(Client, HttpMethod.Post, "/api/diagnoses/AAAAAAAAAAAAAAAAAAAAAA/fix", HttpStatusCode.NotFound);
        // A diagnosis that found nothing wrong has no fix.
        var healthy = await Lab.Diagnose(Client, $"{P}pod-red", "10.0.1.2");
        Assert.Null(healthy.RootCause);
        Assert.Contains("no root cause", await Lab.Problem(Client, HttpMethod.Post, $"/api/diagnoses/{healthy.Id}/fix", HttpStatusCode.Conflict), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lab_only_mode_refuses_a_fix_outside_the_lab_and_a_fix_with_a_placeholder_needs_a_person()
    {
        using var net = new TestNet();
        var (red, _) = net.AddSeedPair();
        Run.Ip("-n", red, "link", "set", "veth-red", "down");
        var finding = (await Lab.Findings(Client, net.Prefix, f => f.Any(x => x.Rule == FindingRules.InterfaceDown && x.NamespaceName == red), "interface-down on the fixture pair"))
            .Single(x => x.Rule == FindingRules.InterfaceDown && x.NamespaceName == red);
        var detail = await Lab.Problem(Client, HttpMethod.Post, $"/api/findings/{finding.Id}/fix", HttpStatusCode.Forbidden);
        Assert.Contains(finding.Fix[0], detail, StringComparison.Ordinal);
        Assert.DoesNotContain("UP", Oracle.Links(red).Single(l => l.Name == "veth-red").Flags);
        Assert.DoesNotContain((await Lab.State(Client)).History, a => a.Action == LabActions.Fix);

        // A veth whose peer's namespace cannot be found: its fix recreates the pair with <placeholders>.
        var a = net.AddNamespace("a");
        var hidden = net.AddNamespace("hidden");
        net.AddVeth(a, "veth-a", hidden, "veth-x");
        using var holder = Hold(hidden);
        try
        {
            Run.Ip("netns", "delete", hidden);
            var missing = (await Lab.Findings(Client, net.Prefix, f => f.Any(x => x.Rule == FindingRules.PeerMissing && x.NamespaceName == a), "peer-missing"))
                .Single(x => x.Rule == FindingRules.PeerMissing && x.NamespaceName == a);
            Assert.Contains(missing.Fix, c => c.Contains("<peer-", StringComparison.Ordinal));
            var needsPerson = await Lab.Problem(Client, HttpMethod.Post, $"/api/findings/{missing.Id}/fix", HttpStatusCode.Conflict);
            Assert.Contains("needs a person", needsPerson, StringComparison.Ordinal);
            Assert.Contains(Oracle.Links(a), l => l.Name == "veth-a");
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit(5000);
        }
    }

    [Fact]
    public async Task With_AllowChanges_the_lab_is_on_and_a_fix_runs_on_any_namespace()
    {
        using var all = new LabServer(allowAll: true);
        Assert.Equal(LabChanges.All, (await Lab.State(all.Client)).Changes);
        Assert.Equal(LabChanges.All, (await all.Client.GetFromJsonAsync("/api/capabilities", WireJsonContext.Default.Capabilities))!.Changes);
        using var net = new TestNet();
        var (red, blue) = net.AddSeedPair();
        Run.Ip("-n", red, "link", "set", "veth-red", "down");
        var finding = (await Lab.Findings(all.Client, net.Prefix, f => f.Any(x => x.Rule == FindingRules.InterfaceDown && x.NamespaceName == red), "interface-down on the fixture pair"))
            .Single(x => x.Rule == FindingRules.InterfaceDown);

        var action = await Lab.Ok(all.Client, HttpMethod.Post, $"/api/findings/{finding.Id}/fix");
        Assert.Equal([$"ip -n {red} link set veth-red up"], action.Commands.Select(c => c.Command));
        Assert.Contains("UP", Oracle.Links(red).Single(l => l.Name == "veth-red").Flags);
        await Lab.Ping(blue, "10.0.1.1");
    }

    /// <summary>Keeps a namespace alive through an open descriptor of a process in the root namespace, so deleting its name hides it.</summary>
    private static Process Hold(string ns)
    {
        var inode = TestNet.Id(ns);
        var psi = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var arg in new[] { "-c", "exec 3<\"$1\" && exec sleep 600", "sh", $"/run/netns/{ns}" }) psi.ArgumentList.Add(arg);
        var p = Process.Start(psi)!;
        Oracle.WaitFor(() =>
        {
            try { return TestNet.TryNamespaceInode($"/proc/{p.Id}/fd/3") == inode && File.ReadAllText($"/proc/{p.Id}/comm").Trim() == "sleep"; }
            catch (IOException) { return false; }
        });
        return p;
    }
}
