using Dashboard.Server.Diagnosis;
using Dashboard.Server.Processes;

namespace Dashboard.Server.Tests.Diagnosis;

/// <summary>Answers the walk's commands with captured output: the latest rule whose pattern the shown command contains.</summary>
internal sealed class FakeRunner : ICommandRunner
{
    private readonly List<(Func<CommandLine, bool> Match, Func<ProcessResult> Answer)> _rules = [];

    public List<CommandLine> Ran { get; } = [];

    public const string EmptyRuleset = """{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}]}""";

    public FakeRunner On(string contains, string stdout, int exitCode = 0, string stderr = "")
    {
        _rules.Insert(0, (c => c.Display.Contains(contains, StringComparison.Ordinal), () => new ProcessResult(exitCode, stdout, stderr, TimeSpan.FromMilliseconds(3))));
        return this;
    }

    /// <summary>The first matching command gets the first answer, the next the second, …; the last one is kept.</summary>
    public FakeRunner OnCalls(string contains, params (string Stdout, int ExitCode)[] answers)
    {
        var calls = 0;
        _rules.Insert(0, (c => c.Display.Contains(contains, StringComparison.Ordinal), () =>
        {
            var (stdout, exitCode) = answers[Math.Min(Interlocked.Increment(ref calls), answers.Length) - 1];
            return new ProcessResult(exitCode, stdout, "", TimeSpan.FromMilliseconds(3));
        }));
        return this;
    }

    public FakeRunner Throw(string contains)
    {
        _rules.Insert(0, (c => c.Display.Contains(contains, StringComparison.Ordinal), () => throw new InvalidOperationException("the runner broke")));
        return this;
    }

    public Task<ProcessResult> RunAsync(CommandLine command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (Ran) Ran.Add(command);
        foreach (var (match, answer) in _rules)
            if (match(command)) return Task.FromResult(answer());
        if (command.Display.Contains("nft -j", StringComparison.Ordinal))
            return Task.FromResult(new ProcessResult(0, EmptyRuleset, "", TimeSpan.Zero));
        return Task.FromResult(new ProcessResult(0, "", "", TimeSpan.Zero));
    }

    public static string PingOk(string dst) =>
        $"PING {dst} ({dst}) 56(84) bytes of data.\n64 bytes from {dst}: icmp_seq=1 ttl=64 time=0.050 ms\n\n--- {dst} ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 404ms\n";

    public static string PingLost(string dst) =>
        $"PING {dst} ({dst}) 56(84) bytes of data.\n\n--- {dst} ping statistics ---\n3 packets transmitted, 0 received, 100% packet loss, time 406ms\n";
}
