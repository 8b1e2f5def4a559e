using System.Net;
using Dashboard.Client.Pages;
using Dashboard.Client.Services;
using Dashboard.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using RoutedApi = Dashboard.Client.Tests.Snapshots.FakeApi;

namespace Dashboard.Client.Tests.Lab;

public sealed class LabPageTests : LabTestContext
{
    private IRenderedComponent<LabPage> RenderLoaded()
    {
        var page = Render<LabPage>();
        page.WaitFor(() => Assert.Equal(2, page.FindAll("[data-testid='lab-scenario']").Count));
        return page;
    }

    [Fact]
    public void Refused_by_the_server_it_explains_how_to_turn_the_lab_on_and_offers_nothing_to_press()
    {
        Refuse();

        var page = Render<LabPage>();

        page.WaitFor(() => Assert.NotNull(page.Find("[data-testid='lab-off']")));
        var off = page.Find("[data-testid='lab-off']").TextContent;
        Assert.Contains("--lab", off, StringComparison.Ordinal);
        Assert.Contains("Dashboard:AllowChanges=true", off, StringComparison.Ordinal);
        Assert.Contains("Start the dashboard with --lab", page.Find("[data-testid='lab-off-detail']").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid='lab-scenario']"));
        Assert.Empty(page.FindAll("[data-testid='lab-fault']"));
        Assert.Empty(page.FindAll("[data-testid='lab-reset']"));
        Assert.Empty(page.FindAll("[data-testid='lab-mode']"));
    }

    [Fact]
    public void Shows_the_mode_each_scenario_the_faults_in_order_with_the_seed_row_and_rule_and_the_lab_namespaces()
    {
        Lab = SeedPairBuilt(Fresh());

        var page = RenderLoaded();

        Assert.Equal("changes allowed: lab namespaces only", page.Find("[data-testid='lab-mode']").TextContent.Trim());
        Assert.Contains("never to the node", page.Find("[data-testid='lab-intro']").TextContent, StringComparison.Ordinal);
        var seed = page.Find("[data-testid='lab-scenario'][data-name='seed-pair']");
        Assert.Equal("true", seed.GetAttribute("data-built"));
        Assert.Equal("Rebuild", seed.QuerySelector("[data-testid='lab-build']")!.TextContent.Trim());
        Assert.Contains("ip link add veth-red type veth peer name veth-blue", seed.QuerySelector("[data-testid='lab-build-commands']")!.TextContent, StringComparison.Ordinal);
        var routed = page.Find("[data-testid='lab-scenario'][data-name='routed']");
        Assert.Equal("false", routed.GetAttribute("data-built"));
        Assert.Equal("Build", routed.QuerySelector("[data-testid='lab-build']")!.TextContent.Trim());
        Assert.Equal("ip only", routed.QuerySelector("[data-testid='lab-scenario-note']")!.TextContent.Trim());
        Assert.True(routed.QuerySelector("[data-testid='lab-remove']")!.HasAttribute("disabled"));

        var faults = page.FindAll("[data-testid='lab-fault']");
        Assert.Equal(["interface-down", "mtu-mismatch", "firewall-drop"], faults.Select(f => f.GetAttribute("data-name")));
        Assert.Equal("Interface DOWN", faults[0].QuerySelector("[data-testid='lab-fault-seed-row']")!.TextContent.Trim());
        Assert.Equal("interface-down", faults[0].QuerySelector("[data-testid='lab-fault-rule']")!.TextContent.Trim());
        Assert.Equal("ping: Network is unreachable", faults[0].QuerySelector("[data-testid='lab-fault-symptom']")!.TextContent.Trim());
        Assert.Equal("The seed's veth pair", faults[0].QuerySelector("[data-testid='lab-fault-scenario']")!.TextContent.Trim());
        Assert.Contains("not in the table", faults[2].QuerySelector("[data-testid='lab-fault-seed-row']")!.TextContent, StringComparison.Ordinal);

        var namespaces = page.FindAll("[data-testid='lab-namespace']");
        Assert.Equal(["lab-pod-red", "lab-pod-blue"], namespaces.Select(n => n.GetAttribute("data-name")));
        Assert.Equal("./?ns=lab-pod-red", namespaces[0].QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public void All_changes_allowed_says_anything()
    {
        Lab = Fresh(LabChanges.All);

        var page = RenderLoaded();

        Assert.Equal("changes allowed: anything", page.Find("[data-testid='lab-mode']").TextContent.Trim());
    }

    [Fact]
    public void A_fault_cannot_be_injected_before_its_scenario_is_built_and_says_why()
    {
        var page = RenderLoaded();

        var fault = page.Find("[data-testid='lab-fault'][data-name='interface-down']");
        Assert.Equal("false", fault.GetAttribute("data-available"));
        Assert.True(fault.QuerySelector("[data-testid='lab-inject']")!.HasAttribute("disabled"));
        Assert.True(fault.QuerySelector("[data-testid='lab-heal']")!.HasAttribute("disabled"));
        Assert.Contains("Build “The seed's veth pair” first", fault.QuerySelector("[data-testid='lab-fault-reason']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_posts_the_scenario_shows_each_command_with_its_exit_code_and_reads_the_lab_again()
    {
        Api.On("POST", "/api/lab/scenarios/seed-pair", (_, _) =>
        {
            Lab = SeedPairBuilt(Lab);
            return Answer(Ran(LabActions.Build, "seed-pair", Ok("ip netns add lab-pod-red"), Ok("ip netns add lab-pod-blue")));
        });
        var page = RenderLoaded();
        var reads = LabReads;

        page.Find("[data-testid='lab-scenario'][data-name='seed-pair'] [data-testid='lab-build']").Click();

        page.WaitFor(() => Assert.Equal("true", page.Find("[data-testid='lab-scenario'][data-name='seed-pair']").GetAttribute("data-built")));
        Assert.Single(Api.Requests, r => r.Method == "POST" && r.Path == "/api/lab/scenarios/seed-pair");
        Assert.True(LabReads > reads);
        var action = page.Find("[data-testid='lab-action']");
        Assert.Equal(("true", "build", "seed-pair"), (action.GetAttribute("data-succeeded"), action.GetAttribute("data-action"), action.GetAttribute("data-target")));
        Assert.Contains("The commands it ran", action.TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-testid='lab-scenario'][data-name='seed-pair'] [data-testid='lab-action']")); // in the card it was built from
        var commands = action.QuerySelectorAll("[data-testid='lab-command']");
        Assert.Equal(["ip netns add lab-pod-red", "ip netns add lab-pod-blue"], commands.Select(c => c.QuerySelector("[data-testid='lab-command-line']")!.TextContent));
        Assert.All(commands, c => Assert.Equal("0", c.GetAttribute("data-exit-code")));
        Assert.Equal("exit 0", commands[0].QuerySelector("[data-testid='lab-command-exit']")!.TextContent.Trim());
        // Its faults can be injected now.
        Assert.False(page.Find("[data-testid='lab-fault'][data-name='interface-down'] [data-testid='lab-inject']").HasAttribute("disabled"));
    }

    [Fact]
    public void A_build_that_failed_shows_red_with_the_failing_command_and_its_error()
    {
        Api.On("POST", "/api/lab/scenarios/routed", (_, _) => Answer(new LabAction(LabActions.Build, "routed", false,
            [Ok("ip netns add lab-left"), new LabCommand("ip netns add lab-router", 1, "Cannot create namespace file \"/run/netns/lab-router\": File exists", 3)], Noon)
        {
            Warning = "Building stopped at ip netns add lab-router.",
        }));
        var page = RenderLoaded();

        page.Find("[data-testid='lab-scenario'][data-name='routed'] [data-testid='lab-build']").Click();

        page.WaitFor(() => Assert.Equal("false", page.Find("[data-testid='lab-action']").GetAttribute("data-succeeded")));
        var action = page.Find("[data-testid='lab-action']");
        Assert.Contains("nd-lab-failed", action.ClassName, StringComparison.Ordinal);
        var failure = page.Find("[data-testid='lab-action-failure']");
        Assert.Contains("mud-alert-text-error", failure.ClassName, StringComparison.Ordinal);
        Assert.Contains("ip netns add lab-router", failure.TextContent, StringComparison.Ordinal);
        Assert.Contains("File exists", failure.TextContent, StringComparison.Ordinal);
        Assert.Contains("Building stopped", page.Find("[data-testid='lab-action-warning']").TextContent, StringComparison.Ordinal);
        Assert.Equal(["0", "1"], page.FindAll("[data-testid='lab-command']").Select(c => c.GetAttribute("data-exit-code")));
        Assert.Contains("File exists", page.Find("[data-testid='lab-command'][data-exit-code='1'] [data-testid='lab-command-error']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_then_heal_call_the_faults_endpoints_and_the_row_follows_the_lab()
    {
        Lab = SeedPairBuilt(Fresh());
        Api.On("POST", "/api/lab/faults/interface-down", (_, _) =>
        {
            Lab = WithFault(Lab, LabFaults.InterfaceDown, active: true);
            return Answer(Ran(LabActions.Inject, "interface-down", Ok("ip -n lab-pod-blue link set veth-blue down")));
        });
        Api.On("DELETE", "/api/lab/faults/interface-down", (_, _) =>
        {
            Lab = WithFault(Lab, LabFaults.InterfaceDown, active: false);
            return Answer(Ran(LabActions.Heal, "interface-down", Ok("ip -n lab-pod-blue link set veth-blue up")));
        });
        var page = RenderLoaded();
        const string row = "[data-testid='lab-fault'][data-name='interface-down']";
        Assert.Empty(page.FindAll($"{row} [data-testid='lab-diagnose']")); // only while it is active

        page.Find($"{row} [data-testid='lab-inject']").Click();

        page.WaitFor(() => Assert.Equal("true", page.Find(row).GetAttribute("data-active")));
        Assert.Equal("ip -n lab-pod-blue link set veth-blue down", page.Find("[data-testid='lab-action'] [data-testid='lab-command-line']").TextContent);
        Assert.True(page.Find($"{row} [data-testid='lab-inject']").HasAttribute("disabled"));
        Assert.NotNull(page.Find($"{row} [data-testid='lab-diagnose']"));
        // What it ran shows right under the fault's row.
        Assert.Equal("lab-fault", page.Find("[data-testid='lab-action']").ParentElement!.ParentElement!.PreviousElementSibling!.GetAttribute("data-testid"));

        page.Find($"{row} [data-testid='lab-heal']").Click();

        page.WaitFor(() => Assert.Equal("false", page.Find(row).GetAttribute("data-active")));
        Assert.Equal("heal", page.Find("[data-testid='lab-action']").GetAttribute("data-action"));
        Assert.Equal(
            [("POST", "/api/lab/faults/interface-down"), ("DELETE", "/api/lab/faults/interface-down")],
            Api.Requests.Where(r => r.Path.StartsWith("/api/lab/faults/", StringComparison.Ordinal)).Select(r => (r.Method, r.Path)));
    }

    [Fact]
    public void A_refused_inject_shows_the_servers_reason()
    {
        Lab = SeedPairBuilt(Fresh());
        Api.Problem("POST", "/api/lab/faults/mtu-mismatch", HttpStatusCode.Conflict, "mtu-mismatch is already active.");
        var page = RenderLoaded();

        page.Find("[data-testid='lab-fault'][data-name='mtu-mismatch'] [data-testid='lab-inject']").Click();

        page.WaitFor(() => Assert.Contains("mtu-mismatch is already active.", page.Find("[data-testid='lab-action-problem']").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid='lab-action']"));
    }

    [Fact]
    public void An_action_refused_because_the_lab_was_turned_off_meanwhile_explains_it_and_hides_the_lab()
    {
        var page = RenderLoaded();
        Refuse(); // the server restarted without --lab
        Api.Problem("POST", "/api/lab/scenarios/seed-pair", HttpStatusCode.Forbidden, "This server does not change the node.");

        page.Find("[data-testid='lab-scenario'][data-name='seed-pair'] [data-testid='lab-build']").Click();

        page.WaitFor(() => Assert.NotNull(page.Find("[data-testid='lab-off']")));
        Assert.Empty(page.FindAll("[data-testid='lab-scenario']"));
    }

    [Fact]
    public void Diagnose_starts_the_faults_ping_and_opens_its_page()
    {
        Lab = WithFault(SeedPairBuilt(Fresh()), LabFaults.InterfaceDown, active: true);
        Api.On("POST", "/api/diagnoses", (_, _) => RoutedApi.Ok(
            new Diagnosis("d42", new DiagnosisSource("4026532301", "lab-pod-red"), "10.0.1.2", null, null, [], Noon, 0) { Status = DiagnosisStatus.Running },
            WireJsonContext.Default.Diagnosis, HttpStatusCode.Accepted));
        var page = RenderLoaded();

        page.Find("[data-testid='lab-fault'][data-name='interface-down'] [data-testid='lab-diagnose']").Click();

        page.WaitFor(() => Assert.EndsWith("/diagnoses/d42", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var post = Assert.Single(Api.Requests, r => r.Method == "POST" && r.Path == "/api/diagnoses");
        Assert.Contains("\"source\":\"lab-pod-red\"", post.Body, StringComparison.Ordinal);
        Assert.Contains("\"destination\":\"10.0.1.2\"", post.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_asks_first_then_removes_every_lab_namespace()
    {
        Lab = SeedPairBuilt(Fresh());
        Api.On("DELETE", "/api/lab", (_, _) =>
        {
            Lab = Fresh();
            return Answer(Ran(LabActions.Reset, "lab", Ok("ip netns del lab-pod-red"), Ok("ip netns del lab-pod-blue")));
        });
        var page = RenderLoaded();

        page.Find("[data-testid='lab-reset']").Click();
        Assert.DoesNotContain(Api.Requests, r => r.Method == "DELETE");
        page.Find("[data-testid='lab-reset-cancel']").Click();
        page.Find("[data-testid='lab-reset']").Click();
        page.Find("[data-testid='lab-reset-confirm']").Click();

        page.WaitFor(() => Assert.NotNull(page.Find("[data-testid='lab-namespaces-empty']")));
        Assert.Single(Api.Requests, r => r.Method == "DELETE" && r.Path == "/api/lab");
        Assert.Equal(2, page.FindAll("[data-testid='lab-command']").Count);
    }

    [Fact]
    public void Remove_deletes_the_scenario()
    {
        Lab = SeedPairBuilt(Fresh());
        Api.On("DELETE", "/api/lab/scenarios/seed-pair", (_, _) =>
        {
            Lab = Fresh();
            return Answer(Ran(LabActions.Remove, "seed-pair", Ok("ip netns del lab-pod-red")));
        });
        var page = RenderLoaded();

        page.Find("[data-testid='lab-scenario'][data-name='seed-pair'] [data-testid='lab-remove']").Click();

        page.WaitFor(() => Assert.Equal("false", page.Find("[data-testid='lab-scenario'][data-name='seed-pair']").GetAttribute("data-built")));
        Assert.Equal("remove", page.Find("[data-testid='lab-action']").GetAttribute("data-action"));
    }

    [Fact]
    public async Task A_topology_change_reads_the_lab_again_so_a_fault_healed_by_a_fix_shows_inactive()
    {
        Lab = WithFault(SeedPairBuilt(Fresh()), LabFaults.InterfaceDown, active: true);
        var page = RenderLoaded();
        page.WaitFor(() => Assert.NotEmpty(Hub.Connections));
        const string row = "[data-testid='lab-fault'][data-name='interface-down']";
        Assert.Equal("true", page.Find(row).GetAttribute("data-active"));

        Lab = WithFault(Lab, LabFaults.InterfaceDown, active: false); // someone applied the fix
        await page.InvokeAsync(() => Hub.Last.Push(new Topology(DateTimeOffset.UtcNow.AddMinutes(1), "node-1", [], [], [])));

        page.WaitFor(() => Assert.Equal("false", page.Find(row).GetAttribute("data-active")));
    }

    [Fact]
    public async Task Many_topology_changes_at_once_read_the_lab_about_once_a_second_not_each_time()
    {
        var page = RenderLoaded();
        page.WaitFor(() => Assert.NotEmpty(Hub.Connections));
        var reads = LabReads;

        for (var i = 1; i <= 20; i++)
        {
            var at = DateTimeOffset.UtcNow.AddMinutes(1).AddSeconds(i);
            await page.InvokeAsync(() => Hub.Last.Push(new Topology(at, "node-1", [], [], [])));
        }
        for (var waited = 0; LabReads == reads && waited < 100; waited++)
            await Task.Delay(50); // the first re-read comes within about a second
        await Task.Delay(LabPage.RereadInterval * 1.5);

        Assert.InRange(LabReads - reads, 1, 2);
    }
}
