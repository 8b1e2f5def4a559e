using Microsoft.Extensions.Options;

namespace Dashboard.Server.Diagnosis;

/// <summary>Section "Dashboard:Diagnosis".</summary>
public sealed class DiagnosisOptions
{
    public const string Section = "Dashboard:Diagnosis";

    /// <summary>Diagnoses running at once; one more gets 429. Each runs a handful of short processes and pings.</summary>
    public int MaxConcurrent { get; set; } = 4;

    /// <summary>The longest a diagnosis may take before it is cut short (it then says so and still gives a verdict).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);
}

internal sealed class DiagnosisOptionsValidator : IValidateOptions<DiagnosisOptions>
{
    public ValidateOptionsResult Validate(string? name, DiagnosisOptions options)
    {
        var errors = new List<string>();
        if (options.MaxConcurrent is < 1 or > 64)
            errors.Add("Dashboard:Diagnosis:MaxConcurrent must be between 1 and 64.");
        if (options.Timeout < TimeSpan.FromSeconds(5) || options.Timeout > TimeSpan.FromMinutes(5))
            errors.Add("Dashboard:Diagnosis:Timeout must be between 00:00:05 and 00:05:00.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
