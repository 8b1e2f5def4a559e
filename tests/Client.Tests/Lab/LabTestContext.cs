using System.Net;
using Dashboard.Client.Services;
using Dashboard.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using RoutedApi = Dashboard.Client.Tests.Snapshots.FakeApi;

namespace Dashboard.Client.Tests.Lab;

/// <summary>A server with a lab: GET /api/lab answers <see cref="Lab"/> as it is at each read (or the refusal the test sets); the hub is the test's.</summary>
public abstract class LabTestContext : DashboardTestContext
{
    internal static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    internal RoutedApi Api { get; } = new();

    internal FakeHub Hub { get; } = new();

    /// <summary>What GET /api/lab answers now.</summary>
    internal LabState Lab { get; set; } = Fresh();

    protected LabTestContext()
    {
        Api.On("GET", "/api/capabilities", (_, _) => RoutedApi.Ok(
            _refused ? new Capabilities(null, null, "Start the dashboard with --lab, or set Dashboard:AllowChanges=true.") : new Capabilities(Lab.Changes, Lab.Prefix, null),
            WireJsonContext.Default.Capabilities));
        Api.On("GET", "/api/lab", (_, _) => RoutedApi.Ok(Lab, WireJsonContext.Default.LabState));
        var api = new DashboardApi(new HttpClient(Api) { BaseAddress = new Uri("http://127.0.0.1:5080/") });
        Services.AddSingleton(api);
        Services.AddSingleton(sp => new DashboardState(api, sp.GetRequiredService<NavigationManager>(), TimeProvider.System, Hub.Create));
    }

    private volatile bool _refused;

    /// <summary>The lab refused: the server allows no changes (its capabilities say so, and GET /api/lab answers 403).</summary>
    internal void Refuse()
    {
        _refused = true;
        Api.Problem("GET", "/api/lab", HttpStatusCode.Forbidden, "Changes are not allowed: start with --lab or set Dashboard:AllowChanges=true.");
    }

    /// <summary>The server allows changes again (restarted with --lab).</summary>
    internal void Allow()
    {
        _refused = false;
        Api.On("GET", "/api/lab", (_, _) => RoutedApi.Ok(Lab, WireJsonContext.Default.LabState));
    }

    /// <summary>How often the client asked what it may change (each read of the lab starts there).</summary>
    internal int LabReads => Api.Requests.Count(r => r.Method == "GET" && r.Path == "/api/capabilities");

    /// <summary>How often GET /api/lab itself was called.</summary>
    internal int LabStateReads => Api.Requests.Count(r => r.Method == "GET" && r.Path == "/api/lab");

    internal static HttpResponseMessage Answer(LabAction action) => RoutedApi.Ok(action, WireJsonContext.Default.LabAction);

    internal static LabAction Ran(string action, string target, params LabCommand[] commands) =>
        new(action, target, commands.All(c => c.ExitCode == 0), commands, Noon);

    internal static LabCommand Ok(string command) => new(command, 0, null, 12.5);

    /// <summary>Nothing built: the seed pair and the routed setup, three faults in the order the server gives them.</summary>
    internal static LabState Fresh(string changes = LabChanges.Lab) => new(
        changes,
        "lab-",
        [
            new LabScenario(LabScenarios.SeedPair, "The seed's veth pair", "pod-red and pod-blue joined by a veth pair", false,
                ["lab-pod-red", "lab-pod-blue"], ["ip netns add lab-pod-red", "ip netns add lab-pod-blue", "ip link add veth-red type veth peer name veth-blue"]),
            new LabScenario(LabScenarios.Routed, "Two subnets, one router", "two subnets routed through a middle namespace", false,
                ["lab-left", "lab-router", "lab-right"], ["ip netns add lab-left"]) { Note = "ip only" },
        ],
        [
            new LabFault(LabFaults.InterfaceDown, "Interface DOWN", LabScenarios.SeedPair, FindingRules.InterfaceDown, "ping: Network is unreachable",
                false, false, ["ip -n lab-pod-blue link set veth-blue down"], ["ip -n lab-pod-blue link set veth-blue up"])
            { SeedRow = "Interface DOWN", DiagnoseFrom = "lab-pod-red", DiagnoseTo = "10.0.1.2" },
            new LabFault(LabFaults.MtuMismatch, "MTU mismatch", LabScenarios.SeedPair, FindingRules.MtuMismatch, "Large packets are dropped",
                false, false, ["ip -n lab-pod-red link set veth-red mtu 1400"], ["ip -n lab-pod-red link set veth-red mtu 1500"]),
            new LabFault(LabFaults.FirewallDrop, "Firewall drops pings", LabScenarios.Routed, "firewall-drop", "Packets sent but no reply",
                false, false, ["ip netns exec lab-router nft add table inet lab"], ["ip netns exec lab-router nft delete table inet lab"])
            { DiagnoseFrom = "lab-left", DiagnoseTo = "10.0.2.2" },
        ],
        [],
        []);

    /// <summary>The seed pair built: its namespaces exist, its faults can be injected.</summary>
    internal static LabState SeedPairBuilt(LabState lab) => lab with
    {
        Scenarios = [.. lab.Scenarios.Select(s => s.Name == LabScenarios.SeedPair ? s with { Built = true } : s)],
        Faults = [.. lab.Faults.Select(f => f.Scenario == LabScenarios.SeedPair ? f with { Available = true } : f)],
        Namespaces = [new LabNamespace("lab-pod-red", "4026532301", LabScenarios.SeedPair), new LabNamespace("lab-pod-blue", "4026532302", LabScenarios.SeedPair)],
    };

    internal static LabState WithFault(LabState lab, string fault, bool active) => lab with
    {
        Faults = [.. lab.Faults.Select(f => f.Name == fault ? f with { Active = active } : f)],
    };
}

internal static class PatientWaits
{
    /// <summary>Longer than bUnit's 1 s: each lab step is an HTTP call and a re-read, and the test machine may be busy.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static void WaitFor<TComponent>(this IRenderedComponent<TComponent> component, Action assertion)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        component.WaitForAssertion(assertion, Patience);
}
