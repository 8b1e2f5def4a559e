namespace Dashboard.Server.Monitoring;

/// <summary>Section "Dashboard:Monitoring".</summary>
public sealed class MonitoringOptions
{
    public const string Section = "Dashboard:Monitoring";

    /// <summary>Kernel events closer together than this become one update.</summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often /proc is scanned for namespaces held only by processes (they raise no event when they come or go).</summary>
    public TimeSpan ProcessRescanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a removed veth pair or namespace stays in the findings.</summary>
    public TimeSpan RemovedRetention { get; set; } = TimeSpan.FromMinutes(10);
}
