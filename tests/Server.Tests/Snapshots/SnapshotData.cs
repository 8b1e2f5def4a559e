using Dashboard.Server.Analysis;
using Dashboard.Server.Storage;
using Dashboard.Server.Tests.Analysis;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>Hand-built snapshots for the storage and validation tests.</summary>
internal static class SnapshotData
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A CNI bridge with three pods and the seed pair, pod-blue's veth down: a topology with findings.</summary>
    public static (Topology Topology, IReadOnlyList<Finding> Findings) Node(string hostname = "node-1")
    {
        var b = new TopologyBuilder();
        b.Root();
        b.CniBridge(3);
        var (_, _, _, vethBlue) = b.SeedPair();
        vethBlue.AdminUp = false;
        var topology = b.Build(T0) with { Hostname = hostname };
        return (topology, Rules.Evaluate(topology));
    }

    public static Snapshot Make(string label = "before upgrade", string origin = SnapshotOrigins.Manual, DateTimeOffset? takenAt = null, string hostname = "node-1")
    {
        var (topology, findings) = Node(hostname);
        return new Snapshot(RandomIds.New(), label, takenAt ?? T0, topology, findings) { Origin = origin, TakenBy = "alice" };
    }
}
