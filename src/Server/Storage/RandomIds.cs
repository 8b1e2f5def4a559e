using System.Buffers.Text;
using System.Security.Cryptography;

namespace Dashboard.Server.Storage;

/// <summary>
/// Ids for things people share by link (diagnoses, snapshots): 128 random bits from the system CSPRNG,
/// base64url without padding (22 characters of [A-Za-z0-9_-]): unguessable and URL-safe.
/// </summary>
public static class RandomIds
{
    public const int Length = 22;

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether <paramref name="id"/> could be one of ours: anything else is not looked up.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: Length } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
