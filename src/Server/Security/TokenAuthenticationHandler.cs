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
        string? authorization = request.Headers.Authorization;
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(token.Matches(authorization["Bearer ".Length..].Trim())
                ? Success("bearer")
                : AuthenticateResult.Fail("Wrong bearer token"));
        }
        if (request.Path.StartsWithSegments("/hubs") && token.Matches(request.Query["access_token"]))
            return Task.FromResult(Success("access_token"));
        if (token.MatchesCookie(request.Cookies[AccessToken.CookieName]))
            return Task.FromResult(Success("cookie"));
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    private static AuthenticateResult Success(string method)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "token"), new Claim("auth_method", method)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
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
