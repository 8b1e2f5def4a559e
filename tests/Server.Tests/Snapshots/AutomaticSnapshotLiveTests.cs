using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// Automatic snapshots on the real server (with Dashboard:Snapshots set): the schedule with its retention, and a
/// snapshot when a real break makes a new finding. Other tests change the node meanwhile, so what is asserted
/// holds whatever their findings do.
/// </summary>
public sealed class AutomaticSnapshotLiveTests : IDisposable
{
    private readonly TestNet _net = new();
    private readonly List<IDisposable> _cleanup = [];

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_cleanup)) d.Dispose();
        _net.Dispose();
    }

    private HttpClient Start(Dictionary<string, string> settings)
    {
        var factory = new DashboardFactory(settings: settings);
        _cleanup.Add(factory);
        var client = factory.AuthorizedClient();
        _cleanup.Add(client);
        return client;
    }

    private static async Task<List<SnapshotSummary>> List(HttpClient client) =>
        (await client.GetFromJsonAsync<List<SnapshotSummary>>("/api/snapshots"))!;

    [Fact]
    public async Task The_schedule_keeps_only_the_newest_KeepCount_automatic_snapshots_and_every_manual_one()
    {
        var client = Start(new()
        {
            ["Dashboard:Snapshots:Interval"] = "00:00:01",
            ["Dashboard:Snapshots:KeepCount"] = "2",
        });
        using (var response = await client.PostAsJsonAsync("/api/snapshots", new SnapshotRequest("manual, kept")))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var manualAt = DateTimeOffset.UtcNow;

        // Four ticks or more: two or more were deleted by the retention.
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        var list = await List(client);

        var scheduled = list.Where(s => s.Origin == SnapshotOrigins.Schedule).ToList();
        Assert.Equal(2, scheduled.Count);
        Assert.All(scheduled, s => Assert.Equal(("schedule", "schedule"), (s.Label, s.TakenBy)));
        Assert.All(scheduled, s => Assert.True(s.TakenAt > manualAt.AddSeconds(1.5), $"an old scheduled snapshot was kept: {s.TakenAt:O}"));
        Assert.Single(list, s => s.Origin == SnapshotOrigins.Manual && s.Label == "manual, kept");
    }

    [Fact]
    public void The_settings_are_validated_at_start()
    {
        using var factory = new DashboardFactory(settings: new()
        {
            ["Dashboard:Snapshots:Interval"] = "00:00:00.010",
            ["Dashboard:Snapshots:KeepCount"] = "0",
            ["Dashboard:Snapshots:MaxImportBytes"] = "10",
        });

        var e = Assert.ThrowsAny<Exception>(() => factory.AuthorizedClient());
        var message = e.ToString();
        Assert.Contains("Dashboard:Snapshots:Interval", message, StringComparison.Ordinal);
        Assert.Contains("Dashboard:Snapshots:KeepCount", message, StringComparison.Ordinal);
        Assert.Contains("Dashboard:Snapshots:MaxImportBytes", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_finding_takes_a_snapshot_that_holds_it()
    {
        var client = Start(new()
        {
            ["Dashboard:Snapshots:OnNewFinding"] = "true",
            ["Dashboard:Snapshots:MinimumGap"] = "00:00:01",
            ["Dashboard:Snapshots:FindingSettle"] = "00:00:00.200",
        });
        var (red, _) = _net.AddSeedPair();
        await Until("the healthy seed pair is live", async () =>
            (await client.GetFromJsonAsync<Topology>("/api/topology"))!.Namespaces.Any(n => n.Name == red && n.Interfaces.Any(i => i.Name == "veth-red" && i.OperState == "UP")));
        var before = (await List(client)).Select(s => s.Id).ToHashSet();

        Run.Ip("-n", red, "link", "set", "veth-red", "down");

        // Other tests' findings may take snapshots too (at most one a second): one of them holds ours.
        Snapshot? ours = null;
        await Until($"a new-finding snapshot holding interface-down on {red}/veth-red", async () =>
        {
            foreach (var s in (await List(client)).Where(s => s.Origin == SnapshotOrigins.Finding && !before.Contains(s.Id)))
            {
                var snapshot = (await client.GetFromJsonAsync<Snapshot>($"/api/snapshots/{s.Id}"))!;
                if (snapshot.Findings.Any(f => f.Rule == FindingRules.InterfaceDown && f.NamespaceName == red && f.Interface == "veth-red"))
                {
                    ours = snapshot;
                    return true;
                }
            }
            return false;
        });
        Assert.Matches(@"^new finding: [a-z-]+ on .+", ours!.Label);
        Assert.Equal(SnapshotOrigins.Finding, ours.Origin);
        Assert.False(string.IsNullOrEmpty(ours.TakenBy));
    }

    private static async Task Until(string what, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(15)) throw new Xunit.Sdk.XunitException($"Never: {what}");
            await Task.Delay(100);
        }
    }
}
