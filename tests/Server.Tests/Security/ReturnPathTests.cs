using Dashboard.Server.Security;
using Microsoft.AspNetCore.Http;

namespace Dashboard.Server.Tests.Security;

/// <summary>After the login a browser goes back to the page it asked for, and never to another site.</summary>
public sealed class ReturnPathTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/snapshots/abc123")]
    [InlineData("/?ns=pod-red")]
    [InlineData("/compare/a/live?x=1&y=%2F%2Fevil.example")]
    [InlineData("/%2F%2Fevil.example")] // an escaped slash is a path segment of this site
    public void Keeps_a_local_path(string path) => Assert.Equal(path, ReturnPath.Sanitize(path));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("//evil.example")]
    [InlineData("//evil.example/?ns=a")]
    [InlineData("///evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("/a//b")]
    [InlineData("/a\\b")]
    [InlineData("https://evil.example/")]
    [InlineData("http:/evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("evil.example")]
    [InlineData("snapshots/abc")]
    [InlineData("/\r\nSet-Cookie: x=1")]
    [InlineData("/\tevil")]
    [InlineData("/ spaced")]
    [InlineData("/ünïcode")]
    [InlineData(" /leading-space")]
    public void Turns_anything_else_into_the_first_page(string? candidate) => Assert.Equal("/", ReturnPath.Sanitize(candidate));

    [Fact]
    public void The_page_asked_for_is_its_path_and_query_without_the_token()
    {
        var request = new DefaultHttpContext().Request;
        request.Path = "/snapshots/a b";
        request.QueryString = new QueryString("?token=wrong&ns=pod-red&x=1&x=2");

        Assert.Equal("/snapshots/a%20b?ns=pod-red&x=1&x=2", ReturnPath.Of(request));
    }

    [Fact]
    public void A_failed_login_keeps_the_return_path_it_carried_if_it_is_local()
    {
        var request = new DefaultHttpContext().Request;
        request.Path = "/";
        request.QueryString = new QueryString("?token=wrong&returnUrl=%2Fsnapshots%2Fabc");
        Assert.Equal("/snapshots/abc", ReturnPath.Of(request));

        request.QueryString = new QueryString("?token=wrong&returnUrl=%2F%2Fevil.example");
        Assert.Equal("/", ReturnPath.Of(request));
    }

    [Fact]
    public void A_request_for_a_double_slash_path_returns_to_the_first_page()
    {
        var request = new DefaultHttpContext().Request;
        request.Path = "//evil.example/";

        Assert.Equal("/", ReturnPath.Of(request));
    }
}
