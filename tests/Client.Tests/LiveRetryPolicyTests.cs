using System.Net;
using Dashboard.Client.Services;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Client.Tests;

public sealed class LiveRetryPolicyTests
{
    private static TimeSpan? Next(long previousRetries, Exception? reason = null) =>
        new LiveRetryPolicy().NextRetryDelay(new RetryContext
        {
            PreviousRetryCount = previousRetries,
            ElapsedTime = TimeSpan.FromSeconds(previousRetries * 5),
            RetryReason = reason ?? new HttpRequestException("Connection refused"),
        });

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 5)]
    [InlineData(4, 5)]
    [InlineData(5, 5)]
    [InlineData(1000, 5)]
    [InlineData(1_000_000, 5)]
    public void Backs_off_0_1_2_5_then_every_5_s_and_never_gives_up(long previousRetries, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Next(previousRetries));

    [Fact]
    public void Gives_up_when_the_server_answers_401_so_that_the_page_reloads_to_the_login_page()
    {
        var unauthorized = new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized);

        Assert.Null(Next(0, unauthorized));
        Assert.Null(Next(7, unauthorized));
        // As the transport fallback reports it, or wrapped.
        Assert.Null(Next(2, new AggregateException(new InvalidOperationException("ws"), unauthorized)));
        Assert.Null(Next(2, new InvalidOperationException("negotiate failed", unauthorized)));
    }

    [Fact]
    public void Other_failures_and_other_statuses_are_retried()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Next(9, new HttpRequestException("Bad gateway", null, HttpStatusCode.BadGateway)));
        Assert.Equal(TimeSpan.FromSeconds(5), Next(9, new HttpRequestException("Forbidden", null, HttpStatusCode.Forbidden)));
        Assert.Equal(TimeSpan.FromSeconds(1), Next(1, new System.Net.WebSockets.WebSocketException("closed")));
        Assert.Equal(TimeSpan.Zero, new LiveRetryPolicy().NextRetryDelay(new RetryContext { PreviousRetryCount = 0, RetryReason = null }));
    }
}
