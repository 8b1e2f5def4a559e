using Dashboard.Server.Netlink;
using Dashboard.Server.Processes;

namespace Dashboard.Server;

/// <summary>Can discovery work here? Root, and the tools the dashboard runs.</summary>
public sealed class HostHealth
{
    public static readonly string[] RequiredTools = ["ip", "ethtool"];

    public HostHealth()
    {
        var problems = new List<string>();
        if (!OperatingSystem.IsLinux())
            problems.Add("Not Linux: there are no network namespaces to read.");
        else if (!HasCapability(CapSysAdmin))
            problems.Add(Native.geteuid() == 0
                ? "Not running as root with CAP_SYS_ADMIN: other namespaces cannot be entered, so only the dashboard's own namespace is shown. Give the process CAP_SYS_ADMIN (privileged container)."
                : "Not running as root: other namespaces cannot be entered, so only the dashboard's own namespace is shown. Run it as root (sudo).");
        foreach (var tool in RequiredTools)
        {
            if (Executables.Find(tool) is null)
                problems.Add($"`{tool}` is not installed (apt-get install {(tool == "ip" ? "iproute2" : tool)}).");
        }
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }

    /// <summary>setns(2) into another network namespace needs CAP_SYS_ADMIN.</summary>
    private const int CapSysAdmin = 21;

    /// <summary>Whether the process's effective capability set (CapEff in /proc/self/status) holds <paramref name="capability"/>.</summary>
    private static bool HasCapability(int capability)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("CapEff:", StringComparison.Ordinal)) continue;
                var mask = ulong.Parse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                return (mask & (1UL << capability)) != 0;
            }
        }
        catch (Exception e) when (e is IOException or FormatException or OverflowException)
        {
        }
        return Native.geteuid() == 0;
    }

    public bool IsHealthy => Problems.Count == 0;
}
