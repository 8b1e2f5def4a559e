using Dashboard.Shared;

namespace Dashboard.Server.Metrics;

/// <summary>
/// The counters behind GET /metrics that are not in the live state: discovery durations, hub clients,
/// diagnoses. Updated with Interlocked (the histogram under a small lock: one update per topology
/// rebuild); everything else is read from the current topology when scraped.
/// </summary>
internal sealed class DashboardMetrics
{
    /// <summary>Upper bounds, in seconds, of the discovery duration histogram's buckets (+Inf is implied).</summary>
    public static readonly IReadOnlyList<double> DiscoveryBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Lock _discoveryLock = new();
    private readonly long[] _discoveryBucketCounts = new long[DiscoveryBuckets.Count];
    private long _discoveryCount;
    private double _discoverySum;
    private double _discoveryLast = double.NaN;

    private long _hubClients;
    private long _diagnosesStarted;
    private long _diagnosesReachable;
    private long _diagnosesUnreachable;
    private long _diagnosesOther;

    public void ObserveDiscovery(double seconds)
    {
        lock (_discoveryLock)
        {
            for (int i = 0; i < DiscoveryBuckets.Count; i++)
                if (seconds <= DiscoveryBuckets[i]) _discoveryBucketCounts[i]++;
            _discoveryCount++;
            _discoverySum += seconds;
            _discoveryLast = seconds;
        }
    }

    /// <summary>Cumulative bucket counts (as the exposition wants them), count, sum, and the last observation (NaN before the first).</summary>
    public (long[] Buckets, long Count, double Sum, double Last) Discovery()
    {
        lock (_discoveryLock)
            return ([.. _discoveryBucketCounts], _discoveryCount, _discoverySum, _discoveryLast);
    }

    public void HubClientConnected() => Interlocked.Increment(ref _hubClients);

    public void HubClientDisconnected() => Interlocked.Decrement(ref _hubClients);

    public long HubClients => Interlocked.Read(ref _hubClients);

    public void DiagnosisStarted() => Interlocked.Increment(ref _diagnosesStarted);

    public void DiagnosisDone(string? verdict)
    {
        switch (verdict)
        {
            case Verdicts.Reachable: Interlocked.Increment(ref _diagnosesReachable); break;
            case Verdicts.Unreachable: Interlocked.Increment(ref _diagnosesUnreachable); break;
            default: Interlocked.Increment(ref _diagnosesOther); break;
        }
    }

    public long DiagnosesStarted => Interlocked.Read(ref _diagnosesStarted);

    /// <summary>Finished diagnoses by verdict; "unknown" only when one ended without a verdict (none should).</summary>
    public IReadOnlyList<(string Verdict, long Count)> DiagnosesDone() =>
    [
        (Verdicts.Reachable, Interlocked.Read(ref _diagnosesReachable)),
        (Verdicts.Unreachable, Interlocked.Read(ref _diagnosesUnreachable)),
        ("unknown", Interlocked.Read(ref _diagnosesOther)),
    ];
}
