using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Server.Tests.Monitoring;
using Dashboard.Shared;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>Running diagnoses through the API and checking them, with every step and the timings in the test output.</summary>
internal static class Diagnose
{
    /// <summary>POST /api/diagnoses and wait for the answer: 201, Location, the documented shape.</summary>
    public static async Task<Shared.Diagnosis> Run(HttpClient client, ITestOutputHelper output, string source, string destination)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync("/api/diagnoses", new DiagnosisRequest(source, destination));
        var elapsed = clock.ElapsedMilliseconds;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        var diagnosis = System.Text.Json.JsonSerializer.Deserialize(body, WireJsonContext.Default.Diagnosis)!;
        Assert.Equal($"/api/diagnoses/{diagnosis.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(DiagnosisStatus.Done, diagnosis.Status);
        Print(output, diagnosis, elapsed);
        return diagnosis;
    }

    public static void Print(ITestOutputHelper output, Shared.Diagnosis d, long? httpMs = null)
    {
        output.WriteLine($"diagnosis {d.Source.Name} -> {d.Destination}: {d.Verdict}"
            + (d.RootCause is { } c ? $", root cause {c.Rule} on {c.NamespaceName}/{c.Interface ?? "-"} fix [{string.Join(" ; ", c.Fix)}]" : "")
            + $" in {d.DurationMs:F0} ms" + (httpMs is null ? "" : $" (HTTP round trip {httpMs} ms)"));
        foreach (var s in d.Steps)
            output.WriteLine($"  {s.Status,-4} {s.Name,-16} {s.NamespaceName}/{s.Interface ?? "-"} {s.Detail}"
                + (s.Command is null ? "" : $"  $ {s.Command}") + (s.DurationMs is null ? "" : $" [{s.DurationMs} ms]")
                + (s.Rule is null ? "" : $" <{s.Rule}> fix [{string.Join(" ; ", s.Fix)}]"));
        output.WriteLine($"  path: {string.Join(" → ", d.Path.Select(h => $"{h.Kind}:{h.NamespaceName}({h.In ?? "-"}→{h.Out ?? "-"})"))}");
        foreach (var w in d.Warnings) output.WriteLine($"  warning: {w}");
    }

    public static void AssertReachable(Shared.Diagnosis d)
    {
        Assert.True(d.Verdict == Verdicts.Reachable, $"expected reachable, got {d.Verdict}: {d.RootCause?.Rule} {d.RootCause?.Detail}");
        Assert.Null(d.RootCause);
        Assert.Equal(StepStatus.Pass, d.Steps.Single(s => s.Name == "ping").Status);
    }

    public static DiagnosisRootCause AssertRootCause(Shared.Diagnosis d, string rule, string ns, string? iface)
    {
        Assert.Equal(Verdicts.Unreachable, d.Verdict);
        Assert.NotNull(d.RootCause);
        var cause = d.RootCause;
        Assert.True(cause.Rule == rule, $"root cause {cause.Rule} ({cause.Detail}), expected {rule}");
        Assert.Equal(TestNet.Id(ns), cause.NamespaceId);
        Assert.Equal(ns, cause.NamespaceName);
        Assert.Equal(iface, cause.Interface);
        Assert.Equal(StepStatus.Fail, d.Steps.Single(s => s.Name == "ping").Status);
        return cause;
    }

    /// <summary>Runs fix commands exactly as given, each split into an argument list (never a shell).</summary>
    public static void RunFix(ITestOutputHelper output, IEnumerable<string> fix)
    {
        foreach (var command in fix)
        {
            var parsed = FixCommand.Parse(command);
            Assert.Empty(parsed.Placeholders);
            var r = Fixtures.Run.Try(parsed.Arguments[0], parsed.Arguments.Skip(1));
            output.WriteLine($"ran (exit {r.ExitCode}): {command}");
            Assert.True(r.ExitCode == 0, $"fix command failed (exit {r.ExitCode}): {command}\n{r.Stderr}{r.Stdout}");
        }
    }
}
