using System.Globalization;

namespace Dashboard.Server.Discovery;

/// <summary>Parses `ethtool -S IF` ("NIC statistics:" then "name: value" lines). Pure.</summary>
internal static class EthtoolStats
{
    public static Dictionary<string, long> Parse(string output)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            int colon = line.LastIndexOf(':');
            if (colon <= 0 || colon == line.Length - 1) continue;
            if (long.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                counters[line[..colon].Trim()] = value;
        }
        return counters;
    }
}
