using Dashboard.Shared;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Dashboard.Client.Tests;

/// <summary>
/// bUnit with MudBlazor's services and loose JS interop (MudBlazor calls JS the tests do not care about).
/// Disposed asynchronously: some MudBlazor services are only IAsyncDisposable.
/// </summary>
public abstract class DashboardTestContext : BunitContext, IAsyncLifetime
{
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected DashboardTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddScoped<Services.DiagnoseSelection>();
        Services.AddScoped<Services.LabAccess>();
    }

    protected static Finding InterfaceDown(string ns = "pod-blue", string iface = "veth-blue", string nsId = "4026532245") =>
        new($"interface-down:{nsId}:{iface}", FindingRules.InterfaceDown, Severities.Error, nsId, ns, iface,
            $"{iface} is DOWN", "ping: Network is unreachable", "operstate DOWN, IFF_UP not set",
            [$"ip -n {ns} link set {iface} up"], DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    protected static Finding MtuMismatch(string ns = "pod-red", string iface = "veth-red") =>
        new($"mtu-mismatch:1:{iface}", FindingRules.MtuMismatch, Severities.Warning, "4026532111", ns, iface,
            $"{iface} MTU 1400, peer 1500", "Large packets are dropped", "mtu 1400 vs 1500",
            [$"ip -n {ns} link set {iface} mtu 1500"], DateTimeOffset.UnixEpoch);
}
