using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Dashboard.Server.Tests.Api;

/// <summary>Nothing is open without the token: API 401s, the login page for browsers, /healthz open.</summary>
public sealed class AccessTests : IDisposable
{
    private readonly DashboardFactory _factory = new();

    [Fact]
    public async Task Healthz_needs_no_token_and_says_only_ok_or_why_not()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ok", body.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789")]
    public async Task The_api_without_the_right_token_is_a_401_problem_that_reveals_nothing(string? bearer)
    {
        using var client = _factory.RawClient();
        if (bearer is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);

        using var response = await client.GetAsync("/api/topology");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("namespaces", text, StringComparison.Ordinal);
        Assert.DoesNotContain("veth", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_in_the_query_is_not_accepted_by_the_api()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync($"/api/topology?token={_factory.Token}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_page_without_the_cookie_shows_the_login_page()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Access token", html, StringComparison.Ordinal);
        Assert.DoesNotContain("blazor.web.js", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_login_link_sets_a_cookie_that_opens_pages_and_the_api()
    {
        using var client = _factory.RawClient();

        using var login = await client.GetAsync($"/?token={_factory.Token}");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_factory.Token!, cookie, StringComparison.Ordinal);
        var cookieHeader = cookie.Split(';')[0];

        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Add("Cookie", cookieHeader);
        using var pageResponse = await client.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
        Assert.Contains("blazor.web.js", await pageResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/topology");
        api.Headers.Add("Cookie", cookieHeader);
        using var apiResponse = await client.SendAsync(api);
        Assert.Equal(HttpStatusCode.OK, apiResponse.StatusCode);
    }

    [Fact]
    public async Task A_wrong_login_link_shows_the_login_page_with_an_error_and_no_cookie()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync("/?token=nope");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains("login-error", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public void Dispose() => _factory.Dispose();
}

/// <summary>Without `Dashboard:AuthToken`, the token is made at first start and kept 0600 in the data directory.</summary>
public sealed class GeneratedTokenTests : IDisposable
{
    private readonly DashboardFactory _factory = new(token: null);

    [Fact]
    public async Task The_token_file_is_created_with_mode_0600_and_works_as_bearer()
    {
        using var anonymous = _factory.RawClient(); // starts the server
        var path = Path.Combine(_factory.DataDirectory, "token");

        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var token = File.ReadAllText(path).Trim();
        Assert.True(token.Length >= 32);
        using var client = _factory.AuthorizedClient(token);
        using var response = await client.GetAsync("/api/topology");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _factory.Dispose();
}
