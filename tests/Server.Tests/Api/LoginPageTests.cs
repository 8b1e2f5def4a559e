using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Api;

/// <summary>
/// The login page that a browser without the cookie gets, on a node with a real namespace pair:
/// it shows nothing of the node, looks like the app, and brings the browser back to the page it
/// asked for (a local one only) once the token is right.
/// </summary>
public sealed partial class LoginPageTests : IDisposable
{
    private readonly TestNet _net = new();
    private readonly DashboardFactory _factory = new();

    [Fact]
    public async Task Shows_nothing_of_the_node_nor_the_token()
    {
        var (red, blue) = _net.AddSeedPair();
        using var authorized = _factory.AuthorizedClient();
        var topology = await authorized.GetFromJsonAsync("/api/topology?fresh=true", WireJsonContext.Default.Topology);
        Assert.NotNull(topology);
        using var client = _factory.RawClient();

        foreach (var path in new[] { "/", $"/?ns={red}", "/snapshots/abc", "/no-such-page" })
        {
            using var response = await client.GetAsync(path);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("id=\"token\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain(_factory.Token!, html, StringComparison.Ordinal);
            Assert.DoesNotContain("blazor.web.js", html, StringComparison.Ordinal);
            if (topology.Hostname.Length >= 5)
                Assert.DoesNotContain(topology.Hostname, html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("veth-red", html, StringComparison.Ordinal);
            Assert.DoesNotContain("10.0.1.", html, StringComparison.Ordinal);
            Assert.DoesNotContain(TestNet.Id(blue), html, StringComparison.Ordinal);
            // No namespace id, MAC or IPv4 address of any kind.
            Assert.DoesNotMatch(NamespaceIdLike(), html);
            Assert.DoesNotMatch(MacLike(), html);
            Assert.DoesNotMatch(Ipv4Like(), html);
        }
        // The page asked for, which the browser sent itself, is the only thing echoed back.
        using var focused = await client.GetAsync($"/?ns={red}");
        var focusedHtml = await focused.Content.ReadAsStringAsync();
        Assert.Contains($"value=\"/?ns={red}\"", focusedHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(blue, focusedHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Looks_like_the_app_in_light_and_dark_and_says_where_the_token_is()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync("/");

        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("#263238", html, StringComparison.Ordinal); // the app bar
        Assert.Contains("#3f51b5", html, StringComparison.Ordinal); // primary
        Assert.Contains("@media (prefers-color-scheme: dark)", html, StringComparison.Ordinal);
        Assert.Contains("system-ui", html, StringComparison.Ordinal);
        Assert.Contains("<code>token</code>", html, StringComparison.Ordinal);
        Assert.Contains("sudo cat data/token", html, StringComparison.Ordinal);
        Assert.Contains("<form method=\"get\" action=\"/\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("login-error", html, StringComparison.Ordinal);
        Assert.DoesNotContain("returnUrl", html, StringComparison.Ordinal); // the first page needs none
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(new Regex("(src|href)=\"https?:"), html); // nothing loaded from outside
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_form_brings_the_browser_back_to_the_page_it_asked_for()
    {
        using var client = _factory.RawClient();
        using var page = await client.GetAsync("/snapshots/abc?x=1");
        Assert.Contains("name=\"returnUrl\" value=\"/snapshots/abc?x=1\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // What the form sends: GET / with the token and the return path.
        using var login = await client.GetAsync($"/?token={_factory.Token}&returnUrl={Uri.EscapeDataString("/snapshots/abc?x=1")}");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/snapshots/abc?x=1", login.Headers.Location?.OriginalString);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("netns-dashboard=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_printed_link_on_a_page_keeps_that_page_without_the_token()
    {
        using var client = _factory.RawClient();

        using var login = await client.GetAsync($"/?ns=pod-red&token={_factory.Token}");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/?ns=pod-red", login.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/a//b")]
    [InlineData("javascript:alert(1)")]
    public async Task A_return_path_to_another_site_goes_to_the_first_page_instead(string returnUrl)
    {
        using var client = _factory.RawClient();

        using var login = await client.GetAsync($"/?token={_factory.Token}&returnUrl={Uri.EscapeDataString(returnUrl)}");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_right_token_on_a_double_slash_path_does_not_redirect_off_site()
    {
        using var client = _factory.RawClient();

        using var login = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri($"{client.BaseAddress!.GetLeftPart(UriPartial.Authority)}//evil.example/?token={_factory.Token}")));

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_wrong_token_is_a_401_that_says_so_keeps_the_return_path_and_sets_no_cookie()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync($"/?token=wrong-token-0123456789&returnUrl={Uri.EscapeDataString("/snapshots/abc")}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"login-error\"", html, StringComparison.Ordinal);
        Assert.Contains("That token is not right", html, StringComparison.Ordinal);
        Assert.Contains("name=\"returnUrl\" value=\"/snapshots/abc\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token-0123456789", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_with_a_return_path_off_site_keeps_none()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync($"/?token=nope&returnUrl={Uri.EscapeDataString("//evil.example/\"><script>")}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil.example", html, StringComparison.Ordinal);
        Assert.DoesNotContain("returnUrl", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_return_path_is_html_encoded_in_the_form()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync($"/?token=nope&returnUrl={Uri.EscapeDataString("/a?b=\"><script>alert(1)</script>")}");

        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("value=\"/a?b=&quot;&gt;&lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_token_asks_for_one()
    {
        using var client = _factory.RawClient();

        using var response = await client.GetAsync("/?token=");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Paste the access token first", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\b40265\d{5}\b")]
    private static partial Regex NamespaceIdLike();

    [GeneratedRegex(@"\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b", RegexOptions.IgnoreCase)]
    private static partial Regex MacLike();

    [GeneratedRegex(@"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex Ipv4Like();

    public void Dispose()
    {
        _factory.Dispose();
        _net.Dispose();
    }
}
