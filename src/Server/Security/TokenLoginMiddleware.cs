namespace Dashboard.Server.Security;

/// <summary>
/// `/?token=…` (the link printed at start, or the login form) logs a browser in: a right token
/// sets the cookie and redirects to the same page without the token in the address.
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
            var rest = request.Query.Where(q => q.Key != "token").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}");
            var query = string.Join('&', rest);
            context.Response.Redirect($"{request.PathBase}{request.Path}{(query.Length > 0 ? "?" + query : "")}");
            return Task.CompletedTask;
        }
        return next(context);
    }
}
