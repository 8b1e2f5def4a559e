using System.Net;
using Bunit.TestDoubles;
using Dashboard.Client.Components;
using Dashboard.Client.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Client.Tests;

/// <summary>
/// The connection's life with a fake hub and a fake clock: connected, reconnecting, offline after
/// 15 s while still retrying every 5 s, and back without a reload; a 401 reloads for the login page.
/// </summary>
public sealed class DashboardConnectionTests : DashboardTestContext
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly FakeHub _hub = new();
    private readonly FakeApi _api;

    public DashboardConnectionTests()
    {
        _api = new FakeApi(_time);
        // Made by the container, so that the context disposes it (and its loop) after each test.
        Services.AddSingleton(sp => new DashboardState(
            new DashboardApi(new HttpClient(_api) { BaseAddress = new Uri("http://127.0.0.1:5080/") }),
            sp.GetRequiredService<NavigationManager>(), _time, _hub.Create));
    }

    private DashboardState State => Services.GetRequiredService<DashboardState>();

    private BunitNavigationManager Navigation => (BunitNavigationManager)Services.GetRequiredService<NavigationManager>();

    /// <summary>Waits (real time) for what the state's loop does on its own; fails after a few seconds.</summary>
    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>Moves the fake clock and lets the loop run what fell due; nothing else can happen meanwhile.</summary>
    private async Task AdvanceAsync(double seconds)
    {
        _time.Advance(TimeSpan.FromSeconds(seconds));
        await Task.Delay(50);
    }

    [Fact]
    public async Task Starts_by_reading_then_connecting_and_reads_again_once_connected()
    {
        await State.EnsureStartedAsync();

        Assert.Equal(ConnectionStatus.Connected, State.Status);
        Assert.Equal(1, _hub.Starts);
        Assert.Equal(2, _api.TopologyReads); // before the hub, and once it pushes (nothing was pushed in between)
        Assert.NotNull(State.Topology);
        Assert.Null(State.Error);
    }

    [Fact]
    public async Task A_first_start_that_fails_is_retried_every_5_s_shows_offline_after_15_s_and_connects_without_a_reload()
    {
        _hub.StartFailure = new HttpRequestException("Connection refused");

        await State.EnsureStartedAsync();

        Assert.Equal(ConnectionStatus.Connecting, State.Status);
        Assert.Contains("Live updates are off", State.Error, StringComparison.Ordinal);
        Assert.Equal(1, _hub.Starts);
        await AdvanceAsync(4.9);
        Assert.Equal(1, _hub.Starts);
        await AdvanceAsync(0.1);
        await Eventually(() => _hub.Starts == 2, "the second start, 5 s after the first");
        await AdvanceAsync(5);
        await Eventually(() => _hub.Starts == 3, "the third start, 5 s later");
        Assert.Equal(ConnectionStatus.Connecting, State.Status);
        Assert.True(_hub.Connections.Take(2).All(c => c.Disposed), "a failed connection is disposed");

        await AdvanceAsync(4.9); // 14.9 s without a connection
        Assert.Equal(ConnectionStatus.Connecting, State.Status);
        await AdvanceAsync(0.1);
        await Eventually(() => State.Status == ConnectionStatus.Offline, "offline 15 s after the first failure");
        await Eventually(() => _hub.Starts == 4, "still trying: the fourth start at 15 s");

        _hub.StartFailure = null; // the server is back
        var reads = _api.TopologyReads;
        await AdvanceAsync(5);
        await Eventually(() => State.Status == ConnectionStatus.Connected, "connected at the next start");
        Assert.Equal(5, _hub.Starts);
        await Eventually(() => _api.TopologyReads > reads, "the state read again");
        Assert.Null(State.Error);
        Assert.Empty(Navigation.History);

        // Connected: no more starts.
        await AdvanceAsync(30);
        Assert.Equal(5, _hub.Starts);
    }

    [Fact]
    public async Task A_drop_is_reconnecting_for_15_s_then_offline_and_connected_again_with_a_fresh_read()
    {
        await State.EnsureStartedAsync();
        var connection = _hub.Last;
        var updatedAt = State.UpdatedAt;

        await connection.DropAsync();
        Assert.Equal(ConnectionStatus.Reconnecting, State.Status);
        await AdvanceAsync(14.9);
        Assert.Equal(ConnectionStatus.Reconnecting, State.Status);
        await AdvanceAsync(0.1);
        await Eventually(() => State.Status == ConnectionStatus.Offline, "offline after 15 s");
        Assert.Equal(TimeSpan.FromSeconds(15), State.DataAge);

        var reads = _api.TopologyReads;
        await connection.ReconnectAsync();
        Assert.Equal(ConnectionStatus.Connected, State.Status);
        await Eventually(() => _api.TopologyReads == reads + 1, "a read of what changed while the connection was down");
        Assert.True(State.UpdatedAt > updatedAt);
        Assert.Equal(1, _hub.Starts); // the hub reconnected by itself: no new connection

        // A second outage has its own 15 s: the first one's timer does not cut it short.
        await AdvanceAsync(10);
        await connection.DropAsync();
        Assert.Equal(ConnectionStatus.Reconnecting, State.Status);
        await AdvanceAsync(10);
        Assert.Equal(ConnectionStatus.Reconnecting, State.Status);
        await AdvanceAsync(5);
        await Eventually(() => State.Status == ConnectionStatus.Offline, "offline 15 s into the second outage");
        Assert.Empty(Navigation.History);
    }

    [Fact]
    public async Task When_the_connection_closes_for_good_a_new_one_is_made_until_one_starts()
    {
        await State.EnsureStartedAsync();
        var first = _hub.Last;
        _hub.StartFailure = new HttpRequestException("Connection refused");

        await first.DropAsync();
        await first.CloseAsync(); // e.g. the server closed it and said not to reconnect

        await Eventually(() => first.Disposed, "the closed connection disposed");
        Assert.Equal(ConnectionStatus.Reconnecting, State.Status);
        // Starts stay at least 5 s apart: the first one was at 0 s.
        await AdvanceAsync(4.9);
        Assert.Equal(1, _hub.Starts);
        await AdvanceAsync(0.1);
        await Eventually(() => _hub.Starts == 2, "a new connection 5 s after the last start");
        await AdvanceAsync(10);
        await Eventually(() => State.Status == ConnectionStatus.Offline && _hub.Starts == 3, "offline, and still starting every 5 s");

        _hub.StartFailure = null;
        await AdvanceAsync(5);
        await Eventually(() => State.Status == ConnectionStatus.Connected, "connected by a new connection");
        Assert.Equal(4, _hub.Starts);
        Assert.Null(State.Error); // a dropped connection is told by the chip, not as an error
    }

    [Fact]
    public async Task Pushes_on_the_new_connection_reach_the_state_and_older_ones_stay_ignored()
    {
        await State.EnsureStartedAsync();
        var shown = State.Topology!;

        _hub.Last.Push(shown with { TakenAt = shown.TakenAt.AddSeconds(-1), Hostname = "older" });
        _hub.Last.Push(shown with { TakenAt = shown.TakenAt.AddSeconds(1), Hostname = "pushed" });

        Assert.Equal("pushed", State.Topology!.Hostname);
    }

    [Fact]
    public async Task A_401_from_a_read_loads_the_page_again_so_that_the_server_shows_its_login_page()
    {
        Navigation.NavigateTo("/?ns=pod-red");
        _api.FailWith = HttpStatusCode.Unauthorized;

        await State.EnsureStartedAsync();

        var reload = Assert.Single(Navigation.History, h => h.Options.ForceLoad);
        Assert.Equal("http://localhost/?ns=pod-red", reload.Uri);
        Assert.Empty(_hub.Connections); // no hub after a refused read
        await AdvanceAsync(30);
        Assert.Empty(_hub.Connections);
    }

    [Fact]
    public async Task A_401_from_the_refresh_button_loads_the_page_again()
    {
        await State.EnsureStartedAsync();
        _api.FailWith = HttpStatusCode.Unauthorized; // e.g. the server restarted with a new token

        await State.RefreshAsync();

        Assert.Single(Navigation.History, h => h.Options.ForceLoad);
        Assert.False(State.Refreshing);
    }

    [Fact]
    public async Task A_401_from_the_hub_loads_the_page_again_and_stops_retrying()
    {
        _hub.StartFailure = new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized);

        await State.EnsureStartedAsync();

        await Eventually(() => Navigation.History.Any(h => h.Options.ForceLoad), "the reload");
        await AdvanceAsync(30);
        Assert.Equal(1, _hub.Starts);
        Assert.Single(Navigation.History);
    }

    [Fact]
    public async Task A_read_that_fails_otherwise_is_shown_and_the_data_kept()
    {
        await State.EnsureStartedAsync();
        var shown = State.Topology;
        _api.FailWith = HttpStatusCode.ServiceUnavailable;

        await State.RefreshAsync();

        Assert.Contains("Could not read the node's state", State.Error, StringComparison.Ordinal);
        Assert.Same(shown, State.Topology);
        Assert.Empty(Navigation.History);
    }

    [Fact]
    public async Task Dispose_stops_the_retry_loop_and_the_connection()
    {
        _hub.StartFailure = new HttpRequestException("Connection refused");
        await State.EnsureStartedAsync();

        await State.DisposeAsync();
        await AdvanceAsync(60);

        Assert.Equal(1, _hub.Starts);
        Assert.Equal(ConnectionStatus.Connecting, State.Status); // no offline after dispose either
        Assert.True(_hub.Last.Disposed);
    }

    [Fact]
    public async Task Dispose_while_connected_disposes_the_connection()
    {
        await State.EnsureStartedAsync();

        await State.DisposeAsync();

        Assert.True(_hub.Last.Disposed);
        await State.DisposeAsync(); // twice is harmless
    }

    [Fact]
    public async Task The_chip_shows_reconnecting_then_offline_with_the_age_of_the_data()
    {
        await State.EnsureStartedAsync();
        var chip = Render<ConnectionIndicator>();
        Assert.Equal("connected", chip.Find("[data-testid='connection']").GetAttribute("data-status"));
        Assert.Contains("live", chip.Find("[data-testid='connection']").TextContent, StringComparison.Ordinal);

        await _hub.Last.DropAsync();
        chip.WaitForAssertion(() => Assert.Equal("reconnecting", chip.Find("[data-testid='connection']").GetAttribute("data-status")));

        await AdvanceAsync(20);
        chip.WaitForAssertion(() =>
        {
            var element = chip.Find("[data-testid='connection']");
            Assert.Equal("offline", element.GetAttribute("data-status"));
            Assert.Contains("offline · data 20 s old", element.TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_patch_on_the_topology_shown_applies_and_one_on_another_makes_the_page_read_the_whole_again()
    {
        await State.EnsureStartedAsync();
        var shown = State.Topology!;
        var reads = _api.TopologyReads;
        var pod = new Dashboard.Shared.NetworkNamespace("42", "pod", false, [], [], new("netns", "pod"), [], []);

        Assert.True(State.ApplyPatch(new Dashboard.Shared.TopologyPatch(shown.TakenAt, shown.TakenAt.AddSeconds(1), "node-1", [pod], [], null, [])));
        Assert.Equal(["42"], State.Topology!.Namespaces.Select(n => n.Id));
        Assert.Equal(reads, _api.TopologyReads);

        // A patch made from a topology the page never had: applied nowhere, the whole is read instead.
        var stale = new Dashboard.Shared.TopologyPatch(shown.TakenAt.AddSeconds(5), shown.TakenAt.AddSeconds(6), "node-1", [], ["42"], null, []);
        Assert.False(State.ApplyPatch(stale));
        await Eventually(() => _api.TopologyReads > reads, "the whole topology read again");
        Assert.Contains(State.Topology!.Namespaces, n => n.Id == "42"); // the stale patch removed nothing
    }
}
