using System.Diagnostics;
using System.Text;

namespace Dashboard.Server.Tests.Fixtures;

/// <summary>Runs a program with an argument list (never a shell string) and returns its output.</summary>
public static class Run
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Try(string program, IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in 60 s");
        }
        var result = new Result(p.ExitCode, stdout.Result, stderr.Result);
        // Process.Dispose leaves the redirected pipes to the finalizer: close them now.
        p.StandardOutput.Dispose();
        p.StandardError.Dispose();
        return result;
    }

    /// <summary>Runs and throws with the program's stderr when it fails.</summary>
    public static string Ok(string program, params string[] args) => OkWith(program, args, null, null);

    public static string OkWith(string program, IEnumerable<string> args, string? stdin, IDictionary<string, string>? env)
    {
        var r = Try(program, args, stdin, env);
        if (r.ExitCode != 0)
        {
            var sb = new StringBuilder().Append(program).Append(' ').AppendJoin(' ', args)
                .Append(" exited ").Append(r.ExitCode).Append(": ").Append(r.Stderr).Append(r.Stdout);
            throw new InvalidOperationException(sb.ToString());
        }
        return r.Stdout;
    }

    public static string Ip(params string[] args) => Ok("ip", args);
}
