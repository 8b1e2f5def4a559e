using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dashboard.Server.Analysis;
using Dashboard.Server.Discovery;
using Dashboard.Server.Metrics;
using Dashboard.Server.Netlink;
using Dashboard.Shared;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Monitoring;

/// <summary>The node as last seen, and what is wrong with it.</summary>
public sealed record TopologyState(Topology Topology, IReadOnlyList<Finding> Findings);

/// <summary>
/// Holds the current <see cref="Topology"/> and its findings, and keeps them current from kernel
/// events rather than polling: rtnetlink multicast of every namespace (one
/// <see cref="NetlinkMonitor"/> socket), inotify on the namespace folders, and a slow /proc
/// rescan for namespaces held only by processes. A change re-reads only the namespaces it
/// touched; changes are coalesced over <see cref="MonitoringOptions.CoalesceWindow"/>.
/// Offers "current state + subscribe" (<see cref="WatchAsync"/>), one channel per subscriber.
/// </summary>
internal sealed class TopologyStore : BackgroundService
{
    private readonly TopologyDiscovery _discovery;
    private readonly DiscoveryOptions _options;
    private readonly MonitoringOptions _monitoring;
    private readonly TimeProvider _time;
    private readonly ILogger<TopologyStore> _logger;
    private readonly FindingsTracker _findings;
    private readonly DashboardMetrics _metrics;

    // Written by the kernel-event thread and file watchers, taken by the worker.
    private readonly ConcurrentDictionary<ulong, byte> _dirty = new();
    private readonly ConcurrentQueue<int> _deadOwnNsids = new();
    private volatile bool _rescan;
    private volatile bool _readAll;
    private volatile bool _ownersChanged;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<TaskCompletionSource<TopologyState>> _freshRequests = new();

    // The worker's own state.
    private readonly Dictionary<ulong, NamespaceSnapshot> _snapshots = [];
    private readonly Dictionary<int, ulong> _byOwnNsid = [];
    private readonly Dictionary<ulong, int> _ownNsidOf = [];
    private NsidCache? _nsids;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);

    private readonly Lock _subscribersLock = new();
    private readonly List<Channel<TopologyState>> _subscribers = [];
    private readonly TaskCompletionSource _firstState = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile TopologyState? _current;

    public TopologyStore(
        TopologyDiscovery discovery,
        IOptions<DiscoveryOptions> options,
        IOptions<MonitoringOptions> monitoring,
        FindingsTracker findings,
        DashboardMetrics metrics,
        TimeProvider time,
        ILogger<TopologyStore> logger)
    {
        _discovery = discovery;
        _options = options.Value;
        _monitoring = monitoring.Value;
        _findings = findings;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _discovery.Cri.Changed += OnCriChanged;
    }

    /// <summary>The state as last published, or null before the first read.</summary>
    public TopologyState? Current => _current;

    /// <summary>
    /// The live state; with <paramref name="fresh"/>, re-reads every namespace first and answers
    /// with the new topology as soon as it is built (its findings may still be the previous ones).
    /// </summary>
    public async Task<TopologyState> GetAsync(bool fresh, CancellationToken cancellationToken)
    {
        if (!fresh)
        {
            if (_current is { } current) return current;
            await _firstState.Task.WaitAsync(cancellationToken);
            return _current!;
        }
        var request = new TaskCompletionSource<TopologyState>(TaskCreationOptions.RunContinuationsAsynchronously);
        _freshRequests.Enqueue(request);
        _wake.Writer.TryWrite(true);
        return await request.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The current state, then every new one. A slow reader skips to the newest state.</summary>
    public async IAsyncEnumerable<TopologyState> WatchAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<TopologyState>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_subscribersLock) _subscribers.Add(channel);
        try
        {
            if (_current is { } current) yield return current;
            await foreach (var state in channel.Reader.ReadAllAsync(cancellationToken))
                yield return state;
        }
        finally
        {
            lock (_subscribersLock) _subscribers.Remove(channel);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _nsids = new NsidCache(_discovery.Hopper);
        using var monitor = StartMonitor();
        using var rescanTimer = new PeriodicTimer(_monitoring.ProcessRescanInterval, _time);
        var rescanTick = Tick(rescanTimer, stoppingToken);
        _readAll = true;
        _rescan = true;
        _wake.Writer.TryWrite(true);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wake = _wake.Reader.WaitToReadAsync(stoppingToken).AsTask();
                var first = await Task.WhenAny(wake, rescanTick);
                if (first == rescanTick)
                {
                    rescanTick = Tick(rescanTimer, stoppingToken);
                    _rescan = true;
                }
                else
                {
                    await wake;
                    _wake.Reader.TryRead(out _);
                    // Let a burst of kernel events settle into one update, unless someone waits for a fresh read.
                    if (_freshRequests.IsEmpty && !_readAll)
                        await Task.Delay(_monitoring.CoalesceWindow, _time, stoppingToken);
                }
                await Task.Run(Apply, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var w in _watchers) w.Dispose();
            while (_freshRequests.TryDequeue(out var r)) r.TrySetCanceled(stoppingToken);
        }
    }

    private static async Task Tick(PeriodicTimer timer, CancellationToken ct) => await timer.WaitForNextTickAsync(ct);

    private NetlinkMonitor? StartMonitor()
    {
        try
        {
            return new NetlinkMonitor(OnKernelEvent, OnOverflow);
        }
        catch (NetlinkException e)
        {
            _logger.LogWarning("Kernel events are not available ({Error}); the state is re-read every {Interval}", e.Message, _monitoring.ProcessRescanInterval);
            return null;
        }
    }

    private void OnKernelEvent(KernelEvent e)
    {
        if (e.IsNamespaceIdChange)
        {
            // An id given or taken: a namespace was born, linked, or died.
            if (e.IsOwnIdRemoved) _deadOwnNsids.Enqueue(e.TargetNsid!.Value);
            _rescan = true;
        }
        else if (e.Nsid is null)
        {
            _dirty.TryAdd(_discovery.OwnInode, 0);
        }
        else
        {
            // The id map is the worker's, read here under its lock.
            ulong inode;
            bool known;
            lock (_byOwnNsid) known = _byOwnNsid.TryGetValue(e.Nsid.Value, out inode);
            if (known) _dirty.TryAdd(inode, 0);
            else _rescan = true; // a namespace we have not mapped yet: find it
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>The CRI's pods changed (read in the background): names may change with no kernel event, so rebuild.</summary>
    private void OnCriChanged()
    {
        _ownersChanged = true;
        _wake.Writer.TryWrite(true);
    }

    private void OnOverflow()
    {
        _logger.LogWarning("Kernel events were lost (ENOBUFS); re-reading every namespace");
        _readAll = true;
        _rescan = true;
        _wake.Writer.TryWrite(true);
    }

    /// <summary>One update: rescan if asked, re-read what changed, rebuild, analyse, publish.</summary>
    private void Apply()
    {
        var started = Stopwatch.GetTimestamp();
        var waiting = new List<TaskCompletionSource<TopologyState>>();
        while (_freshRequests.TryDequeue(out var r)) waiting.Add(r);
        bool readAll = _readAll || waiting.Count > 0;
        bool rescan = _rescan || readAll || _current is null;
        _readAll = false;
        _rescan = false;
        // Taken now, so a change the CRI reports during the build is one more update; put back when the build fails.
        bool ownersChanged = _ownersChanged;
        _ownersChanged = false;
        var dirty = _dirty.Keys.ToHashSet();
        foreach (var d in dirty) _dirty.TryRemove(d, out _);

        try
        {
            var topology = Update(readAll, rescan, dirty, ownersChanged, started);
            TopologyState? state;
            if (topology is not null)
            {
                _metrics.ObserveDiscovery(topology.DurationMs / 1000);
                // Whoever waits for a fresh topology has it now; the rules run after, and publish.
                foreach (var w in waiting) w.TrySetResult(new TopologyState(topology, _current?.Findings ?? []));
                state = new TopologyState(topology, _findings.Update(topology, _time.GetUtcNow()));
            }
            else
            {
                state = Reanalyze();
            }
            if (state is not null) Publish(state);
            foreach (var w in waiting) w.TrySetResult(_current!);
        }
        catch (Exception e)
        {
            // Never a crash and never a 500: keep serving what was last seen, say that it is stale.
            _logger.LogError(e, "Updating the topology failed");
            if (ownersChanged) _ownersChanged = true;
            var last = _current;
            var warning = $"Discovery failed: {e.Message}";
            var state = last is null
                ? new TopologyState(new Topology(_time.GetUtcNow(), Environment.MachineName, [], [], [warning]), [])
                : last with { Topology = last.Topology with { Warnings = [.. last.Topology.Warnings, warning + " (showing the previous state)"] } };
            Publish(state);
            foreach (var w in waiting) w.TrySetResult(state);
        }
    }

    /// <summary>Returns the new topology, or null when nothing a client could see has changed.</summary>
    private Topology? Update(bool readAll, bool rescan, HashSet<ulong> dirty, bool ownersChanged, long started)
    {
        var warnings = new List<string>();
        NamespaceScan scan;
        bool membershipChanged = ForgetDeadNamespaces();
        if (rescan)
        {
            scan = _discovery.Enumerate(warnings);
            WatchNamespaceFolders();
            var alive = scan.Candidates.Select(c => c.Inode).ToHashSet();
            foreach (var gone in _snapshots.Keys.Where(k => !alive.Contains(k)).ToList())
            {
                _snapshots.Remove(gone);
                membershipChanged = true;
            }
            foreach (var c in scan.Candidates)
            {
                if (_snapshots.TryGetValue(c.Inode, out var s)) s.UpdateCandidate(c);
                else membershipChanged = true;
            }
            _lastScan = scan;
            // A file that is not a namespace mount yet may be `ip netns add` between its touch and its mount.
            if (warnings.Any(w => w.Contains("is not a namespace mount", StringComparison.Ordinal)))
                _ = RescanSoonAsync();
        }
        else
        {
            scan = _lastScan! with { TakenAt = _time.GetUtcNow() };
        }

        if (rescan)
        {
            // Ids first: a change made after this point reaches the monitor, one made before it is in the read.
            TrackOwnNsids(scan);
        }

        var toRead = scan.Candidates.Where(c => readAll || dirty.Contains(c.Inode) || !_snapshots.ContainsKey(c.Inode)).ToList();
        if (toRead.Count == 0 && !membershipChanged && !ownersChanged && _current is not null)
            return null;
        var read = _discovery.ReadNamespaces(toRead, warnings).ToDictionary(r => r.Inode);
        foreach (var c in toRead)
        {
            // One that could not be read has vanished (a warning says so): it is not shown stale.
            if (read.TryGetValue(c.Inode, out var snapshot)) _snapshots[c.Inode] = snapshot;
            else _snapshots.Remove(c.Inode);
        }
        _nsids!.Retain(new HashSet<ulong>(_snapshots.Keys));

        var topology = _discovery.Build(scan, _snapshots.Values.ToList(), _nsids, warnings, started);
        return topology;
    }

    private NamespaceScan? _lastScan;

    /// <summary>Nothing changed in the kernel, but time passed: listed removals may have outlived their retention.</summary>
    private TopologyState? Reanalyze()
    {
        if (_current is not { } current || !current.Findings.Any(f => f.Rule is FindingRules.VethPairRemoved or FindingRules.NamespaceRemoved))
            return null;
        var findings = _findings.Update(current.Topology, _time.GetUtcNow());
        return findings.SequenceEqual(current.Findings) ? null : current with { Findings = findings };
    }

    /// <summary>
    /// Namespaces whose id in ours the kernel took back (RTM_DELNSID) are dead: their snapshots and
    /// cached ids go now, before their inode can come back as another namespace.
    /// </summary>
    private bool ForgetDeadNamespaces()
    {
        bool any = false;
        while (_deadOwnNsids.TryDequeue(out var id))
        {
            ulong inode;
            lock (_byOwnNsid)
            {
                if (!_byOwnNsid.Remove(id, out inode)) continue;
                _ownNsidOf.Remove(inode);
            }
            _snapshots.Remove(inode);
            _nsids!.Forget(inode);
            any = true;
        }
        return any;
    }

    private async Task RescanSoonAsync()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(50), _time);
        _rescan = true;
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Every namespace gets an id in the dashboard's own namespace, so that its kernel events reach
    /// the monitor. Only namespaces without a known id are asked: a namespace that dies gives its
    /// id back with RTM_DELNSID (<see cref="ForgetDeadNamespaces"/>), so a known id stays right.
    /// </summary>
    private void TrackOwnNsids(NamespaceScan scan)
    {
        var alive = scan.Candidates.Select(c => c.Inode).ToHashSet();
        lock (_byOwnNsid)
        {
            foreach (var (inode, id) in _ownNsidOf.Where(kv => !alive.Contains(kv.Key)).ToList())
            {
                _ownNsidOf.Remove(inode);
                _byOwnNsid.Remove(id);
            }
        }
        var missing = scan.Candidates.Where(c => c.Inode != _discovery.OwnInode && !_ownNsidOf.ContainsKey(c.Inode)).ToList();
        if (missing.Count == 0) return;
        using var own = new RtnlClient(NetlinkSocket.Open());
        foreach (var c in missing)
        {
            int fd = NamespaceFiles.TryOpen(c, out _);
            if (fd < 0) continue;
            try
            {
                int id = own.EnsureNsid(fd);
                if (id < 0) continue;
                lock (_byOwnNsid)
                {
                    _ownNsidOf[c.Inode] = id;
                    _byOwnNsid[id] = c.Inode;
                }
            }
            catch (NetlinkException e)
            {
                _logger.LogDebug("No namespace id for {Namespace}: {Error}", c.Id, e.Message);
            }
            finally
            {
                Native.close(fd);
            }
        }
    }

    /// <summary>inotify (through FileSystemWatcher) on every namespace folder that exists; folders made later are picked up by the next rescan.</summary>
    private void WatchNamespaceFolders()
    {
        foreach (var dir in _options.AllNamespaceDirectories)
        {
            if (_watched.Contains(dir) || !Directory.Exists(dir)) continue;
            try
            {
                var watcher = new FileSystemWatcher(dir) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName };
                watcher.Created += OnFolderChanged;
                watcher.Deleted += OnFolderChanged;
                watcher.Renamed += OnFolderChanged;
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
                _watched.Add(dir);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                _logger.LogDebug("Cannot watch {Folder}: {Error}", dir, e.Message);
            }
        }
    }

    private void OnFolderChanged(object sender, FileSystemEventArgs e)
    {
        _rescan = true;
        _wake.Writer.TryWrite(true);
    }

    private void Publish(TopologyState state)
    {
        _current = state;
        _firstState.TrySetResult();
        lock (_subscribersLock)
            foreach (var s in _subscribers) s.Writer.TryWrite(state);
    }

    public override void Dispose()
    {
        _discovery.Cri.Changed -= OnCriChanged;
        foreach (var w in _watchers) w.Dispose();
        base.Dispose();
    }
}
