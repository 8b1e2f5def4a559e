using System.Diagnostics;
using CliWrap;
using CliWrap.Buffered;

namespace Dashboard.Server.Processes;

/// <summary>What a program said and how it ended.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// The one way the server runs a program: an argument list (never a shell string), a timeout,
/// cancellation, exit code and stderr kept, duration logged at Debug. A program that cannot be
/// started or that times out is an answer (exit code -1 and why), not an exception.
/// </summary>
public sealed class ProcessRunner(ILogger<ProcessRunner> logger)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunAsync(program, arguments, null, null, timeout, cancellationToken);

    /// <param name="standardInput">Text written to the program's stdin (e.g. a CNI plugin's config), or null for none.</param>
    /// <param name="environment">Variables added to the program's environment (e.g. CNI_COMMAND), or null.</param>
    public async Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput, IReadOnlyDictionary<string, string?>? environment,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? DefaultTimeout);
        var started = Stopwatch.GetTimestamp();
        ProcessResult result;
        try
        {
            var command = Cli.Wrap(program)
                .WithArguments(arguments)
                .WithValidation(CommandResultValidation.None);
            if (standardInput is not null) command = command.WithStandardInputPipe(PipeSource.FromString(standardInput));
            if (environment is not null) command = command.WithEnvironmentVariables(environment);
            var r = await command.ExecuteBufferedAsync(limit.Token);
            result = new ProcessResult(r.ExitCode, r.StandardOutput, r.StandardError, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = new ProcessResult(-1, "", $"{program} did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s", Stopwatch.GetElapsedTime(started));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            result = new ProcessResult(-1, "", $"{program} could not be started: {e.Message}", Stopwatch.GetElapsedTime(started));
        }
        logger.LogDebug("{Program} {Arguments} exited {ExitCode} in {Duration:F1} ms{Stderr}",
            program, string.Join(' ', arguments), result.ExitCode, result.Duration.TotalMilliseconds,
            result.Stderr.Length > 0 ? ": " + result.Stderr.Trim() : "");
        return result;
    }
}
