using System.Net;
using Dashboard.Client.Components;
using Dashboard.Client.Pages;
using Dashboard.Client.Services;
using Dashboard.Shared;
using RoutedApi = Dashboard.Client.Tests.Snapshots.FakeApi;

namespace Dashboard.Client.Tests.Lab;

public sealed class ApplyFixTests : LabTestContext
{
    private static readonly Finding LabDown = InterfaceDown("lab-pod-blue", "veth-blue", "4026532302");
    private static readonly Finding NodeDown = InterfaceDown("pod-blue", "veth-blue", "4026532245");

    private IRenderedComponent<FindingsPanel> RenderPanel(LabState? lab, bool frozen = false, params Finding[] findings) =>
        Render<FindingsPanel>(p => p.Add(c => c.Findings, findings).Add(c => c.Lab, lab).Add(c => c.Frozen, frozen));

    private static IEnumerable<string?> WithApply(IRenderedComponent<FindingsPanel> panel) =>
        panel.FindAll("[data-testid='finding']").Where(f => f.QuerySelector("[data-testid='apply-fix']") is not null).Select(f => f.GetAttribute("data-namespace"));

    [Fact]
    public void Lab_mode_offers_apply_only_on_lab_namespaces_and_keeps_the_copy_buttons()
    {
        var panel = RenderPanel(Fresh(LabChanges.Lab), false, LabDown, NodeDown);

        Assert.Equal(["lab-pod-blue"], WithApply(panel));
        Assert.Equal(2, panel.FindAll("[data-testid='copy-fix']").Count);
    }

    [Fact]
    public void All_changes_allowed_offers_apply_everywhere()
    {
        var panel = RenderPanel(Fresh(LabChanges.All), false, LabDown, NodeDown);

        Assert.Equal(["lab-pod-blue", "pod-blue"], WithApply(panel).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_lab_a_frozen_snapshot_or_a_fix_with_a_placeholder_offers_no_apply()
    {
        Assert.Empty(RenderPanel(null, false, LabDown, NodeDown).FindAll("[data-testid='apply-fix']"));
        Assert.Empty(RenderPanel(Fresh(LabChanges.All), true, LabDown, NodeDown).FindAll("[data-testid='apply-fix']"));
        var placeholder = LabDown with { Id = "peer-missing:1:veth-x", Rule = FindingRules.PeerMissing, Fix = ["ip -n <peer-namespace> link del veth-x"] };
        Assert.Empty(RenderPanel(Fresh(LabChanges.All), false, placeholder).FindAll("[data-testid='apply-fix']"));
    }

    [Fact]
    public void Apply_runs_the_findings_fix_on_the_server_and_shows_the_commands_it_ran_after_the_finding_is_gone()
    {
        Api.On("POST", $"/api/findings/{LabDown.Id}/fix", (_, _) => Answer(Ran(LabActions.Fix, LabDown.Id, Ok("ip -n lab-pod-blue link set veth-blue up")) with { Healed = [LabFaults.InterfaceDown] }));
        var panel = RenderPanel(Fresh(), false, LabDown);

        panel.Find("[data-testid='apply-fix']").Click();

        panel.WaitFor(() => Assert.Equal("true", panel.Find("[data-testid='fix-result']").GetAttribute("data-succeeded")));
        Assert.Single(Api.Requests, r => r.Method == "POST" && r.Path == $"/api/findings/{LabDown.Id}/fix");
        var command = panel.Find("[data-testid='fix-result'] [data-testid='lab-command']");
        Assert.Equal("0", command.GetAttribute("data-exit-code"));
        Assert.Equal("ip -n lab-pod-blue link set veth-blue up", command.QuerySelector("[data-testid='lab-command-line']")!.TextContent);
        // The lab fault it healed is good news, in green, not a warning.
        var healed = panel.Find("[data-testid='fix-result-healed']");
        Assert.Contains("mud-alert-text-success", healed.ClassName, StringComparison.Ordinal);
        Assert.Contains("interface-down", healed.TextContent, StringComparison.Ordinal);
        Assert.Empty(panel.FindAll("[data-testid='fix-result-warning']"));

        // Fixed: the finding goes with the next push, what the fix ran stays.
        panel.Render(p => p.Add(c => c.Findings, []));
        Assert.Empty(panel.FindAll("[data-testid='finding']"));
        Assert.Equal("true", panel.Find("[data-testid='fix-result']").GetAttribute("data-succeeded"));
    }

    [Fact]
    public void A_refused_fix_shows_the_servers_reason()
    {
        Api.Problem("POST", $"/api/findings/{LabDown.Id}/fix", HttpStatusCode.Forbidden, "lab mode changes lab namespaces only; pod-x is not one.");
        var panel = RenderPanel(Fresh(), false, LabDown);

        panel.Find("[data-testid='apply-fix']").Click();

        panel.WaitFor(() => Assert.Equal("false", panel.Find("[data-testid='fix-result']").GetAttribute("data-succeeded")));
        Assert.Contains("lab namespaces only", panel.Find("[data-testid='fix-result']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_diagnosis_offers_apply_for_a_root_cause_in_a_lab_namespace_and_runs_it()
    {
        Api.Json("GET", "/api/diagnoses/abc", Broken("lab-pod-blue"), WireJsonContext.Default.Diagnosis);
        Api.On("POST", "/api/diagnoses/abc/fix", (_, _) => Answer(Ran(LabActions.Fix, "abc", Ok("ip -n lab-pod-blue link set veth-blue up"))));

        var page = Render<DiagnosisPage>(p => p.Add(c => c.Id, "abc"));

        page.WaitFor(() => Assert.NotNull(page.Find("[data-testid='diagnosis-root-cause'] [data-testid='apply-fix']")));
        Assert.NotNull(page.Find("[data-testid='diagnosis-copy-fix']"));
        page.Find("[data-testid='apply-fix']").Click();
        page.WaitFor(() => Assert.Equal("true", page.Find("[data-testid='fix-result']").GetAttribute("data-succeeded")));
        Assert.Single(Api.Requests, r => r.Method == "POST" && r.Path == "/api/diagnoses/abc/fix");
    }

    [Fact]
    public void The_diagnosis_offers_no_apply_outside_the_lab_or_when_the_lab_is_off()
    {
        Api.Json("GET", "/api/diagnoses/abc", Broken("pod-blue"), WireJsonContext.Default.Diagnosis);
        var page = Render<DiagnosisPage>(p => p.Add(c => c.Id, "abc"));
        page.WaitFor(() => Assert.NotNull(page.Find("[data-testid='diagnosis-root-cause']")));
        page.WaitFor(() => Assert.True(LabReads > 0));
        Assert.Empty(page.FindAll("[data-testid='apply-fix']"));
    }

    [Fact]
    public void The_diagnosis_offers_no_apply_when_the_server_refuses_the_lab()
    {
        Refuse();
        Api.Json("GET", "/api/diagnoses/abc", Broken("lab-pod-blue"), WireJsonContext.Default.Diagnosis);
        var page = Render<DiagnosisPage>(p => p.Add(c => c.Id, "abc"));
        page.WaitFor(() => Assert.NotNull(page.Find("[data-testid='diagnosis-root-cause']")));
        page.WaitFor(() => Assert.True(LabReads > 0));
        Assert.Empty(page.FindAll("[data-testid='apply-fix']"));
    }

    private static Diagnosis Broken(string ns) =>
        new("abc", new DiagnosisSource("1", "lab-pod-red"), "10.0.1.2", Verdicts.Unreachable,
            new DiagnosisRootCause(FindingRules.InterfaceDown, "2", ns, "veth-blue", [$"ip -n {ns} link set veth-blue up"]),
            [], Noon, 900);
}
