using System.Reflection;

namespace Dashboard.E2E.Tests.Infrastructure;

internal static class Paths
{
    /// <summary>tests/e2e in the source tree.</summary>
    public static string ProjectDirectory { get; } =
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;

    public static string Screenshots { get; } = Path.Combine(ProjectDirectory, "screenshots");

    /// <summary>docs/ at the repository root (the README shows docs/screenshot.png).</summary>
    public static string Docs { get; } = Path.GetFullPath(Path.Combine(ProjectDirectory, "..", "..", "docs"));
}
