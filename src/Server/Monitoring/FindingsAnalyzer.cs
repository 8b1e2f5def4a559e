using Dashboard.Shared;

namespace Dashboard.Server.Monitoring;

/// <summary>Judges each new topology (Analysis), remembering what vanished and since when each finding stands.</summary>
internal sealed class FindingsAnalyzer
{
#pragma warning disable CA1822 // becomes stateful with the analysis rules
    public IReadOnlyList<Finding> Analyze(Topology topology, DateTimeOffset now) => [];
#pragma warning restore CA1822
}
