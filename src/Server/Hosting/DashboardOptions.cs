using Microsoft.Extensions.Options;

namespace Dashboard.Server;

/// <summary>Section "Dashboard".</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Where the SQLite file and the token live. Relative paths are taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The access token; made at first start and stored in the data directory when unset.</summary>
    public string? AuthToken { get; set; }

    /// <summary>A second token that opens GET /metrics and nothing else (for a Prometheus scraper); none when unset.</summary>
    public string? MetricsToken { get; set; }

    /// <summary>Allow anything that changes the node (lab scenarios, applying fixes).</summary>
    public bool AllowChanges { get; set; }

    /// <summary>How long a write waits for another process's lock on the SQLite file before it answers 503 "locked".</summary>
    public TimeSpan DatabaseBusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);
}

internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            errors.Add("Dashboard:DataDirectory must name a folder.");
        if (options.AuthToken is { } t && !string.IsNullOrWhiteSpace(t) && t.Trim().Length < 16)
            errors.Add("Dashboard:AuthToken must be at least 16 characters long.");
        if (options.MetricsToken is { } m && !string.IsNullOrWhiteSpace(m) && m.Trim().Length < 16)
            errors.Add("Dashboard:MetricsToken must be at least 16 characters long.");
        if (options.DatabaseBusyTimeout < TimeSpan.FromMilliseconds(100) || options.DatabaseBusyTimeout > TimeSpan.FromMinutes(1))
            errors.Add("Dashboard:DatabaseBusyTimeout must be between 00:00:00.1 and 00:01:00.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
