using System.Globalization;
using System.Text;

namespace Dashboard.Server.Discovery;

/// <summary>Reads what /proc says of one process. Every read tolerates the process exiting.</summary>
internal static class ProcessInfo
{
    /// <summary>The command line with NULs as spaces; "[comm]" for kernel threads; null when gone.</summary>
    public static string? CommandLine(string procPath, int pid)
    {
        var dir = Path.Combine(procPath, pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            var raw = File.ReadAllBytes(Path.Combine(dir, "cmdline"));
            if (raw.Length > 0)
                return FormatCommandLine(raw);
            var comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
            return $"[{comm}]";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static string FormatCommandLine(ReadOnlySpan<byte> raw)
    {
        var trimmed = raw.TrimEnd((byte)0);
        var text = Encoding.UTF8.GetString(trimmed).Replace('\0', ' ');
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    /// <summary>The short program name of a command line: "sleep" for "/usr/bin/sleep infinity".</summary>
    public static string ProgramName(string commandLine)
    {
        if (commandLine.StartsWith('[')) return commandLine.Trim('[', ']');
        var first = commandLine.Split(' ', 2)[0];
        return Path.GetFileName(first);
    }

    public static ulong? UtsInode(string procPath, int pid) =>
        NamespaceEnumerator.ReadNsLink(Path.Combine(procPath, pid.ToString(CultureInfo.InvariantCulture), "ns", "uts"));
}
