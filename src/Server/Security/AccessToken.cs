using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Security;

/// <summary>
/// The one access token, as in Jupyter: `Dashboard:AuthToken` when set, else made at first
/// start and kept (mode 0600) in the data directory.
/// </summary>
public sealed class AccessToken
{
    public const string FileName = "token";
    public const string CookieName = "netns-dashboard";
    private readonly byte[] _token;
    private readonly byte[] _cookie;

    public AccessToken(IOptions<DashboardOptions> options, ILogger<AccessToken> logger)
    {
        var configured = options.Value.AuthToken;
        Value = string.IsNullOrWhiteSpace(configured) ? LoadOrCreate(options.Value.DataDirectoryFullPath, logger) : configured.Trim();
        _token = Encoding.UTF8.GetBytes(Value);
        // The cookie carries a value derived from the token, not the token itself.
        _cookie = HMACSHA256.HashData(_token, "netns-dashboard cookie v1"u8);
        CookieValue = Convert.ToBase64String(_cookie).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public string Value { get; }

    public string CookieValue { get; }

    public bool Matches(string? candidate) => candidate is not null && FixedTimeEquals(_token, candidate);

    public bool MatchesCookie(string? candidate) => candidate is not null && FixedTimeEquals(Encoding.ASCII.GetBytes(CookieValue), candidate);

    private static bool FixedTimeEquals(byte[] expected, string candidate) =>
        CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(candidate));

    private static string LoadOrCreate(string dataDirectory, ILogger logger)
    {
        try { Directory.CreateDirectory(dataDirectory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { logger.LogWarning("Cannot make the data directory {Path}: {Error}", dataDirectory, e.Message); }
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 16)
            {
                // chmod only when needed: on a read-only data directory it fails, and the token is still good.
                if (File.GetUnixFileMode(path) != (UnixFileMode.UserRead | UnixFileMode.UserWrite))
                {
                    try { File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite); }
                    catch (IOException e) { logger.LogWarning("Cannot make {Path} private (mode 0600): {Error}", path, e.Message); }
                }
                return existing;
            }
            logger.LogWarning("The token in {Path} is too short; making a new one", path);
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        try
        {
            using (var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(Encoding.ASCII.GetBytes(token + "\n"));
            }
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full data directory does not stop the dashboard: the token lives until the process ends.
            logger.LogWarning("Cannot store the access token in {Path} ({Error}); it is valid until the server stops. Set Dashboard:AuthToken to keep one.", path, e.Message);
        }
        return token;
    }
}
