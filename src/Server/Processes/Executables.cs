namespace Dashboard.Server.Processes;

/// <summary>Finds the programs the server runs (ip, ethtool, crictl, …): the one lookup for all of them.</summary>
public static class Executables
{
    /// <summary>PATH when the process has none.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// The file to run for <paramref name="program"/>: the program itself when it is a path (it holds
    /// a '/'), else the first file of that name in <paramref name="path"/> (PATH when null, <see cref="DefaultPath"/>
    /// when there is no PATH), then in /usr/sbin and /sbin (a root tool is there even when PATH misses
    /// them, e.g. under sudo's secure_path or a service's bare environment). Only a file with an
    /// execute bit counts. Null when there is none.
    /// </summary>
    public static string? Find(string program, string? path = null)
    {
        if (string.IsNullOrEmpty(program)) return null;
        if (program.Contains('/')) return IsExecutable(program) ? program : null;
        path ??= Environment.GetEnvironmentVariable("PATH") ?? DefaultPath;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, program);
            if (IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>A regular file (or a link to one) that someone may execute.</summary>
    public static bool IsExecutable(string file)
    {
        try
        {
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return File.Exists(file) && (File.GetUnixFileMode(file) & anyExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
