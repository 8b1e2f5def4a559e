using System.Text.RegularExpressions;
using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>
/// Whether this server lets the browser change anything (GET /api/capabilities, then GET /api/lab when it does), for every page: the app bar's
/// lab link, the lab page, and the "Apply fix" buttons. Read once when first asked and again after the
/// live connection comes back from an outage (a restart may have turned lab mode on or off); the lab
/// page re-reads it after each of its actions. Never polled.
/// </summary>
/// <remarks><see cref="Changed"/> may fire on any thread: components re-render with <c>InvokeAsync</c>.</remarks>
public sealed partial class LabAccess(DashboardApi api, DashboardState state) : IDisposable
{
    private readonly Lock _lock = new();
    private Task? _first;
    private long _asked;
    private long _applied;
    private ConnectionStatus _lastStatus = ConnectionStatus.Connecting;
    private bool _watching;
    /// <summary>The last read did not reach the server (or got no lab from it): the next connection reads again.</summary>
    private bool _failed;

    /// <summary>The lab as last read; null before the first answer and whenever the server refuses it.</summary>
    public LabState? Lab { get; private set; }

    /// <summary>Whether the server answered GET /api/lab at least once (200 or a refusal).</summary>
    public bool Known { get; private set; }

    /// <summary>The server's reason when it refused the lab (403: no changes allowed), else null.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Why the last read failed otherwise (the server unreachable, an unexpected status), else null.</summary>
    public string? Problem { get; private set; }

    /// <summary>The lab, or what it knows of it, changed. May be raised on any thread.</summary>
    public event Action? Changed;

    /// <summary>Reads the lab once (later calls get the same task) and re-reads it after every reconnection.</summary>
    public Task EnsureReadAsync()
    {
        lock (_lock)
        {
            if (_first is not null) return _first;
            if (!_watching)
            {
                _watching = true;
                _lastStatus = state.Status;
                state.Changed += OnStateChanged;
            }
            return _first = ReloadAsync();
        }
    }

    /// <summary>Reads GET /api/lab now; an answer older than one already applied is dropped.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        var ask = Interlocked.Increment(ref _asked);
        ApiResult<LabState>? result = null;
        string? failure = null;
        try
        {
            // Capabilities first: a server that changes nothing is not asked for its lab (that would be a 403 in every page's log).
            var capabilities = await api.GetCapabilitiesAsync(cancellationToken);
            result = capabilities.Value is { Changes: null } off
                ? new ApiResult<LabState>(null, off.HowToEnable, System.Net.HttpStatusCode.Forbidden)
                : await api.GetLabAsync(cancellationToken);
        }
        catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            return; // the live state loads the page again for the login page
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) // unreachable, or an answer that is no lab: said, and what was known is kept
        {
            failure = $"Could not read the lab: {e.Message}";
        }
        lock (_lock)
        {
            if (ask < _applied) return;
            _applied = ask;
            _failed = result is null;
            if (result is null)
            {
                Problem = failure; // keeps what it knew: the server may be restarting
            }
            else
            {
                Known = true;
                Lab = result.Value;
                Refusal = result.Forbidden ? result.Problem : null;
                Problem = result.Value is null && !result.Forbidden ? $"Could not read the lab: {result.Problem}" : null;
            }
        }
        Changed?.Invoke();
    }

    /// <summary>Whether the server may run a fix in the namespace named <paramref name="namespaceName"/>.</summary>
    public bool MayChange(string? namespaceName) => MayChange(Lab, namespaceName);

    /// <summary>
    /// <see cref="LabChanges.All"/>: anywhere; <see cref="LabChanges.Lab"/>: only in a namespace whose name
    /// starts with the lab's prefix; no lab (refused, not read yet): nowhere.
    /// </summary>
    public static bool MayChange(LabState? lab, string? namespaceName) => lab switch
    {
        null => false,
        { Changes: LabChanges.All } => true,
        { Changes: LabChanges.Lab } => namespaceName is { Length: > 0 } n && lab.Prefix.Length > 0 && n.StartsWith(lab.Prefix, StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// Whether a fix can run as it is: at least one command, and none with a placeholder such as
    /// <c>&lt;peer-namespace&gt;</c> that a person must fill in (the server refuses those with 409 anyway).
    /// </summary>
    public static bool Runnable(IReadOnlyList<string> fix) => fix.Count > 0 && fix.All(c => !Placeholder().IsMatch(c));

    [GeneratedRegex(@"<[^<>\s]+>")]
    private static partial Regex Placeholder();

    /// <summary>After an outage the server may have restarted in another mode, and a read that failed may work now: read the lab again.</summary>
    private void OnStateChanged()
    {
        bool reconnected;
        lock (_lock)
        {
            var now = state.Status;
            reconnected = now == ConnectionStatus.Connected && _lastStatus != ConnectionStatus.Connected
                && (_lastStatus is ConnectionStatus.Reconnecting or ConnectionStatus.Offline || _failed);
            _lastStatus = now;
        }
        if (reconnected)
            _ = ReloadAsync();
    }

    public void Dispose()
    {
        if (_watching)
            state.Changed -= OnStateChanged;
    }
}
