using Dashboard.Client.Components;
using Dashboard.Client.Services;
using Dashboard.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client.Tests.Lab;

public sealed class LabAccessTests : LabTestContext
{
    [Fact]
    public void The_app_bar_shows_the_lab_link_when_the_lab_answers()
    {
        var link = Render<LabNavLink>();

        link.WaitFor(() => Assert.Equal("lab", link.Find("[data-testid='nav-lab']").GetAttribute("href")));
    }

    [Fact]
    public void The_app_bar_shows_no_lab_link_when_the_server_refuses_it()
    {
        Refuse();

        var link = Render<LabNavLink>();

        link.WaitFor(() => Assert.True(Services.GetRequiredService<LabAccess>().Known));
        Assert.Empty(link.FindAll("[data-testid='nav-lab']"));
        Assert.Equal(1, LabReads);
        // Its capabilities said so: the lab itself was not asked (a 403 in every page's log otherwise).
        Assert.Equal(0, LabStateReads);
    }

    [Fact]
    public async Task The_lab_is_read_once_and_again_after_a_reconnection_never_polled()
    {
        Refuse();
        var state = Services.GetRequiredService<DashboardState>();
        await state.EnsureStartedAsync(); // as the layout does
        Assert.Equal(ConnectionStatus.Connected, state.Status);
        var link = Render<LabNavLink>();
        link.WaitFor(() => Assert.True(Services.GetRequiredService<LabAccess>().Known));
        await Task.Delay(200);
        Assert.Equal(1, LabReads);
        Assert.Empty(link.FindAll("[data-testid='nav-lab']"));

        // The server restarts with --lab.
        Allow();
        await Hub.Last.DropAsync();
        await Hub.Last.ReconnectAsync();

        link.WaitFor(() => Assert.NotNull(link.Find("[data-testid='nav-lab']")));
        Assert.Equal(2, LabReads);
    }

    [Theory]
    [InlineData(LabChanges.Lab, "lab-pod-red", true)]
    [InlineData(LabChanges.Lab, "pod-red", false)]
    [InlineData(LabChanges.Lab, null, false)]
    [InlineData(LabChanges.All, "pod-red", true)]
    [InlineData(LabChanges.All, null, true)]
    [InlineData("nothing-known", "lab-pod-red", false)]
    public void Changes_are_allowed_by_the_mode_and_the_prefix(string changes, string? ns, bool allowed) =>
        Assert.Equal(allowed, LabAccess.MayChange(Fresh(changes), ns));

    [Fact]
    public void No_lab_allows_nothing() => Assert.False(LabAccess.MayChange(null, "lab-pod-red"));

    [Theory]
    [InlineData(true, "ip -n lab-pod-blue link set veth-blue up")]
    [InlineData(false, "ip -n <peer-namespace> link del veth-x")]
    [InlineData(false)]
    public void A_fix_is_runnable_when_it_has_commands_and_no_placeholder(bool runnable, params string[] fix) =>
        Assert.Equal(runnable, LabAccess.Runnable(fix));
}
