using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Client.Pages;
using Dashboard.Client.Services;
using Dashboard.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client.Tests;

public sealed class DiagnosisPageTests : DashboardTestContext
{
    private sealed class Canned(Diagnosis? diagnosis) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(request.RequestUri!.AbsolutePath.StartsWith("/api/diagnoses/", StringComparison.Ordinal)
                ? diagnosis is null
                    ? new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("{\"title\":\"Not found\"}", Encoding.UTF8, "application/problem+json") }
                    : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(JsonSerializer.Serialize(diagnosis, WireJsonContext.Default.Diagnosis), Encoding.UTF8, "application/json") }
                : new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent(request.RequestUri.AbsolutePath.EndsWith("findings", StringComparison.Ordinal) ? "[]"
                        : JsonSerializer.Serialize(new Topology(DateTimeOffset.UnixEpoch, "n", [], [], []), WireJsonContext.Default.Topology), Encoding.UTF8, "application/json"),
                });
    }

    private void Serve(Diagnosis? diagnosis)
    {
        var api = new DashboardApi(new HttpClient(new Canned(diagnosis)) { BaseAddress = new Uri("http://127.0.0.1:5080/") });
        Services.AddSingleton(api);
        Services.AddSingleton(sp => new DashboardState(api, sp.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>(),
            TimeProvider.System, _ => new FakeHub().Create(new LiveHandlers(_ => { }, _ => { }, _ => { }))));
    }

    [Fact]
    public void A_broken_path_shows_the_verdict_the_root_cause_with_its_fix_the_path_and_each_step()
    {
        var step = new DiagnosisStep("peer-up", StepStatus.Fail, "veth-blue in pod-blue is DOWN", "ip -n pod-blue addr show dev veth-blue", "7: veth-blue: <BROADCAST> state DOWN")
        {
            NamespaceName = "pod-blue", Interface = "veth-blue", Rule = FindingRules.InterfaceDown, Fix = ["ip -n pod-blue link set veth-blue up"],
        };
        Serve(new Diagnosis("abc", new DiagnosisSource("1", "pod-red"), "10.0.1.2", Verdicts.Unreachable,
            new DiagnosisRootCause(FindingRules.InterfaceDown, "2", "pod-blue", "veth-blue", ["ip -n pod-blue link set veth-blue up"]) { Detail = "veth-blue is DOWN" },
            [new DiagnosisStep("route-lookup", StepStatus.Pass, "10.0.1.2 dev veth-red", "ip -n pod-red route get 10.0.1.2", "10.0.1.2 dev veth-red"), step],
            DateTimeOffset.UnixEpoch, 1500)
        {
            Path = [new DiagnosisHop(HopKinds.Source, "1", "pod-red", null, "veth-red"), new DiagnosisHop(HopKinds.Destination, "2", "pod-blue", "veth-blue", null)],
        });

        var page = Render<DiagnosisPage>(p => p.Add(c => c.Id, "abc"));

        page.WaitForAssertion(() => Assert.Equal("unreachable", page.Find("[data-testid='diagnosis']").GetAttribute("data-verdict")));
        var cause = page.Find("[data-testid='diagnosis-root-cause']");
        Assert.Equal(("interface-down", "pod-blue", "veth-blue"), (cause.GetAttribute("data-rule"), cause.GetAttribute("data-namespace"), cause.GetAttribute("data-interface")));
        Assert.Equal("ip -n pod-blue link set veth-blue up", page.Find("[data-testid='diagnosis-fix']").TextContent);
        Assert.Equal(2, page.FindAll("[data-testid='diagnosis-hop']").Count);
        Assert.Equal(["pass", "fail"], page.FindAll("[data-testid='diagnosis-step']").Select(s => s.GetAttribute("data-status")));
        Assert.Contains("ip -n pod-red route get 10.0.1.2", page.FindAll("[data-testid='diagnosis-command']").Select(c => c.TextContent));
    }

    [Fact]
    public void An_unknown_id_says_so()
    {
        Serve(null);

        var page = Render<DiagnosisPage>(p => p.Add(c => c.Id, "nope"));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid='diagnosis-missing']")));
    }
}
