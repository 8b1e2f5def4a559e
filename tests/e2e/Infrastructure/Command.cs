using System.Diagnostics;

namespace Dashboard.E2E.Tests.Infrastructure;

/// <summary>Runs a program with an argument list (never a shell string) and captures what it printed.</summary>
internal static class Command
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static async Task<Result> RunAsync(string program, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(program, startInfo.ArgumentList)} did not finish in time.");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the program and throws with its stderr when it fails.</summary>
    public static async Task<string> RunCheckedAsync(string program, params string[] arguments)
    {
        var result = await RunAsync(program, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{Describe(program, arguments)} exited with {result.ExitCode}: {result.StandardError.Trim()}");
        return result.StandardOutput;
    }

    private static string Describe(string program, IEnumerable<string> arguments) => $"`{program} {string.Join(' ', arguments)}`";
}
