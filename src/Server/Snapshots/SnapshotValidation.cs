using Dashboard.Shared;

namespace Dashboard.Server.Snapshots;

/// <summary>
/// What the snapshot API takes: labels and names (<see cref="SnapshotLimits"/>), and imported documents, checked
/// field by field (JSON may leave out or null anything, whatever the records say) and bounded in size, so that
/// what is stored can always be listed, shown and compared.
/// </summary>
internal static class SnapshotValidation
{
    public const int MaxNamespaces = 20_000;
    public const int MaxInterfacesPerNamespace = 10_000;
    public const int MaxRoutesPerNamespace = 100_000;
    public const int MaxListItems = 100_000;
    public const int MaxLinks = 200_000;
    public const int MaxFindings = 100_000;
    public const int MaxWarnings = 10_000;
    public const int MaxStringLength = 16_384;
    public const int MaxHostnameLength = 253;

    /// <summary>Imports older than this are refused (a clock at zero, a forged date).</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A label: required; trimmed; 1 to <see cref="SnapshotLimits.LabelLength"/> characters of one line.</summary>
    public static bool TryLabel(string? raw, out string label, out string? error)
    {
        label = raw?.Trim() ?? "";
        error = raw is null ? "label is required."
            : label.Length == 0 ? "label must not be empty."
            : label.Length > SnapshotLimits.LabelLength ? $"label must be at most {SnapshotLimits.LabelLength} characters (it has {label.Length})."
            : !SnapshotLimits.IsValidText(label, SnapshotLimits.LabelLength) || HasLoneSurrogate(label) ? "label must be one line of text: no control characters (newlines, tabs, escapes)."
            : null;
        return error is null;
    }

    /// <summary>Who takes it: optional (null or blank: <paramref name="fallback"/>); trimmed; at most <see cref="SnapshotLimits.ByLength"/> characters of one line.</summary>
    public static bool TryBy(string? raw, string? fallback, out string? by, out string? error)
    {
        var trimmed = raw?.Trim();
        by = string.IsNullOrEmpty(trimmed) ? fallback : trimmed;
        error = string.IsNullOrEmpty(trimmed) ? null
            : trimmed.Length > SnapshotLimits.ByLength ? $"by must be at most {SnapshotLimits.ByLength} characters (it has {trimmed.Length})."
            : !SnapshotLimits.IsValidText(trimmed, SnapshotLimits.ByLength) || HasLoneSurrogate(trimmed) ? "by must be one line of text: no control characters."
            : null;
        return error is null;
    }

    /// <summary>Half of a UTF-16 pair (JSON may escape one, "\ud800"): not text, and not writable as UTF-8.</summary>
    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }

    /// <summary>
    /// Fills in what the contract gives a default for and a document may leave out (JSON from another tool, or an
    /// older export): the format (1), a namespace's displayName, processes and neighbours, an interface's flags, a route's family,
    /// type, scope and protocol. What the records require stays as it is, for <see cref="CheckImport"/> to judge.
    /// </summary>
    public static Snapshot? Normalize(Snapshot? snapshot)
    {
        // A document without "format" is of the first one.
        if (snapshot is { Format: 0 }) snapshot = snapshot with { Format = 1 };
        if (snapshot?.Topology?.Namespaces is not { } namespaces) return snapshot;
        var fixedNamespaces = new List<NetworkNamespace>(namespaces.Count);
        foreach (var ns in namespaces)
        {
            if (ns is null)
            {
                fixedNamespaces.Add(ns!);
                continue;
            }
            fixedNamespaces.Add(ns with
            {
                DisplayName = ns.DisplayName ?? ns.Name ?? ns.Id,
                Processes = ns.Processes ?? [],
                Neighbours = ns.Neighbours ?? [],
                Interfaces = ns.Interfaces?.Select(i => i is null ? i! : i with { Flags = i.Flags ?? [] }).ToList()!,
                Routes = ns.Routes?.Select(r => r is null ? r! : r with
                {
                    Family = r.Family ?? "inet",
                    Type = r.Type ?? "unicast",
                    Scope = r.Scope ?? "universe",
                    Protocol = r.Protocol ?? "boot",
                }).ToList()!,
            });
        }
        return snapshot with { Topology = snapshot.Topology with { Namespaces = fixedNamespaces } };
    }

    /// <summary>
    /// Checks a document for <c>POST /api/snapshots/import</c>. Returns the problems found (at most a few, each
    /// naming the field by its JSON path); empty when it can be stored.
    /// </summary>
    public static List<string> CheckImport(Snapshot? snapshot, DateTimeOffset now)
    {
        var check = new Checker();
        if (snapshot is null)
        {
            check.Add("the body must be a snapshot document (as GET /api/snapshots/{id}/export gives it), not null.");
            return check.Errors;
        }
        if (snapshot.Format < 1)
            check.Add($"format must be a positive number (this release reads format {SnapshotLimits.Format}).");
        else if (snapshot.Format > SnapshotLimits.Format)
            check.Add($"format {snapshot.Format} is newer than this release reads ({SnapshotLimits.Format}): import it with the release that exported it, or a newer one.");
        if (!TryLabel(snapshot.Label, out _, out var labelError)) check.Add(labelError!);
        if (!TryBy(snapshot.TakenBy, null, out _, out var byError)) check.Add("takenBy: " + byError);
        if (snapshot.TakenAt < Earliest || snapshot.TakenAt > now.AddDays(1))
            check.Add($"takenAt must be a date between {Earliest:yyyy-MM-dd} and tomorrow.");

        var topology = snapshot.Topology;
        if (topology is null)
        {
            check.Add("topology is required.");
        }
        else
        {
            check.Text(topology.Hostname, "topology.hostname", MaxHostnameLength, required: true);
            if (topology.Hostname is { Length: > 0 } h && h.Any(char.IsControl)) check.Add("topology.hostname must not hold control characters.");
            if (check.List(topology.Namespaces, "topology.namespaces", MaxNamespaces))
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < topology.Namespaces.Count && check.Errors.Count < Checker.MaxErrors; i++)
                {
                    var ns = topology.Namespaces[i];
                    var at = $"topology.namespaces[{i}]";
                    if (ns is null) { check.Add($"{at} is null."); continue; }
                    if (check.Text(ns.Id, at + ".id", 64, required: true) && !ids.Add(ns.Id))
                        check.Add($"{at}.id repeats another namespace's id.");
                    check.Text(ns.Name, at + ".name", 1024);
                    check.Text(ns.DisplayName, at + ".displayName", 1024, required: true);
                    check.Texts(ns.Paths, at + ".paths", 1024);
                    check.List(ns.Pids, at + ".pids", MaxListItems);
                    if (ns.Owner is null) check.Add($"{at}.owner is required.");
                    else
                    {
                        check.Text(ns.Owner.Kind, at + ".owner.kind", 32, required: true);
                        check.Text(ns.Owner.Name, at + ".owner.name", 1024);
                    }
                    if (check.List(ns.Processes, at + ".processes", MaxListItems))
                        for (int p = 0; p < ns.Processes.Count; p++)
                            if (ns.Processes[p] is not { } process) check.Add($"{at}.processes[{p}] is null.");
                            else check.Text(process.CommandLine, $"{at}.processes[{p}].commandLine", MaxStringLength, required: true);
                    if (check.List(ns.Neighbours, at + ".neighbours", MaxListItems))
                        for (int n = 0; n < ns.Neighbours.Count; n++)
                            if (ns.Neighbours[n] is not { } neighbour) check.Add($"{at}.neighbours[{n}] is null.");
                            else
                            {
                                check.Text(neighbour.Address, $"{at}.neighbours[{n}].address", 64, required: true);
                                check.Text(neighbour.Mac, $"{at}.neighbours[{n}].mac", 64);
                                check.Text(neighbour.Device, $"{at}.neighbours[{n}].device", 64);
                                check.Text(neighbour.State, $"{at}.neighbours[{n}].state", 64, required: true);
                            }
                    if (check.List(ns.Interfaces, at + ".interfaces", MaxInterfacesPerNamespace))
                        for (int j = 0; j < ns.Interfaces.Count; j++) CheckInterface(check, ns.Interfaces[j], $"{at}.interfaces[{j}]");
                    if (check.List(ns.Routes, at + ".routes", MaxRoutesPerNamespace))
                        for (int r = 0; r < ns.Routes.Count; r++) CheckRoute(check, ns.Routes[r], $"{at}.routes[{r}]");
                }
            }
            if (check.List(topology.Links, "topology.links", MaxLinks))
            {
                for (int i = 0; i < topology.Links.Count && check.Errors.Count < Checker.MaxErrors; i++)
                {
                    var link = topology.Links[i];
                    var at = $"topology.links[{i}]";
                    if (link is null) { check.Add($"{at} is null."); continue; }
                    check.Text(link.Kind, at + ".kind", 32, required: true);
                    CheckEnd(check, link.A, at + ".a");
                    CheckEnd(check, link.B, at + ".b");
                }
            }
            check.Texts(topology.Warnings, "topology.warnings", MaxStringLength, MaxWarnings);
        }

        if (check.List(snapshot.Findings, "findings", MaxFindings))
        {
            for (int i = 0; i < snapshot.Findings.Count && check.Errors.Count < Checker.MaxErrors; i++)
            {
                var f = snapshot.Findings[i];
                var at = $"findings[{i}]";
                if (f is null) { check.Add($"{at} is null."); continue; }
                check.Text(f.Id, at + ".id", 256, required: true);
                check.Text(f.Rule, at + ".rule", 64, required: true);
                check.Text(f.Severity, at + ".severity", 32, required: true);
                check.Text(f.NamespaceId, at + ".namespaceId", 64, required: true);
                check.Text(f.NamespaceName, at + ".namespaceName", 1024);
                check.Text(f.Interface, at + ".interface", 64);
                check.Text(f.Title, at + ".title", MaxStringLength, required: true);
                check.Text(f.Symptom, at + ".symptom", MaxStringLength, required: true);
                check.Text(f.Evidence, at + ".evidence", MaxStringLength, required: true);
                check.Texts(f.Fix, at + ".fix", MaxStringLength, 1000);
            }
        }
        return check.Errors;
    }

    private static void CheckInterface(Checker check, NetworkInterface? nic, string at)
    {
        if (nic is null) { check.Add($"{at} is null."); return; }
        check.Text(nic.Name, at + ".name", 64, required: true);
        check.Text(nic.Kind, at + ".kind", 32, required: true);
        check.Text(nic.LinkKind, at + ".linkKind", 64);
        check.Text(nic.Mac, at + ".mac", 64);
        check.Text(nic.OperState, at + ".operState", 32, required: true);
        check.Text(nic.Master, at + ".master", 64);
        check.Texts(nic.Addresses, at + ".addresses", 64);
        check.Texts(nic.Flags, at + ".flags", 32);
        if (nic.Mtu < 0) check.Add($"{at}.mtu must not be negative.");
        if (nic.Peer is { } peer)
        {
            check.Text(peer.NamespaceId, at + ".peer.namespaceId", 64);
            check.Text(peer.Name, at + ".peer.name", 64);
        }
    }

    private static void CheckRoute(Checker check, Shared.Route? route, string at)
    {
        if (route is null) { check.Add($"{at} is null."); return; }
        check.Text(route.Destination, at + ".destination", 64, required: true);
        check.Text(route.Gateway, at + ".gateway", 64);
        check.Text(route.Device, at + ".device", 64);
        check.Text(route.Table, at + ".table", 64, required: true);
        check.Text(route.Family, at + ".family", 16, required: true);
        check.Text(route.Type, at + ".type", 32, required: true);
        check.Text(route.Scope, at + ".scope", 32, required: true);
        check.Text(route.Protocol, at + ".protocol", 32, required: true);
        check.Text(route.PreferredSource, at + ".preferredSource", 64);
    }

    private static void CheckEnd(Checker check, LinkEnd? end, string at)
    {
        if (end is null) { check.Add($"{at} is required."); return; }
        check.Text(end.NamespaceId, at + ".namespaceId", 64, required: true);
        check.Text(end.Interface, at + ".interface", 64, required: true);
    }

    private sealed class Checker
    {
        public const int MaxErrors = 10;

        public List<string> Errors { get; } = [];

        public void Add(string error)
        {
            if (Errors.Count < MaxErrors) Errors.Add(error);
        }

        public bool Text(string? value, string at, int max, bool required = false)
        {
            if (value is null)
            {
                if (required) Add($"{at} is required.");
                return !required;
            }
            if (required && value.Length == 0) { Add($"{at} must not be empty."); return false; }
            if (value.Length > max) { Add($"{at} is longer than {max} characters."); return false; }
            return true;
        }

        public void Texts(IReadOnlyList<string>? values, string at, int maxLength, int maxCount = MaxListItems)
        {
            if (!List(values, at, maxCount)) return;
            for (int i = 0; i < values!.Count; i++) Text(values[i], $"{at}[{i}]", maxLength, required: true);
        }

        /// <summary>A list that must be there (an empty one is fine) and not longer than <paramref name="max"/>.</summary>
        public bool List<T>(IReadOnlyList<T>? values, string at, int max)
        {
            if (values is null) { Add($"{at} is required (an empty list when there is nothing)."); return false; }
            if (values.Count > max) { Add($"{at} has {values.Count} items; at most {max} are taken."); return false; }
            return true;
        }
    }
}
