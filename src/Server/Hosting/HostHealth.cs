using Dashboard.Server.Netlink;

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
        else if (Native.geteuid() != 0)
            problems.Add("Not running as root: other namespaces cannot be entered, so only the dashboard's own namespace is shown. Run it as root (sudo).");
        foreach (var tool in RequiredTools)
        {
            if (FindOnPath(tool) is null)
                problems.Add($"`{tool}` is not installed (apt-get install {(tool == "ip" ? "iproute2" : tool)}).");
        }
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }

    public bool IsHealthy => Problems.Count == 0;

    public static string? FindOnPath(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
