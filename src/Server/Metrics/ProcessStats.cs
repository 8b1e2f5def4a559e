using System.Diagnostics;
using System.Globalization;

namespace Dashboard.Server.Metrics;

/// <summary>This process's uptime, resident memory and open file descriptors, from /proc/self.</summary>
internal static class ProcessStats
{
    private static readonly DateTime StartedUtc = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static double UptimeSeconds => (DateTime.UtcNow - StartedUtc).TotalSeconds;

    /// <summary>The second field of /proc/self/statm (resident pages) times the page size; NaN when unreadable.</summary>
    public static double ResidentBytes()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 1 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pages)
                ? (double)pages * Environment.SystemPageSize
                : double.NaN;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>The entries of /proc/self/fd, less the one the listing itself holds open; NaN when unreadable.</summary>
    public static double OpenFds()
    {
        try
        {
            return Math.Max(0, Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() - 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }
}
