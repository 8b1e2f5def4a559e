using System.Net.Http.Json;
using Dashboard.Shared;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Lab;

/// <summary>One lab server (lab mode) for the fault tests, with seed-pair and k8s-node built once; every fault heals what it broke.</summary>
public sealed class BuiltLab : IAsyncLifetime
{
    public LabServer Server { get; } = new();

    public async Task InitializeAsync()
    {
        await Lab.Ok(Server.Client, HttpMethod.Post, "/api/lab/scenarios/seed-pair");
        await Lab.Ok(Server.Client, HttpMethod.Post, "/api/lab/scenarios/k8s-node");
    }

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Each fault of the seed's table on the real kernel: inject → the live findings show it → a diagnosis of
/// the fault's ping names it as the root cause → heal → the finding is gone and the ping passes. And a
/// finding's own fix, applied through the API, heals a fault and the lab sees it.
/// </summary>
public sealed class LabFaultTests(BuiltLab lab, ITestOutputHelper output) : IClassFixture<BuiltLab>
{
    private HttpClient Client => lab.Server.Client;

    private string P => lab.Server.Prefix;

    public static TheoryData<string> Faults => [.. LabFaults.All];

    private static bool Healthy(List<Finding> findings) => !findings.Any(f => f.Severity is Severities.Error or Severities.Warning);

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Inject_find_diagnose_heal(string name)
    {
        await Lab.Findings(Client, P, Healthy, "a healthy lab before the fault");
        var fault = (await Lab.State(Client)).Faults.Single(f => f.Name == name);
        Assert.True(fault.Available);
        Assert.False(fault.Active);

        var injected = await Lab.Ok(Client, HttpMethod.Post, $"/api/lab/faults/{name}");
        try
        {
            await Broken(fault, injected);
        }
        catch
        {
            // Leave the shared lab healthy for the next fault.
            await Lab.Action(Client, HttpMethod.Delete, $"/api/lab/faults/{name}");
            throw;
        }

        var healed = await Lab.Ok(Client, HttpMethod.Delete, $"/api/lab/faults/{name}");
        Assert.Equal(fault.HealCommands, healed.Commands.Select(c => c.Command));
        Assert.False((await Lab.State(Client)).Faults.Single(f => f.Name == name).Active);
        await Lab.Findings(Client, P, Healthy, $"no error or warning after healing {name}");
        await Lab.Ping(fault.DiagnoseFrom!, name == LabFaults.WrongSubnet ? "10.0.1.2" : fault.DiagnoseTo!);
    }

    /// <summary>The fault is active, the live findings show it (except a firewall's, which no rule reads), the diagnosis names it.</summary>
    private async Task Broken(LabFault fault, LabAction injected)
    {
        var name = fault.Name;
        Assert.Equal(fault.InjectCommands, injected.Commands.Select(c => c.Command));
        Assert.True((await Lab.State(Client)).Faults.Single(f => f.Name == name).Active);

        if (fault.Rule != DiagnosisRules.FirewallDrop)
        {
            var findings = await Lab.Findings(Client, P, f => f.Any(x => x.Rule == fault.Rule), $"a {fault.Rule} finding");
            output.WriteLine($"findings: {string.Join("; ", findings.Select(f => $"{f.Rule} {f.NamespaceName}/{f.Interface}: {string.Join(" ; ", f.Fix)}"))}");
        }

        var d = await Lab.Diagnose(Client, fault.DiagnoseFrom!, fault.DiagnoseTo!);
        output.WriteLine($"diagnosis {fault.DiagnoseFrom} → {fault.DiagnoseTo}: {d.Verdict}, root cause {d.RootCause?.Rule} ({d.RootCause?.Detail})");
        if (name is LabFaults.MtuMismatch or LabFaults.DuplicateAddress)
        {
            // The ping is answered (small packets pass; one of the two owners answers): the diagnosis is
            // "reachable" and warns with the rule on a step.
            Assert.Equal(Verdicts.Reachable, d.Verdict);
            Assert.Contains(d.Steps, s => s.Status == StepStatus.Warn && s.Rule == fault.Rule);
        }
        else
        {
            Assert.Equal(Verdicts.Unreachable, d.Verdict);
            Assert.True(d.RootCause?.Rule == fault.Rule, $"root cause {d.RootCause?.Rule} ({d.RootCause?.Detail}), expected {fault.Rule}");
        }
    }

    [Fact]
    public async Task A_findings_fix_applied_through_the_api_heals_the_fault()
    {
        await Lab.Findings(Client, P, Healthy, "a healthy lab");
        await Lab.Ok(Client, HttpMethod.Post, "/api/lab/faults/interface-down");
        var finding = (await Lab.Findings(Client, P, f => f.Any(x => x.Rule == FindingRules.InterfaceDown), "interface-down")).Single(x => x.Rule == FindingRules.InterfaceDown);
        Assert.Equal([$"ip -n {P}pod-blue link set veth-blue up"], finding.Fix);

        using var response = await Client.PostAsync($"/api/findings/{finding.Id}/fix", null);
        var action = (await response.Content.ReadFromJsonAsync<LabAction>())!;
        Assert.Equal((LabActions.Fix, finding.Id, true), (action.Action, action.Target, action.Succeeded));
        Assert.Equal(finding.Fix, action.Commands.Select(c => c.Command));
        Assert.Equal([LabFaults.InterfaceDown], action.Healed);
        Assert.Null(action.Warning);

        Assert.False((await Lab.State(Client)).Faults.Single(f => f.Name == LabFaults.InterfaceDown).Active);
        await Lab.Findings(Client, P, Healthy, "interface-down gone after the fix");
        await Lab.Ping($"{P}pod-red", "10.0.1.2");
    }

    [Fact]
    public async Task A_diagnosis_fix_applied_through_the_api_heals_the_fault()
    {
        await Lab.Findings(Client, P, Healthy, "a healthy lab");
        await Lab.Ok(Client, HttpMethod.Post, "/api/lab/faults/firewall-drop");
        var d = await Lab.Diagnose(Client, $"{P}pod-red", "10.0.1.2");
        Assert.Equal(DiagnosisRules.FirewallDrop, d.RootCause?.Rule);

        using var response = await Client.PostAsync($"/api/diagnoses/{d.Id}/fix", null);
        var action = (await response.Content.ReadFromJsonAsync<LabAction>())!;
        Assert.True(action.Succeeded, action.Warning);
        Assert.False((await Lab.State(Client)).Faults.Single(f => f.Name == LabFaults.FirewallDrop).Active);
        await Lab.Ping($"{P}pod-red", "10.0.1.2");
        // The fix deleted the rule; the heal removes the now empty table (and would not mind if it were gone).
        await Lab.Ok(Client, HttpMethod.Delete, "/api/lab/faults/firewall-drop");
    }
}
