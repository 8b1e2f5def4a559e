namespace Dashboard.Server.Security;

/// <summary>
/// `/?token=…` (the link printed at start, or the login form) logs a browser in: a right token
/// sets the cookie and redirects, without the token in the address, to the form's <c>returnUrl</c>
/// or else to the same page. Either way only to a local path (<see cref="ReturnPath.Sanitize"/>).
/// </summary>
public sealed class TokenLoginMiddleware(RequestDelegate next, AccessToken token)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && !TokenAuthenticationHandler.IsApiRequest(request)
            && request.Query.TryGetValue("token", out var value) && token.Matches(value))
        {
            context.Response.Cookies.Append(AccessToken.CookieName, token.CookieValue, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
                Path = "/",
                MaxAge = TimeSpan.FromDays(30),
                IsEssential = true,
            });
            var target = request.Query.TryGetValue(ReturnPath.Parameter, out var returnUrl)
                ? returnUrl.ToString()
                : ReturnPath.SamePageWithoutToken(request);
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Redirect(ReturnPath.Sanitize(target));
            return Task.CompletedTask;
        }
        return next(context);
    }
}
