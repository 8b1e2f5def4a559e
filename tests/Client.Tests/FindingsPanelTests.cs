using AngleSharp.Dom;
using Dashboard.Client.Components;
using Dashboard.Shared;

namespace Dashboard.Client.Tests;

public sealed class FindingsPanelTests : DashboardTestContext
{
    private IRenderedComponent<FindingsPanel> RenderPanel(IReadOnlyList<Finding> findings, bool loaded = true) =>
        Render<FindingsPanel>(p => p.Add(c => c.Findings, findings).Add(c => c.Loaded, loaded));

    private static IElement Row(IRenderedComponent<FindingsPanel> panel, string rule) =>
        panel.Find($"[data-testid='failure-mode'][data-rule='{rule}']");

    [Fact]
    public void A_healthy_node_has_one_green_row_per_rule_and_says_all_clear()
    {
        var panel = RenderPanel([]);

        var rows = panel.FindAll("[data-testid='failure-mode']");
        Assert.Equal(FindingRules.All, rows.Select(r => r.GetAttribute("data-rule")));
        Assert.All(rows, r => Assert.Equal("ok", r.GetAttribute("data-level")));
        Assert.All(rows, r => Assert.Equal("OK", r.QuerySelector("[data-testid='failure-count']")!.TextContent.Trim()));
        Assert.Equal("true", panel.Find("[data-testid='failure-modes']").GetAttribute("data-healthy"));
        Assert.Contains("All clear", panel.Find("[data-testid='failure-summary']").TextContent, StringComparison.Ordinal);
        Assert.Empty(panel.FindAll("[data-testid='finding']"));
        // Every row names its symptom, even when it holds nowhere.
        Assert.Equal("ping: Network is unreachable", Row(panel, FindingRules.InterfaceDown).QuerySelector("[data-testid='failure-symptom']")!.TextContent.Trim());
    }

    [Fact]
    public void An_interface_down_finding_turns_its_row_red_with_where_and_the_fix()
    {
        var panel = RenderPanel([InterfaceDown()]);

        var row = Row(panel, FindingRules.InterfaceDown);
        Assert.Equal("error", row.GetAttribute("data-level"));
        Assert.Equal("1", row.QuerySelector("[data-testid='failure-count']")!.TextContent.Trim());
        var finding = row.QuerySelector("[data-testid='finding']")!;
        Assert.Equal("pod-blue", finding.GetAttribute("data-namespace"));
        Assert.Equal("veth-blue", finding.GetAttribute("data-interface"));
        var where = finding.QuerySelector("[data-testid='finding-where']")!;
        Assert.Equal("pod-blue / veth-blue", where.TextContent.Trim());
        Assert.Equal("interfaces/pod-blue/veth-blue", where.GetAttribute("href"));
        Assert.Equal("ip -n pod-blue link set veth-blue up", finding.QuerySelector("[data-testid='fix-command']")!.TextContent.Trim());
        Assert.Single(finding.QuerySelectorAll("[data-testid='copy-fix']"));

        // The other rules stay green; the panel does not claim the node is healthy.
        Assert.All(panel.FindAll("[data-testid='failure-mode']").Where(r => r.GetAttribute("data-rule") != FindingRules.InterfaceDown),
            r => Assert.Equal("ok", r.GetAttribute("data-level")));
        Assert.Equal("false", panel.Find("[data-testid='failure-modes']").GetAttribute("data-healthy"));
        Assert.Contains("1 error", panel.Find("[data-testid='failure-summary']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warning_is_amber_and_errors_sort_before_warnings_in_the_summary()
    {
        var panel = RenderPanel([MtuMismatch(), InterfaceDown()]);

        Assert.Equal("warning", Row(panel, FindingRules.MtuMismatch).GetAttribute("data-level"));
        Assert.Equal("error", Row(panel, FindingRules.InterfaceDown).GetAttribute("data-level"));
        Assert.Equal("1 error, 1 warning", panel.Find("[data-testid='failure-summary']").TextContent.Trim());
    }

    [Fact]
    public void Rows_follow_new_findings_as_they_arrive()
    {
        var panel = RenderPanel([]);
        Assert.Equal("ok", Row(panel, FindingRules.InterfaceDown).GetAttribute("data-level"));

        panel.Render(p => p.Add(c => c.Findings, [InterfaceDown()]));
        Assert.Equal("error", Row(panel, FindingRules.InterfaceDown).GetAttribute("data-level"));

        panel.Render(p => p.Add(c => c.Findings, []));
        Assert.Equal("ok", Row(panel, FindingRules.InterfaceDown).GetAttribute("data-level"));
        Assert.Equal("true", panel.Find("[data-testid='failure-modes']").GetAttribute("data-healthy"));
    }

    [Fact]
    public void A_panel_narrowed_to_one_namespace_says_so()
    {
        var panel = Render<FindingsPanel>(p => p.Add(c => c.Findings, []).Add(c => c.Scope, "pod-red"));

        Assert.Equal("in pod-red", panel.Find("[data-testid='failure-scope']").TextContent.Trim());
        Assert.Contains("no failure mode holds in pod-red", panel.Find("[data-testid='failure-summary']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Before_the_first_read_nothing_claims_the_node_is_healthy()
    {
        var panel = RenderPanel([], loaded: false);

        Assert.Equal("false", panel.Find("[data-testid='failure-modes']").GetAttribute("data-healthy"));
        Assert.DoesNotContain("All clear", panel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_findings_of_one_rule_are_collapsed_until_asked()
    {
        var findings = Enumerable.Range(0, 8).Select(i => InterfaceDown($"pod-{i}", $"veth-{i}", $"40265{i}")).ToList();
        var panel = RenderPanel(findings);

        var row = Row(panel, FindingRules.InterfaceDown);
        Assert.Equal("8", row.QuerySelector("[data-testid='failure-count']")!.TextContent.Trim());
        Assert.Equal(FindingsPanel.Collapsed, row.QuerySelectorAll("[data-testid='finding']").Length);

        panel.Find("[data-testid='show-more']").Click();
        Assert.Equal(8, Row(panel, FindingRules.InterfaceDown).QuerySelectorAll("[data-testid='finding']").Length);
    }

    [Fact]
    public void A_rule_this_client_does_not_know_still_gets_a_row()
    {
        var unknown = InterfaceDown() with { Id = "x", Rule = "arp-storm", Symptom = "everything is slow" };
        var panel = RenderPanel([unknown]);

        var row = Row(panel, "arp-storm");
        Assert.Equal("error", row.GetAttribute("data-level"));
        Assert.Equal("everything is slow", row.QuerySelector("[data-testid='failure-symptom']")!.TextContent.Trim());
        Assert.Equal(FindingRules.All.Count + 1, panel.FindAll("[data-testid='failure-mode']").Count);
    }

    [Fact]
    public void The_copy_button_hands_the_command_to_the_clipboard_module()
    {
        var module = JSInterop.SetupModule("./js/clipboard.js");
        var copy = module.Setup<bool>("copy", "ip -n pod-blue link set veth-blue up");
        copy.SetResult(true);
        var panel = RenderPanel([InterfaceDown()]);

        panel.Find("[data-testid='copy-fix']").Click();

        Assert.Single(copy.Invocations);
    }

    [Fact]
    public void A_finding_links_to_its_interface_details_keeping_the_query_or_to_its_namespace()
    {
        Assert.Equal("interfaces/pod-blue/veth-blue?ns=pod-blue", Dashboard.Client.Services.FailureModes.Href(InterfaceDown(), "?ns=pod-blue"));
        // A display name that is not a plain name (a pod's "default/nginx") goes by the namespace id.
        Assert.Equal("interfaces/4026532245/veth-blue", Dashboard.Client.Services.FailureModes.Href(InterfaceDown(ns: "default/nginx")));
        Assert.Equal("?ns=pod-red", Dashboard.Client.Services.FailureModes.Href(InterfaceDown(ns: "pod-red") with { Interface = null }));
    }
}

public sealed class ConnectionIndicatorTests
{
    [Theory]
    [InlineData(0, "0 s old")]
    [InlineData(59, "59 s old")]
    [InlineData(60, "1 min old")]
    [InlineData(3599, "59 min old")]
    [InlineData(7200, "2 h old")]
    public void The_age_of_the_data_reads_as_a_person_would_say_it(int seconds, string expected) =>
        Assert.Equal(expected, Dashboard.Client.Components.ConnectionIndicator.FormatAge(TimeSpan.FromSeconds(seconds)));
}
