using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>
/// Source-generated (de)serializers for the wire records: no reflection, so the trimmed
/// WebAssembly build keeps exactly what it reads.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Topology))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
