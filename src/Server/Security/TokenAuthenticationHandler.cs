using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dashboard.Server.Security;

/// <summary>
/// Accepts the access token as `Authorization: Bearer`, as the login cookie, or (hub only) as
/// SignalR's `access_token` query parameter. Challenges API and hub calls with a 401
/// ProblemDetails and pages with the login page.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessToken token,
    IProblemDetailsService problemDetails) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var request = Context.Request;
        if (BearerOf(request) is { } bearer)
            return Task.FromResult(token.Matches(bearer) ? Success("bearer") : AuthenticateResult.Fail("Wrong bearer token"));
        if (request.Path.StartsWithSegments("/hubs") && token.Matches(request.Query["access_token"]))
            return Task.FromResult(Success("access_token"));
        if (token.MatchesCookie(request.Cookies[AccessToken.CookieName]))
            return Task.FromResult(Success("cookie"));
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    private static AuthenticateResult Success(string method) => Success(SchemeName, "token", method);

    /// <summary>The token of `Authorization: Bearer TOKEN`, or null when the request sends none.</summary>
    internal static string? BearerOf(HttpRequest request)
    {
        string? authorization = request.Headers.Authorization;
        return authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;
    }

    /// <summary>A signed-in user of <paramref name="scheme"/>, named <paramref name="name"/>, who came by <paramref name="method"/>.</summary>
    internal static AuthenticateResult Success(string scheme, string name, string method)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim("auth_method", method)], scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), scheme));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (IsApiRequest(Request))
        {
            Response.Headers.WWWAuthenticate = "Bearer";
            await problemDetails.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status401Unauthorized,
                    Title = "Access token required",
                    Detail = "Send the dashboard's access token as `Authorization: Bearer <token>` (it is printed at start and stored in the data directory's `token` file).",
                },
            });
            return;
        }
        Response.ContentType = "text/html; charset=utf-8";
        Response.Headers.CacheControl = "no-store";
        Response.Headers.ContentSecurityPolicy = LoginPage.ContentSecurityPolicy;
        Response.Headers.XContentTypeOptions = "nosniff";
        await Response.WriteAsync(LoginPage.Render(LoginPage.ProblemOf(Request), ReturnPath.Of(Request)));
    }

    public static bool IsApiRequest(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/openapi");
}
