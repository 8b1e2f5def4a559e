using System.Net;
using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Dashboard.Client.Services;
using Dashboard.Shared;

namespace Dashboard.Client.Tests;

/// <summary>How reads and pushes merge, without a hub: the state's apply methods on plain records.</summary>
public sealed class DashboardStateTests : DashboardTestContext
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private DashboardState NewState()
    {
        var http = new HttpClient(new NoNetwork()) { BaseAddress = new Uri("http://127.0.0.1:5080/") };
        return new DashboardState(new DashboardApi(http), Services.GetRequiredService<NavigationManager>());
    }

    private static Topology At(DateTimeOffset takenAt, string host = "node") => new(takenAt, host, [], [], []);

    [Fact]
    public void A_newer_topology_replaces_the_shown_one_and_notifies()
    {
        var state = NewState();
        var notified = 0;
        state.Changed += () => notified++;

        Assert.True(state.ApplyTopology(At(T0)));
        Assert.True(state.ApplyTopology(At(T0.AddSeconds(1), "newer")));

        Assert.Equal("newer", state.Topology!.Hostname);
        Assert.Equal(2, notified);
        Assert.NotNull(state.UpdatedAt);
    }

    [Fact]
    public void An_older_topology_arriving_late_is_ignored()
    {
        var state = NewState();
        state.ApplyTopology(At(T0.AddSeconds(5), "pushed"));
        var notified = 0;
        state.Changed += () => notified++;

        Assert.False(state.ApplyTopology(At(T0, "slow read")));

        Assert.Equal("pushed", state.Topology!.Hostname);
        Assert.Equal(0, notified);
    }

    [Fact]
    public void A_findings_read_that_a_push_overtook_is_dropped()
    {
        var state = NewState();
        var before = state.FindingsVersion;
        Finding down = new("1", FindingRules.InterfaceDown, Severities.Error, "1", "a", "v", "v is DOWN", "s", "e", ["ip -n a link set v up"], T0);

        state.ApplyPushedFindings([]); // the fix arrived by push while the read was in flight

        Assert.False(state.ApplyLoadedFindings([down], before));
        Assert.Empty(state.Findings);
        Assert.True(state.HasFindings);
    }

    [Fact]
    public void A_findings_read_with_no_push_meanwhile_is_applied()
    {
        var state = NewState();
        Assert.False(state.HasFindings);
        Finding down = new("1", FindingRules.InterfaceDown, Severities.Error, "1", "a", "v", "v is DOWN", "s", "e", [], T0);

        Assert.True(state.ApplyLoadedFindings([down], state.FindingsVersion));

        Assert.Single(state.Findings);
        Assert.True(state.HasFindings);
        Assert.Equal(ConnectionStatus.Connecting, state.Status);
    }

    /// <summary>No HTTP in these tests: the state is fed through its apply methods.</summary>
    private sealed class NoNetwork : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("", Encoding.UTF8) });
    }
}
