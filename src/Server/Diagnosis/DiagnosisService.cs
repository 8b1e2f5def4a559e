using System.Collections.Concurrent;
using System.Globalization;
using Dashboard.Server.Analysis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Hubs;
using Dashboard.Server.Metrics;
using Dashboard.Server.Monitoring;
using Dashboard.Server.Storage;
using Dashboard.Shared;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using DiagnosisRecord = Dashboard.Shared.Diagnosis;

namespace Dashboard.Server.Diagnosis;

/// <summary>
/// Runs diagnoses: at most <see cref="DiagnosisOptions.MaxConcurrent"/> at once, each on a fresh read of the
/// kernel, its steps pushed to every hub client as <c>DiagnosisProgress</c> as they finish, the result
/// stored in SQLite. A running diagnosis is answered from memory; a finished one from the database.
/// </summary>
internal sealed class DiagnosisService(
    TopologyStore store,
    TopologyDiscovery discovery,
    ICommandRunner runner,
    DiagnosisRepository repository,
    IHubContext<TopologyHub, ITopologyClient> hub,
    IOptions<DiagnosisOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    DashboardMetrics metrics,
    ILogger<DiagnosisService> logger)
{
    private readonly ConcurrentDictionary<string, Running> _running = new();
    private readonly Lazy<DiagnosisTools> _tools = new(DiagnosisTools.Detect);
    private int _inFlight;

    private sealed class Running(DiagnosisRecord initial, long startedTimestamp)
    {
        public long StartedTimestamp { get; } = startedTimestamp;

        private readonly Lock _lock = new();
        private readonly List<DiagnosisStep> _steps = [];

        public DiagnosisRecord Initial { get; } = initial;

        public TaskCompletionSource<DiagnosisRecord> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(DiagnosisStep step)
        {
            lock (_lock) _steps.Add(step);
        }

        public DiagnosisRecord Snapshot(double elapsedMs)
        {
            lock (_lock) return Initial with { Steps = [.. _steps], DurationMs = Math.Round(elapsedMs, 1) };
        }
    }

    /// <summary>The topology to validate a request against: the live state, or a fresh read of the kernel (no command runs either way).</summary>
    public async Task<Topology> CurrentTopologyAsync(bool fresh, CancellationToken cancellationToken) =>
        (await store.GetAsync(fresh, cancellationToken)).Topology;

    /// <summary>
    /// Starts a diagnosis, or returns null when <see cref="DiagnosisOptions.MaxConcurrent"/> are running.
    /// The returned record is the running one (no steps yet); <c>Completion</c> gives the finished one.
    /// </summary>
    public (DiagnosisRecord Started, Task<DiagnosisRecord> Completion)? TryStart(DiagnosisTarget target)
    {
        if (Interlocked.Increment(ref _inFlight) > options.Value.MaxConcurrent)
        {
            Interlocked.Decrement(ref _inFlight);
            return null;
        }
        try
        {
            var id = RandomIds.New();
            var started = time.GetUtcNow();
            var source = new DiagnosisSource(target.Source.Id, target.Source.Name) { DisplayName = target.Source.DisplayName };
            var initial = new DiagnosisRecord(id, source, target.Destination.ToString(), null, null, [], started, 0)
            {
                Status = DiagnosisStatus.Running,
                DestinationReference = target.DestinationReference,
            };
            var running = new Running(initial, time.GetTimestamp());
            _running[id] = running;
            metrics.DiagnosisStarted();
            _ = Task.Run(() => RunAsync(running, target));
            return (initial, running.Done.Task);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }
    }

    /// <summary>A running diagnosis as far as it got, or a stored one, or null.</summary>
    public async Task<DiagnosisRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!RandomIds.IsWellFormed(id)) return null;
        if (_running.TryGetValue(id, out var running))
            return running.Snapshot(time.GetElapsedTime(running.StartedTimestamp).TotalMilliseconds);
        return await repository.GetAsync(id, cancellationToken);
    }

    private async Task RunAsync(Running running, DiagnosisTarget target)
    {
        var id = running.Initial.Id;
        var startedTimestamp = running.StartedTimestamp;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
        limit.CancelAfter(options.Value.Timeout);
        DiagnosisRecord result;
        try
        {
            WalkResult walk;
            var state = await store.GetAsync(fresh: true, limit.Token);
            var topology = state.Topology;
            var topologyMs = time.GetElapsedTime(startedTimestamp).TotalMilliseconds;
            var source = topology.FindNamespace(target.Source.Id);
            if (source is null)
            {
                var step = new DiagnosisStep("source", StepStatus.Fail,
                    $"{target.Source.DisplayName} ({target.Source.Id}) is gone: it is not in a fresh read of the kernel", null, null)
                {
                    NamespaceId = target.Source.Id,
                    NamespaceName = target.Source.DisplayName,
                    Rule = FindingRules.NamespaceRemoved,
                };
                await Publish(running, step);
                walk = new WalkResult(Verdicts.Unreachable,
                    new DiagnosisRootCause(FindingRules.NamespaceRemoved, target.Source.Id, target.Source.DisplayName, null, []) { Step = step.Name, Detail = step.Detail },
                    [step], [], []);
            }
            else
            {
                // The rules on this read, and the live state's recent removals (a pair or namespace deleted a moment
                // ago explains a route that is gone; one read alone cannot know what was there before).
                IReadOnlyList<Finding> findings = [.. Rules.Evaluate(topology), .. state.Findings.Where(f => f.Rule is FindingRules.VethPairRemoved or FindingRules.NamespaceRemoved)];
                var exec = new NamespaceExec(discovery.OwnInode.ToString(CultureInfo.InvariantCulture));
                var diagnosisWalk = new DiagnosisWalk(topology, findings, source, target.Destination, exec, runner, _tools.Value,
                    step => Publish(running, step), time, limit.Token);
                walk = await diagnosisWalk.RunAsync();
            }
            result = running.Initial with
            {
                Status = DiagnosisStatus.Done,
                Verdict = walk.Verdict,
                RootCause = walk.RootCause,
                Steps = walk.Steps,
                Path = walk.Path,
                Warnings = walk.Warnings,
                DurationMs = Math.Round(time.GetElapsedTime(startedTimestamp).TotalMilliseconds, 1),
            };
            logger.LogInformation("Diagnosis {Id} from {Source} to {Destination}: {Verdict}{RootCause} in {Duration:F0} ms (fresh read {TopologyMs:F0} ms, {Steps} steps)",
                id, target.Source.DisplayName, result.Destination, result.Verdict,
                result.RootCause is { } cause ? $", {cause.Rule} on {cause.NamespaceName}/{cause.Interface ?? "-"}" : "",
                result.DurationMs, topologyMs, result.Steps.Count);
        }
        catch (Exception e)
        {
            // Cut short (timeout, shutdown) or broken: still an answer, never a 500.
            logger.LogWarning(e, "Diagnosis {Id} stopped early", id);
            var partial = running.Snapshot(time.GetElapsedTime(startedTimestamp).TotalMilliseconds);
            result = partial with
            {
                Status = DiagnosisStatus.Done,
                Verdict = Verdicts.Unreachable,
                Warnings = [e is OperationCanceledException ? $"The diagnosis was cut short after {options.Value.Timeout.TotalSeconds:0} s or by the server stopping." : $"The diagnosis stopped early: {e.Message}"],
            };
        }
        try
        {
            await repository.SaveAsync(result, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Diagnosis {Id} could not be stored", id);
            var why = e is StorageUnavailableException storage ? " " + storage.Message : "";
            result = result with { Warnings = [.. result.Warnings, "It could not be stored: its link will not open later." + why] };
        }
        finally
        {
            _running.TryRemove(id, out _);
            Interlocked.Decrement(ref _inFlight);
        }
        metrics.DiagnosisDone(result.Verdict);
        running.Done.TrySetResult(result);
    }

    private async Task Publish(Running running, DiagnosisStep step)
    {
        running.Add(step);
        try
        {
            await hub.Clients.All.DiagnosisProgress(running.Initial.Id, step);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Pushing a step of diagnosis {Id} failed", running.Initial.Id);
        }
    }
}
