using Microsoft.Extensions.Options;

namespace Dashboard.Server.Snapshots;

/// <summary>Section "Dashboard:Snapshots": automatic snapshots, their retention, and the size of what the API takes.</summary>
public sealed class SnapshotOptions
{
    public const string Section = "Dashboard:Snapshots";

    /// <summary>Take a snapshot this often (label "schedule"); zero (the default) turns the schedule off.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.Zero;

    /// <summary>Take a snapshot when a finding appears that the previous state did not have (off by default).</summary>
    public bool OnNewFinding { get; set; }

    /// <summary>After a new-finding snapshot, findings that appear within this time take none: a storm makes one snapshot.</summary>
    public TimeSpan MinimumGap { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a new-finding snapshot waits after the first new finding, so that the rest of a burst is in it.</summary>
    public TimeSpan FindingSettle { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Automatic snapshots (schedule, new finding) kept at most; older ones are deleted. Manual and imported ones are never deleted automatically.</summary>
    public int KeepCount { get; set; } = 200;

    /// <summary>Automatic snapshots older than this many days are deleted; 0 keeps them regardless of age (KeepCount still applies).</summary>
    public int KeepDays { get; set; } = 30;

    /// <summary>The largest body <c>POST /api/snapshots/import</c> takes (bytes); larger gets 413.</summary>
    public long MaxImportBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>The largest body <c>POST /api/snapshots</c> takes (bytes): a label and a name.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    /// <summary>Rows <c>GET /api/snapshots</c> gives without <c>?limit</c>, and the most it gives with one.</summary>
    public const int DefaultListLimit = 1000;

    public const int MaxListLimit = 10_000;
}

internal sealed class SnapshotOptionsValidator : IValidateOptions<SnapshotOptions>
{
    public ValidateOptionsResult Validate(string? name, SnapshotOptions options)
    {
        var errors = new List<string>();
        if (options.Interval != TimeSpan.Zero && (options.Interval < TimeSpan.FromSeconds(1) || options.Interval > TimeSpan.FromDays(30)))
            errors.Add("Dashboard:Snapshots:Interval must be 00:00:00 (off) or between 00:00:01 and 30.00:00:00.");
        if (options.MinimumGap < TimeSpan.FromSeconds(1) || options.MinimumGap > TimeSpan.FromDays(1))
            errors.Add("Dashboard:Snapshots:MinimumGap must be between 00:00:01 and 1.00:00:00.");
        if (options.FindingSettle < TimeSpan.Zero || options.FindingSettle > TimeSpan.FromMinutes(1))
            errors.Add("Dashboard:Snapshots:FindingSettle must be between 00:00:00 and 00:01:00.");
        if (options.KeepCount is < 1 or > 100_000)
            errors.Add("Dashboard:Snapshots:KeepCount must be between 1 and 100000.");
        if (options.KeepDays is < 0 or > 36_500)
            errors.Add("Dashboard:Snapshots:KeepDays must be between 0 (no age limit) and 36500.");
        if (options.MaxImportBytes < 64 * 1024 || options.MaxImportBytes > 1024L * 1024 * 1024)
            errors.Add("Dashboard:Snapshots:MaxImportBytes must be between 65536 and 1073741824.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
