using System.Security.Cryptography;
using System.Text;

namespace Dashboard.Server.Analysis;

/// <summary>
/// Finding ids: the rule followed by a hash of the objects the finding is about, so the same problem
/// keeps the same id from one evaluation to the next (and across restarts). URL-safe: [a-z0-9-].
/// </summary>
internal static class FindingIds
{
    /// <summary>
    /// <paramref name="rule"/>, the namespace id, the interface (or null) and, when the finding is about a
    /// relation, the other objects (peer namespace id and interface, the clashing address, ...).
    /// </summary>
    public static string For(string rule, string namespaceId, string? interfaceName, params string?[] others)
    {
        var key = new StringBuilder().Append(rule).Append('\0').Append(namespaceId).Append('\0').Append(interfaceName);
        foreach (var other in others) key.Append('\0').Append(other);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString()));
        return $"{rule}-{Convert.ToHexStringLower(hash.AsSpan(0, 10))}";
    }
}
