using System.Globalization;
using Dashboard.Server.Analysis;
using Dashboard.Server.Processes;
using Dashboard.Shared;

namespace Dashboard.Server.Diagnosis;

/// <summary>A program with its argument list (what runs) and the line a person would type for the same (what is shown).</summary>
internal sealed record CommandLine(string Program, IReadOnlyList<string> Arguments, string Display)
{
    public override string ToString() => Display;
}

/// <summary>Runs the walk's commands. The real one is <see cref="ProcessCommandRunner"/>; unit tests answer with captured output.</summary>
internal interface ICommandRunner
{
    Task<ProcessResult> RunAsync(CommandLine command, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>The walk's commands through the one <see cref="ProcessRunner"/>.</summary>
internal sealed class ProcessCommandRunner(ProcessRunner runner) : ICommandRunner
{
    public Task<ProcessResult> RunAsync(CommandLine command, TimeSpan timeout, CancellationToken cancellationToken) =>
        runner.RunAsync(command.Program, command.Arguments, timeout, cancellationToken);
}

/// <summary>
/// Builds the commands that run inside a namespace, the way an operator reaches it, matching
/// <see cref="Commands.IpPrefix"/>: <c>ip -n NAME …</c> / <c>ip netns exec NAME prog …</c> for an iproute2
/// name, the plain command in the dashboard's own namespace, else <c>nsenter --net=PATH</c> or
/// <c>nsenter -t PID -n</c>. Only names the kernel reported reach an argument list; a name that a
/// program could take for an option (leading '-') or that is not a plain word is reached by path instead.
/// Pure.
/// </summary>
internal sealed class NamespaceExec(string ownNamespaceId)
{
    public string OwnNamespaceId { get; } = ownNamespaceId;

    /// <summary>`ip ARGS` inside <paramref name="ns"/>.</summary>
    public CommandLine Ip(NetworkNamespace ns, params string[] arguments)
    {
        if (ns.Id == OwnNamespaceId)
            return new CommandLine("ip", arguments, Show("ip", arguments));
        if (SafeName(ns.Name) is { } name)
            return new CommandLine("ip", ["-n", name, .. arguments], Show("ip", ["-n", name, .. arguments]));
        return Exec(ns, "ip", arguments);
    }

    /// <summary>Any program inside <paramref name="ns"/>: `ip netns exec NAME PROGRAM ARGS`, or nsenter.</summary>
    public CommandLine Exec(NetworkNamespace ns, string program, params string[] arguments)
    {
        if (ns.Id == OwnNamespaceId)
            return new CommandLine(program, arguments, Show(program, arguments));
        if (SafeName(ns.Name) is { } name)
        {
            string[] args = ["netns", "exec", name, program, .. arguments];
            return new CommandLine("ip", args, Show("ip", args));
        }
        if (ns.Paths.Count > 0 && ns.Paths[0] is { } path)
        {
            string[] args = [$"--net={path}", program, .. arguments];
            return new CommandLine("nsenter", args, Show("nsenter", args));
        }
        if (ns.Pids.Count > 0)
        {
            string[] args = ["-t", ns.Pids[0].ToString(CultureInfo.InvariantCulture), "-n", program, .. arguments];
            return new CommandLine("nsenter", args, Show("nsenter", args));
        }
        // Nothing leads into it any more: the command fails and says so.
        string[] none = [$"--net=/proc/self/ns/net-{ns.Id}-gone", program, .. arguments];
        return new CommandLine("nsenter", none, Show("nsenter", none));
    }

    /// <summary>
    /// <paramref name="inner"/> stopped with SIGINT after <paramref name="seconds"/> (coreutils timeout),
    /// e.g. a capture; shown as the inner command alone (a person stops it with Ctrl-C).
    /// </summary>
    public static CommandLine StopAfter(CommandLine inner, double seconds) =>
        new("timeout", ["-s", "INT", seconds.ToString("0.0##", CultureInfo.InvariantCulture), inner.Program, .. inner.Arguments], inner.Display);

    /// <summary>An iproute2 name that is safe as one argument: a plain word that does not start with '-'.</summary>
    public static string? SafeName(string? name) =>
        name is { Length: > 0 } && name[0] != '-' && Commands.Quote(name) == name && name.Length <= 255 ? name : null;

    /// <summary>An interface name that is safe as one argument (the kernel's rules, and no leading '-').</summary>
    public static bool SafeInterface(string? name) =>
        name is { Length: > 0 and <= 15 } && name[0] != '-' && !name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or ':');

    private static string Show(string program, IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(Commands.Quote).Prepend(program));
}
