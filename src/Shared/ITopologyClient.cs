namespace Dashboard.Shared;

/// <summary>
/// What the server pushes over the hub at /hubs/topology. A client first reads the current state
/// (GET /api/topology, GET /api/findings), then applies these; pushes are coalesced.
/// </summary>
public interface ITopologyClient
{
    /// <summary>The whole topology, to clients that did not ask for patches.</summary>
    Task TopologyChanged(Topology topology);

    /// <summary>What changed since the last push, to clients connected with <c>?patches=true</c>.</summary>
    Task TopologyPatched(TopologyPatch patch);

    Task FindingsChanged(IReadOnlyList<Finding> findings);

    Task DiagnosisProgress(string diagnosisId, DiagnosisStep step);
}
