using System.Globalization;
using System.Text.RegularExpressions;

namespace Dashboard.Server.Tests.Metrics;

/// <summary>One sample of a scrape.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A tiny parser of the Prometheus text exposition format 0.0.4 that fails on anything it does not
/// expect: every line is a HELP, a TYPE or a sample `name{label="value",…} value`, and every sample
/// belongs to a metric whose HELP and TYPE came before it.
/// </summary>
public static partial class Exposition
{
    [GeneratedRegex("""^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$""")]
    private static partial Regex Help();

    [GeneratedRegex("""^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$""")]
    private static partial Regex Type();

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""\G([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)""")]
    private static partial Regex Label();

    public static IReadOnlyList<Sample> Parse(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var help = new HashSet<string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        foreach (var line in text[..^1].Split('\n'))
        {
            if (Help().Match(line) is { Success: true } h)
            {
                Assert.True(help.Add(h.Groups[1].Value), $"a second HELP: {line}");
                continue;
            }
            if (Type().Match(line) is { Success: true } t)
            {
                Assert.True(help.Contains(t.Groups[1].Value), $"TYPE before HELP: {line}");
                Assert.True(types.TryAdd(t.Groups[1].Value, t.Groups[2].Value), $"a second TYPE: {line}");
                continue;
            }
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: '{line}'");
            var name = m.Groups[1].Value;
            var family = Family(name, types);
            Assert.True(family is not null, $"a sample without HELP and TYPE: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var labelText = m.Groups[2].Value;
            int at = 0;
            while (at < labelText.Length)
            {
                var l = Label().Match(labelText, at);
                Assert.True(l.Success, $"bad labels in: {line}");
                Assert.True(labels.TryAdd(l.Groups[1].Value, Unescape(l.Groups[2].Value)), $"a label twice: {line}");
                at += l.Length;
            }
            samples.Add(new Sample(name, labels, ParseValue(m.Groups[3].Value, line)));
        }
        return samples;
    }

    private static string? Family(string name, Dictionary<string, string> types)
    {
        if (types.ContainsKey(name)) return name;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out var type)
                && (type is "histogram" || (type is "summary" && suffix is not "_bucket")))
                return name[..^suffix.Length];
        }
        return null;
    }

    private static double ParseValue(string value, string line) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new Xunit.Sdk.XunitException($"bad value in: {line}"),
    };

    private static string Unescape(string value) =>
        Regex.Replace(value, """\\(\\|"|n)""", m => m.Groups[1].Value switch { "n" => "\n", var c => c });

    public static double Value(this IReadOnlyList<Sample> samples, string name, params (string Name, string Value)[] labels) =>
        Assert.Single(samples, s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Value;

    public static double Sum(this IReadOnlyList<Sample> samples, string name, params (string Name, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Sum(s => s.Value);
}
