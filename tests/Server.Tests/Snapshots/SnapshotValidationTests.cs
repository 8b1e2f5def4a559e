using Dashboard.Server.Snapshots;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>Labels, names and imported documents: what is taken and what is refused, with a reason.</summary>
public sealed class SnapshotValidationTests
{
    private static readonly DateTimeOffset Now = SnapshotData.T0.AddDays(1);

    [Theory]
    [InlineData("before upgrade", "before upgrade")]
    [InlineData("  padded\u00a0 ", "padded")]
    [InlineData("émoji 🚀 ok", "émoji 🚀 ok")]
    public void Good_labels_are_taken_trimmed(string raw, string expected)
    {
        Assert.True(SnapshotValidation.TryLabel(raw, out var label, out var error), error);
        Assert.Equal(expected, label);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("two\nlines", "one line")]
    [InlineData("tab\there", "one line")]
    [InlineData("bell\u0007", "one line")]
    [InlineData("esc\u001b[31m", "one line")]
    [InlineData("nul\0", "one line")]
    public void Bad_labels_are_refused_with_the_reason(string? raw, string reason)
    {
        Assert.False(SnapshotValidation.TryLabel(raw, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_may_have_LabelLength_characters_and_no_more()
    {
        Assert.True(SnapshotValidation.TryLabel(new string('a', SnapshotLimits.LabelLength), out _, out _));
        Assert.False(SnapshotValidation.TryLabel(new string('a', SnapshotLimits.LabelLength + 1), out _, out var error));
        Assert.Contains($"at most {SnapshotLimits.LabelLength}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void By_is_optional_trimmed_and_bounded()
    {
        Assert.True(SnapshotValidation.TryBy(null, "10.0.0.9", out var by, out _));
        Assert.Equal("10.0.0.9", by);
        Assert.True(SnapshotValidation.TryBy("   ", "10.0.0.9", out by, out _));
        Assert.Equal("10.0.0.9", by);
        Assert.True(SnapshotValidation.TryBy(" alice ", "10.0.0.9", out by, out _));
        Assert.Equal("alice", by);
        Assert.True(SnapshotValidation.TryBy(new string('b', SnapshotLimits.ByLength), null, out _, out _));
        Assert.False(SnapshotValidation.TryBy(new string('b', SnapshotLimits.ByLength + 1), null, out _, out _));
        Assert.False(SnapshotValidation.TryBy("al\rice", null, out _, out _));
    }

    [Fact]
    public void A_whole_export_is_importable()
    {
        Assert.Empty(SnapshotValidation.CheckImport(SnapshotData.Make(), Now));
    }

    public static TheoryData<string, string> BrokenDocuments() => new()
    {
        { "no topology", "topology is required" },
        { "null namespaces", "topology.namespaces is required" },
        { "null namespace", "topology.namespaces[0] is null" },
        { "null interfaces", "topology.namespaces[0].interfaces is required" },
        { "null interface name", "topology.namespaces[0].interfaces[0].name is required" },
        { "null address", "topology.namespaces[0].interfaces[0].addresses[0] is required" },
        { "null owner", "topology.namespaces[0].owner is required" },
        { "null route table", "topology.namespaces[0].routes[0].table is required" },
        { "empty namespace id", "topology.namespaces[0].id must not be empty" },
        { "repeated namespace id", "repeats another namespace's id" },
        { "null link end", "topology.links[0].a is required" },
        { "null findings", "findings is required" },
        { "null finding title", "findings[0].title is required" },
        { "null fix", "findings[0].fix is required" },
        { "null warnings", "topology.warnings is required" },
        { "long hostname", "topology.hostname is longer than 253" },
        { "hostname with newline", "hostname must not hold control characters" },
        { "bad label", "label must be one line" },
        { "no label", "label is required" },
        { "newer format", "format 2 is newer than this release reads (1)" },
        { "negative format", "format must be a positive number" },
        { "taken in 1970", "takenAt must be a date between 2000-01-01 and tomorrow" },
        { "taken next week", "takenAt must be a date between" },
        { "long string", "is longer than 16384 characters" },
    };

    [Theory]
    [MemberData(nameof(BrokenDocuments))]
    public void Broken_documents_are_refused_naming_the_field(string what, string expected)
    {
        var s = SnapshotData.Make();
        var t = s.Topology;
        var ns = t.Namespaces.First(n => n.Interfaces.Any(i => i.Addresses.Count > 0) && n.Routes.Count > 0);
        var rest = t.Namespaces.Where(n => n != ns).ToList();
        var nic = ns.Interfaces.First(i => i.Addresses.Count > 0);
        NetworkNamespace WithNic(NetworkInterface changed) => ns with { Interfaces = [changed, .. ns.Interfaces.Where(i => i != nic)] };
        Topology WithNs(NetworkNamespace? changed) => t with { Namespaces = [changed!, .. rest] };
        var broken = what switch
        {
            "no topology" => s with { Topology = null! },
            "null namespaces" => s with { Topology = t with { Namespaces = null! } },
            "null namespace" => s with { Topology = WithNs(null) },
            "null interfaces" => s with { Topology = WithNs(ns with { Interfaces = null! }) },
            "null interface name" => s with { Topology = WithNs(WithNic(nic with { Name = null! })) },
            "null address" => s with { Topology = WithNs(WithNic(nic with { Addresses = [null!] })) },
            "null owner" => s with { Topology = WithNs(ns with { Owner = null! }) },
            "null route table" => s with { Topology = WithNs(ns with { Routes = [ns.Routes[0] with { Table = null! }] }) },
            "empty namespace id" => s with { Topology = WithNs(ns with { Id = "" }) },
            "repeated namespace id" => s with { Topology = t with { Namespaces = [ns, ns with { Name = "copy" }, .. rest] } },
            "null link end" => s with { Topology = t with { Links = [t.Links[0] with { A = null! }] } },
            "null findings" => s with { Findings = null! },
            "null finding title" => s with { Findings = [s.Findings[0] with { Title = null! }] },
            "null fix" => s with { Findings = [s.Findings[0] with { Fix = null! }] },
            "null warnings" => s with { Topology = t with { Warnings = null! } },
            "long hostname" => s with { Topology = t with { Hostname = new string('h', 254) } },
            "hostname with newline" => s with { Topology = t with { Hostname = "node\n1" } },
            "bad label" => s with { Label = "a\nb" },
            "no label" => s with { Label = null! },
            "newer format" => s with { Format = 2 },
            "negative format" => s with { Format = -1 },
            "taken in 1970" => s with { TakenAt = DateTimeOffset.UnixEpoch },
            "taken next week" => s with { TakenAt = Now.AddDays(7) },
            "long string" => s with { Findings = [s.Findings[0] with { Evidence = new string('e', 20_000) }] },
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        var errors = SnapshotValidation.CheckImport(broken, Now);

        Assert.True(errors.Any(e => e.Contains(expected, StringComparison.Ordinal)), $"{what}: expected '{expected}' in: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void What_the_contract_gives_a_default_for_may_be_left_out()
    {
        const string json = """
            { "id": "x", "label": "minimal", "takenAt": "2026-11-27T12:00:00Z", "findings": [],
              "topology": { "takenAt": "2026-11-27T12:00:00Z", "hostname": "node-2", "links": [], "warnings": [],
                "namespaces": [ { "id": "4026532176", "name": "pod-red", "isRoot": false, "paths": [], "pids": [],
                  "owner": { "kind": "netns", "name": "pod-red" },
                  "interfaces": [ { "ifindex": 2, "name": "veth-red", "kind": "veth", "mac": null, "mtu": 1500, "adminUp": true,
                                    "operState": "UP", "master": null, "addresses": ["10.0.1.1/24"], "peer": null } ],
                  "routes": [ { "destination": "10.0.1.0/24", "gateway": null, "device": "veth-red", "table": "main" } ] } ] } }
            """;
        var parsed = System.Text.Json.JsonSerializer.Deserialize(json, WireJsonContext.Default.Snapshot);

        var normalized = SnapshotValidation.Normalize(parsed)!;

        Assert.Empty(SnapshotValidation.CheckImport(normalized, Now));
        var ns = normalized.Topology.Namespaces[0];
        Assert.Equal("pod-red", ns.DisplayName);
        Assert.Empty(ns.Processes);
        Assert.Empty(ns.Interfaces[0].Flags);
        Assert.Equal(("inet", "unicast", "universe", "boot"), (ns.Routes[0].Family, ns.Routes[0].Type, ns.Routes[0].Scope, ns.Routes[0].Protocol));
        Assert.Equal(SnapshotLimits.Format, normalized.Format);
    }

    [Fact]
    public void Too_many_namespaces_are_refused_before_anything_else_is_looked_at()
    {
        var s = SnapshotData.Make();
        var ns = s.Topology.Namespaces[0];
        var many = Enumerable.Range(0, SnapshotValidation.MaxNamespaces + 1).Select(i => ns with { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList();

        var errors = SnapshotValidation.CheckImport(s with { Topology = s.Topology with { Namespaces = many } }, Now);

        Assert.Contains(errors, e => e.Contains($"at most {SnapshotValidation.MaxNamespaces}", StringComparison.Ordinal));
    }

    [Fact]
    public void Export_file_names_carry_the_host_and_the_time_and_nothing_a_shell_or_path_would_read()
    {
        Assert.Equal("snapshot-node-1-20261127T1200Z.json", Server.Api.SnapshotApi.ExportFileName("node-1", SnapshotData.T0));
        Assert.Equal("snapshot-node-1-20261127T1300Z.json", Server.Api.SnapshotApi.ExportFileName("node-1", SnapshotData.T0.ToOffset(TimeSpan.FromHours(2)).AddHours(1)));
        Assert.Equal("snapshot-_.._etc_passwd_x-20261127T1200Z.json", Server.Api.SnapshotApi.ExportFileName("/../etc/passwd;x", SnapshotData.T0));
        Assert.Equal("snapshot-node-20261127T1200Z.json", Server.Api.SnapshotApi.ExportFileName("", SnapshotData.T0));
    }
}
