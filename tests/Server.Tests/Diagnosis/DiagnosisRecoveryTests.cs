using System.Globalization;
using System.Net;
using Dashboard.Server.Analysis;
using Dashboard.Server.Diagnosis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Processes;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>
/// A path that comes up while the diagnosis runs (right after a fix, say), on real namespaces: the walk's
/// real commands, with the destination's ARP turned back on once the first ping has given up. The second
/// ping is answered, so the verdict is reachable, and a warning says the path came up meanwhile.
/// </summary>
public sealed class DiagnosisRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public async Task A_path_that_comes_up_after_the_first_ping_is_reachable_by_the_second()
    {
        var (red, blue) = _net.AddSeedPair();
        Run.Ip("-n", blue, "link", "set", "veth-blue", "arp", "off");
        using var discovery = new TopologyDiscovery(Microsoft.Extensions.Options.Options.Create(new DiscoveryOptions()),
            NullLogger<TopologyDiscovery>.Instance, TimeProvider.System);
        var topology = discovery.Discover();
        var runner = new AfterFirstPing(new ProcessCommandRunner(new ProcessRunner(NullLogger<ProcessRunner>.Instance)),
            () => Run.Ip("-n", blue, "link", "set", "veth-blue", "arp", "on"));
        var walk = new DiagnosisWalk(topology, Rules.Evaluate(topology), topology.Namespaces.Single(n => n.Name == red), IPAddress.Parse("10.0.1.2"),
            new NamespaceExec(discovery.OwnInode.ToString(CultureInfo.InvariantCulture)), runner, DiagnosisTools.Detect(),
            _ => Task.CompletedTask, TimeProvider.System, CancellationToken.None);

        var result = await walk.RunAsync();

        foreach (var s in result.Steps) output.WriteLine($"{s.Status,-4} {s.Name,-12} {s.Detail}");
        foreach (var w in result.Warnings) output.WriteLine($"warning: {w}");
        Assert.True(runner.Turned, "the first ping never finished");
        Assert.Equal(StepStatus.Fail, result.Steps.Single(s => s.Name == "ping").Status);
        Assert.Equal(StepStatus.Pass, result.Steps.Single(s => s.Name == "ping-again").Status);
        Assert.Equal(Verdicts.Reachable, result.Verdict);
        Assert.Null(result.RootCause);
        Assert.Contains(result.Warnings, w => w.StartsWith("The first ping got no answer", StringComparison.Ordinal));
    }

    /// <summary>The real runner; once the first `ping -n -c 3` has ended, runs <c>turn</c> (the path comes up).</summary>
    private sealed class AfterFirstPing(ICommandRunner inner, Action turn) : ICommandRunner
    {
        private int _turned;

        public bool Turned => Volatile.Read(ref _turned) == 1;

        public async Task<ProcessResult> RunAsync(CommandLine command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var result = await inner.RunAsync(command, timeout, cancellationToken);
            if (command.Display.Contains("ping -n -c 3", StringComparison.Ordinal) && Interlocked.Exchange(ref _turned, 1) == 0)
                turn();
            return result;
        }
    }

    public void Dispose() => _net.Dispose();
}
