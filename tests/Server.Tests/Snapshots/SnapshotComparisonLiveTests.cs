using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// Snapshots of real namespaces, compared through the API: the seed pair healthy, then broken with `ip` the way
/// the seed document breaks it; the comparison before → after (snapshot to snapshot, and snapshot to live) shows
/// exactly that change and its finding as new, and after → before shows them resolved. Only this test's
/// namespaces are looked at (other tests change the node meanwhile).
/// </summary>
public sealed class SnapshotComparisonLiveTests(SharedServer server, ITestOutputHelper output) : IClassFixture<SharedServer>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TestNet _net = new();
    private HttpClient Client => server.Client;

    public void Dispose() => _net.Dispose();

    [Fact]
    public async Task Deleting_one_end_of_a_pair_removes_both_interfaces_and_the_link_with_a_finding()
    {
        var (red, blue, ids) = await HealthySeedPair();
        var before = await Take("healthy");

        Run.Ip("-n", red, "link", "del", "veth-red");
        await WaitForFinding(FindingRules.VethPairRemoved, blue, "veth-blue");
        var after = await Take("pair deleted");

        foreach (var c in await Forward(before, after))
        {
            Assert.Empty(c.Namespaces.Added.Concat(c.Namespaces.Removed));
            Assert.Equal([$"{blue}/veth-blue", $"{red}/veth-red"], c.Interfaces.Removed.Select(Name));
            Assert.Empty(c.Interfaces.Added);
            Assert.Equal([SeedLink(red, blue)], c.Links.Removed.Select(l => LinkText(l, ids)));
            Assert.Equal([$"veth-pair-removed {blue}/veth-blue"], c.Findings.New.Select(FindingText));
            Assert.Empty(c.Findings.Resolved);
        }
        var back = await Compare(after, before);
        Assert.Equal([$"{blue}/veth-blue", $"{red}/veth-red"], back.Interfaces.Added.Select(Name));
        Assert.Equal([SeedLink(red, blue)], back.Links.Added.Select(l => LinkText(l, ids)));
        Assert.Equal([$"veth-pair-removed {blue}/veth-blue"], back.Findings.Resolved.Select(FindingText));
        Assert.Empty(back.Findings.New);
    }

    [Fact]
    public async Task Deleting_a_namespace_removes_it_its_pair_and_its_peer_end_with_a_finding()
    {
        var (red, blue, ids) = await HealthySeedPair();
        var before = await Take("healthy");

        Run.Ip("netns", "delete", blue);
        await WaitForFinding(FindingRules.NamespaceRemoved, blue, null);
        // The kernel destroys the namespace, and with it the pair's other end, in a deferred cleanup: on a
        // busy machine veth-red outlives the name by a while. The "after" is taken once it is gone too.
        await WaitFor($"{red}/veth-red gone", (t, _) => t.Namespaces.Single(n => n.Name == red).Interfaces.All(i => i.Name != "veth-red"));
        var after = await Take("namespace deleted");

        foreach (var c in await Forward(before, after))
        {
            Assert.Equal([blue], c.Namespaces.Removed.Select(n => n.Name));
            Assert.Empty(c.Namespaces.Added);
            // The namespace's own interfaces are not listed again; the end left in pod-red is.
            Assert.Equal([$"{red}/veth-red"], c.Interfaces.Removed.Select(Name));
            Assert.Equal([SeedLink(red, blue)], c.Links.Removed.Select(l => LinkText(l, ids)));
            Assert.Equal([$"namespace-removed {blue}/-"], c.Findings.New.Select(FindingText));
        }
        var back = await Compare(after, before);
        Assert.Equal([blue], back.Namespaces.Added.Select(n => n.Name));
        Assert.Equal([$"{red}/veth-red"], back.Interfaces.Added.Select(Name));
        Assert.Equal([$"namespace-removed {blue}/-"], back.Findings.Resolved.Select(FindingText));
    }

    [Fact]
    public async Task Taking_an_interface_down_changes_its_admin_and_oper_state_with_interface_down()
    {
        var (red, blue, _) = await HealthySeedPair();
        var before = await Take("healthy");

        Run.Ip("-n", red, "link", "set", "veth-red", "down");
        await WaitForFinding(FindingRules.InterfaceDown, red, "veth-red");
        // The peer loses its carrier a moment later (linkwatch): wait for the kernel and the live state to show it.
        await WaitFor($"{blue}/veth-blue without carrier", (topology, _) =>
            topology.Namespaces.FirstOrDefault(n => n.Name == blue)?.Interfaces.FirstOrDefault(i => i.Name == "veth-blue") is { OperState: not "UP" });
        var after = await Take("veth-red down");

        foreach (var c in await Forward(before, after))
        {
            AssertNoStructuralChange(c);
            var redChange = Changed(c, red, "veth-red");
            Assert.Contains(new FieldChange(ChangedFields.AdminUp, "up", "down"), redChange.Changes);
            Assert.Contains(new FieldChange(ChangedFields.OperState, "UP", "DOWN"), redChange.Changes);
            // Its peer lost its carrier.
            Assert.Contains(Changed(c, blue, "veth-blue").Changes, f => f.Field == ChangedFields.OperState && f.From == "UP" && f.To != "UP");
            Assert.Contains($"interface-down {red}/veth-red", c.Findings.New.Select(FindingText));
            Assert.Empty(c.Findings.Resolved);
        }
        var back = await Compare(after, before);
        Assert.Contains(new FieldChange(ChangedFields.AdminUp, "down", "up"), Changed(back, red, "veth-red").Changes);
        Assert.Contains(new FieldChange(ChangedFields.OperState, "DOWN", "UP"), Changed(back, red, "veth-red").Changes);
        Assert.Contains($"interface-down {red}/veth-red", back.Findings.Resolved.Select(FindingText));
        Assert.Empty(back.Findings.New);
    }

    [Fact]
    public async Task Changing_an_mtu_shows_the_mtu_change_and_mtu_mismatch()
    {
        var (red, blue, _) = await HealthySeedPair();
        var before = await Take("healthy");

        Run.Ip("-n", blue, "link", "set", "veth-blue", "mtu", "1400");
        await WaitForFinding(FindingRules.MtuMismatch, red, "veth-red");
        var after = await Take("mtu 1400");

        foreach (var c in await Forward(before, after))
        {
            AssertNoStructuralChange(c);
            Assert.Equal([new FieldChange(ChangedFields.Mtu, "1500", "1400")], Changed(c, blue, "veth-blue").Changes);
            Assert.Equal([$"{blue}/veth-blue"], c.Interfaces.Changed.Select(i => $"{i.NamespaceName}/{i.Name}"));
            Assert.Equal([$"mtu-mismatch {red}/veth-red"], c.Findings.New.Select(FindingText));
        }
        var back = await Compare(after, before);
        Assert.Equal([new FieldChange(ChangedFields.Mtu, "1400", "1500")], Changed(back, blue, "veth-blue").Changes);
        Assert.Equal([$"mtu-mismatch {red}/veth-red"], back.Findings.Resolved.Select(FindingText));
    }

    [Fact]
    public async Task Removing_the_address_shows_the_addresses_change_and_no_ip_address()
    {
        var (red, _, _) = await HealthySeedPair();
        var before = await Take("healthy");

        Run.Ip("-n", red, "addr", "del", "10.0.1.1/24", "dev", "veth-red");
        await WaitForFinding(FindingRules.NoIpAddress, red, "veth-red");
        var after = await Take("no address");

        foreach (var c in await Forward(before, after))
        {
            AssertNoStructuralChange(c);
            var change = Assert.Single(Changed(c, red, "veth-red").Changes);
            Assert.Equal(ChangedFields.Addresses, change.Field);
            Assert.Contains("10.0.1.1/24", change.From, StringComparison.Ordinal);
            Assert.DoesNotContain("10.0.1.1/24", change.To ?? "", StringComparison.Ordinal);
            Assert.Contains($"no-ip-address {red}/veth-red", c.Findings.New.Select(FindingText));
        }
        var back = await Compare(after, before);
        Assert.Contains("10.0.1.1/24", Assert.Single(Changed(back, red, "veth-red").Changes).To, StringComparison.Ordinal);
        Assert.Contains($"no-ip-address {red}/veth-red", back.Findings.Resolved.Select(FindingText));
    }

    [Fact]
    public async Task An_address_in_the_wrong_subnet_shows_the_addresses_change_and_subnet_mismatch()
    {
        var (red, _, _) = await HealthySeedPair();
        var before = await Take("healthy");

        Run.Ip("-n", red, "addr", "del", "10.0.1.1/24", "dev", "veth-red");
        Run.Ip("-n", red, "addr", "add", "10.0.2.1/24", "dev", "veth-red");
        await WaitForFinding(FindingRules.SubnetMismatch, red, "veth-red");
        var after = await Take("wrong subnet");

        foreach (var c in await Forward(before, after))
        {
            AssertNoStructuralChange(c);
            var change = Assert.Single(Changed(c, red, "veth-red").Changes);
            Assert.Equal(ChangedFields.Addresses, change.Field);
            Assert.Contains("10.0.1.1/24", change.From, StringComparison.Ordinal);
            Assert.Contains("10.0.2.1/24", change.To, StringComparison.Ordinal);
            Assert.Contains($"subnet-mismatch {red}/veth-red", c.Findings.New.Select(FindingText));
        }
        var back = await Compare(after, before);
        Assert.Contains($"subnet-mismatch {red}/veth-red", back.Findings.Resolved.Select(FindingText));
        Assert.Empty(back.Findings.New);
    }

    // ---- Helpers ----------------------------------------------------------------------------------

    /// <summary>The seed pair, once the live state shows it whole and healthy (no finding of ours).</summary>
    private async Task<(string Red, string Blue, Dictionary<string, string> Ids)> HealthySeedPair()
    {
        var (red, blue) = _net.AddSeedPair();
        var ids = new Dictionary<string, string> { [TestNet.Id(red)] = red, [TestNet.Id(blue)] = blue };
        _ids.AddRange(ids.Keys);
        await WaitFor("the healthy seed pair", (topology, findings) =>
            Mine(findings).Count == 0
            && topology.Namespaces.FirstOrDefault(n => n.Name == red)?.Interfaces.FirstOrDefault(i => i.Name == "veth-red") is { OperState: "UP" } r
            && r.Addresses.Contains("10.0.1.1/24")
            && topology.Namespaces.FirstOrDefault(n => n.Name == blue)?.Interfaces.FirstOrDefault(i => i.Name == "veth-blue") is { OperState: "UP" } b
            && b.Addresses.Contains("10.0.1.2/24")
            && topology.Links.Any(l => ids.ContainsKey(l.A.NamespaceId) && ids.ContainsKey(l.B.NamespaceId)));
        return (red, blue, ids);
    }

    private Task WaitForFinding(string rule, string ns, string? iface) =>
        WaitFor($"{rule} on {ns}/{iface ?? "-"}", (_, findings) => Mine(findings).Any(f => f.Rule == rule && f.NamespaceName == ns && f.Interface == iface));

    private async Task WaitFor(string what, Func<Topology, List<Finding>, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var topology = (await Client.GetFromJsonAsync<Topology>("/api/topology"))!;
            var findings = (await Client.GetFromJsonAsync<List<Finding>>("/api/findings"))!;
            if (condition(topology, findings))
            {
                output.WriteLine($"{clock.ElapsedMilliseconds} ms until {what}");
                return;
            }
            if (clock.Elapsed > Timeout)
                throw new Xunit.Sdk.XunitException($"The live state never showed {what} within {Timeout.TotalSeconds} s. Our findings: {string.Join("; ", Mine(findings).Select(FindingText))}");
            await Task.Delay(50);
        }
    }

    private async Task<string> Take(string label)
    {
        using var response = await Client.PostAsJsonAsync("/api/snapshots", new SnapshotRequest($"{_net.Prefix} {label}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SnapshotCreated>())!.Id;
    }

    /// <summary>before → after, twice: snapshot to snapshot, and snapshot to the live state (which is still "after").</summary>
    private async Task<TopologyComparison[]> Forward(string before, string after) =>
        [await Compare(before, after), await Compare(before, SnapshotLimits.Live)];

    /// <summary>The comparison, cut down to this test's namespaces, interfaces, links and findings.</summary>
    private async Task<TopologyComparison> Compare(string from, string to)
    {
        using var response = await Client.GetAsync($"/api/snapshots/{from}/compare/{to}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var c = (await response.Content.ReadFromJsonAsync<TopologyComparison>())!;
        Assert.Equal((from, to), (c.From, c.To));
        bool Ours(string? name) => name?.StartsWith(_net.Prefix + "-", StringComparison.Ordinal) == true;
        var ourIds = c.Namespaces.Added.Concat(c.Namespaces.Removed).Where(n => Ours(n.Name)).Select(n => n.Id)
            .Concat(c.Interfaces.Added.Concat(c.Interfaces.Removed).Where(i => Ours(i.NamespaceName)).Select(i => i.NamespaceId))
            .Concat(_net.Namespaces.Select(n => TestNet.TryNamespaceInode($"/run/netns/{n}")).OfType<string>())
            .Concat(_ids)
            .ToHashSet();
        var result = c with
        {
            Namespaces = new NamespaceChanges([.. c.Namespaces.Added.Where(n => Ours(n.Name))], [.. c.Namespaces.Removed.Where(n => Ours(n.Name))]),
            Interfaces = new InterfaceChanges(
                [.. c.Interfaces.Added.Where(i => Ours(i.NamespaceName))],
                [.. c.Interfaces.Removed.Where(i => Ours(i.NamespaceName))],
                [.. c.Interfaces.Changed.Where(i => Ours(i.NamespaceName))]),
            Links = new LinkChanges(
                [.. c.Links.Added.Where(l => ourIds.Contains(l.A.NamespaceId) || ourIds.Contains(l.B.NamespaceId))],
                [.. c.Links.Removed.Where(l => ourIds.Contains(l.A.NamespaceId) || ourIds.Contains(l.B.NamespaceId))]),
            Findings = new FindingChanges([.. c.Findings.New.Where(f => Ours(f.NamespaceName))], [.. c.Findings.Resolved.Where(f => Ours(f.NamespaceName))]),
        };
        output.WriteLine($"{from} → {to}: -ns [{string.Join(", ", result.Namespaces.Removed.Select(n => n.Name))}] +ns [{string.Join(", ", result.Namespaces.Added.Select(n => n.Name))}] "
            + $"-if [{string.Join(", ", result.Interfaces.Removed.Select(Name))}] +if [{string.Join(", ", result.Interfaces.Added.Select(Name))}] "
            + $"~if [{string.Join(", ", result.Interfaces.Changed.Select(i => $"{i.NamespaceName}/{i.Name} " + string.Join(" ", i.Changes.Select(f => $"{f.Field}:{f.From}→{f.To}"))))}] "
            + $"-link {result.Links.Removed.Count} +link {result.Links.Added.Count} new [{string.Join(", ", result.Findings.New.Select(FindingText))}] resolved [{string.Join(", ", result.Findings.Resolved.Select(FindingText))}]");
        return result;
    }

    private readonly List<string> _ids = [];

    private static void AssertNoStructuralChange(TopologyComparison c)
    {
        Assert.Empty(c.Namespaces.Added.Concat(c.Namespaces.Removed));
        Assert.Empty(c.Interfaces.Added.Concat(c.Interfaces.Removed));
        Assert.Empty(c.Links.Added.Concat(c.Links.Removed));
    }

    private static InterfaceChange Changed(TopologyComparison c, string ns, string name) =>
        c.Interfaces.Changed.SingleOrDefault(i => i.NamespaceName == ns && i.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{ns}/{name} is not among the changed interfaces: {string.Join(", ", c.Interfaces.Changed.Select(i => $"{i.NamespaceName}/{i.Name}"))}");

    private static string Name(InterfaceRef i) => $"{i.NamespaceName}/{i.Name}";

    private static string FindingText(Finding f) => $"{f.Rule} {f.NamespaceName}/{f.Interface ?? "-"}";

    private static string SeedLink(string red, string blue) => string.Join(" ↔ ", new[] { $"{red}/veth-red", $"{blue}/veth-blue" }.Order(StringComparer.Ordinal));

    private static string LinkText(Link l, Dictionary<string, string> names) =>
        string.Join(" ↔ ", new[] { $"{names.GetValueOrDefault(l.A.NamespaceId, l.A.NamespaceId)}/{l.A.Interface}", $"{names.GetValueOrDefault(l.B.NamespaceId, l.B.NamespaceId)}/{l.B.Interface}" }.Order(StringComparer.Ordinal));

    /// <summary>This test's findings (by namespace name: the removed ones keep theirs).</summary>
    private List<Finding> Mine(IEnumerable<Finding> findings) =>
        findings.Where(f => f.NamespaceName?.StartsWith(_net.Prefix + "-", StringComparison.Ordinal) == true).ToList();
}
