namespace Dashboard.Server.Security;

/// <summary>
/// Where a browser goes once logged in: the page it asked for, never another site. The login form
/// carries it as <c>returnUrl</c> next to the token (<c>/?token=…&amp;returnUrl=/snapshots/…</c>).
/// </summary>
public static class ReturnPath
{
    public const string Parameter = "returnUrl";

    /// <summary>
    /// <paramref name="candidate"/> when it is a local path (one leading <c>/</c>, no <c>//</c> or
    /// <c>\</c> anywhere, printable ASCII only), else <c>/</c>. So <c>//evil.example</c>,
    /// <c>/\evil.example</c>, <c>https://…</c>, <c>javascript:…</c> and header-splitting characters all
    /// end at the dashboard's first page.
    /// </summary>
    public static string Sanitize(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate[0] != '/'
            || candidate.Contains("//", StringComparison.Ordinal) || candidate.Contains('\\', StringComparison.Ordinal))
            return "/";
        foreach (var c in candidate)
        {
            if (c is <= ' ' or >= '\u007f')
                return "/";
        }
        return candidate;
    }

    /// <summary>
    /// The page a request without the cookie asked for, to come back to after the login: the
    /// <c>returnUrl</c> it carries (a failed login), else its own path and query without the token.
    /// </summary>
    public static string Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query.TryGetValue(Parameter, out var carried))
            return Sanitize(carried.ToString());
        return Sanitize(SamePageWithoutToken(request));
    }

    /// <summary>The address of <paramref name="request"/> without <c>token</c> and <c>returnUrl</c> (escaped, so plain ASCII).</summary>
    public static string SamePageWithoutToken(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rest = request.Query
            .Where(q => q.Key is not ("token" or Parameter))
            .SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"));
        var query = string.Join('&', rest);
        var path = (request.PathBase + request.Path).ToUriComponent();
        return (path.Length == 0 ? "/" : path) + (query.Length > 0 ? "?" + query : "");
    }
}
