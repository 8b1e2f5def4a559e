using Microsoft.Extensions.Options;

namespace Dashboard.Server.Lab;

/// <summary>Section "Dashboard:Lab": the hands-on lab (docs/lab.md).</summary>
public sealed class LabOptions
{
    public const string Section = "Dashboard:Lab";

    /// <summary>The longest prefix: the longest lab namespace name stays short (prefix + "pod-blue").</summary>
    public const int MaxPrefixLength = 24;

    /// <summary>Turn the lab on, with changes limited to lab namespaces (<c>--lab</c> sets it).</summary>
    public bool Enabled { get; set; }

    /// <summary>Every lab namespace's name starts with it: "lab-", then only [a-z0-9-].</summary>
    public string Prefix { get; set; } = "lab-";

    /// <summary>The CNI bridge plugin the k8s-node scenario runs; when the file is missing the same layout is built with ip.</summary>
    public string CniBridgePlugin { get; set; } = "/usr/lib/cni/bridge";
}

internal sealed class LabOptionsValidator : IValidateOptions<LabOptions>
{
    public ValidateOptionsResult Validate(string? name, LabOptions options)
    {
        var errors = new List<string>();
        var prefix = options.Prefix ?? "";
        if (!prefix.StartsWith("lab-", StringComparison.Ordinal))
            errors.Add("Dashboard:Lab:Prefix must start with \"lab-\".");
        if (prefix.Any(c => c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '-')))
            errors.Add("Dashboard:Lab:Prefix may hold only a-z, 0-9 and '-'.");
        if (prefix.Length > LabOptions.MaxPrefixLength)
            errors.Add($"Dashboard:Lab:Prefix must be at most {LabOptions.MaxPrefixLength} characters long, so that lab namespace names stay valid.");
        if (string.IsNullOrWhiteSpace(options.CniBridgePlugin) || !Path.IsPathFullyQualified(options.CniBridgePlugin))
            errors.Add("Dashboard:Lab:CniBridgePlugin must be an absolute path.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Start options the command-line configuration provider cannot take as they are: <c>--lab</c> (a switch
/// without a value) becomes <c>--Dashboard:Lab:Enabled=true</c>. Left alone, the provider would ignore a
/// trailing <c>--lab</c> or take the next argument as its value.
/// </summary>
public static class StartArguments
{
    public const string Lab = "--lab";

    public static string[] Expand(IReadOnlyList<string> args) =>
        [.. args.Select(a => a == Lab ? $"--{LabOptions.Section}:Enabled=true" : a)];
}
