using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Shared;

/// <summary>
/// Source-generated JSON for the wire records, used by both sides: no reflection, so the trimmed
/// WebAssembly client keeps exactly what it reads, and the server writes a 1 MB topology fast.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Topology))]
[JsonSerializable(typeof(TopologyPatch))]
[JsonSerializable(typeof(NetworkNamespace))]
[JsonSerializable(typeof(IReadOnlyList<Finding>))]
[JsonSerializable(typeof(DiagnosisStep))]
[JsonSerializable(typeof(Diagnosis))]
[JsonSerializable(typeof(DiagnosisRequest))]
[JsonSerializable(typeof(InterfaceCounters))]
[JsonSerializable(typeof(SnapshotRequest))]
[JsonSerializable(typeof(SnapshotCreated))]
[JsonSerializable(typeof(IReadOnlyList<SnapshotSummary>))]
[JsonSerializable(typeof(Snapshot))]
[JsonSerializable(typeof(TopologyComparison))]
[JsonSerializable(typeof(LabState))]
[JsonSerializable(typeof(Capabilities))]
[JsonSerializable(typeof(LabAction))]
public sealed partial class WireJsonContext : JsonSerializerContext;
