using System.Net;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Client.Services;

/// <summary>
/// How the hub reconnects after a drop: at once, then after 1, 2 and 5 s, then every 5 s for
/// as long as it takes. It gives up only when the server says the browser is no longer let in
/// (401: a restart with a new token, or the cookie is gone); <see cref="DashboardState"/> then
/// loads the page again so that the server shows its login page.
/// </summary>
public sealed class LiveRetryPolicy : IRetryPolicy
{
    /// <summary>The wait between attempts once the first few quick ones failed.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan[] FirstDelays = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), Interval];

    public TimeSpan? NextRetryDelay(RetryContext retryContext)
    {
        ArgumentNullException.ThrowIfNull(retryContext);
        if (IsUnauthorized(retryContext.RetryReason))
            return null;
        return retryContext.PreviousRetryCount < FirstDelays.Length ? FirstDelays[retryContext.PreviousRetryCount] : Interval;
    }

    /// <summary>Whether the server answered 401 somewhere in <paramref name="exception"/> (directly, as an inner exception, or among a transport fallback's failures).</summary>
    public static bool IsUnauthorized(Exception? exception) => exception switch
    {
        null => false,
        HttpRequestException { StatusCode: HttpStatusCode.Unauthorized } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnauthorized),
        _ => IsUnauthorized(exception.InnerException),
    };
}
