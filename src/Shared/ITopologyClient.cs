namespace Dashboard.Shared;

/// <summary>
/// What the server pushes over the hub at /hubs/topology. A client first reads the current state
/// (GET /api/topology, GET /api/findings), then applies these; pushes are coalesced.
/// </summary>
public interface ITopologyClient
{
    Task TopologyChanged(Topology topology);

    Task FindingsChanged(IReadOnlyList<Finding> findings);

    Task DiagnosisProgress(string diagnosisId, DiagnosisStep step);
}
