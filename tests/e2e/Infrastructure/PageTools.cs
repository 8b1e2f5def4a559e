using Microsoft.Playwright;

namespace Dashboard.E2E.Tests.Infrastructure;

/// <summary>What every page test needs: the browser's errors, diagnostics on failure, and screenshots.</summary>
internal static class PageTools
{
    /// <summary>Script errors, console errors and failed requests: a page that looks right but logs errors is not right.</summary>
    public static List<string> CollectErrors(IPage page, params int[] expectedStatuses)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // Failed requests are reported below, with their address.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                errors.Add($"console: {message.Text}");
        };
        page.PageError += (_, error) => errors.Add($"page error: {error}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && !expectedStatuses.Contains(response.Status))
                errors.Add($"{response.Status} {response.Request.Method} {response.Url}");
        };
        // A request the page itself cancelled (the details drawer closed while its counters were being read) is not a failure.
        page.RequestFailed += (_, request) =>
        {
            if (request.Failure != "net::ERR_ABORTED")
                errors.Add($"failed: {request.Method} {request.Url} {request.Failure}");
        };
        return errors;
    }

    /// <summary>On failure: a screenshot, the browser's errors and the server's log go with the exception.</summary>
    public static async Task RunWithDiagnosticsAsync(DashboardFixture fixture, IPage page, string name, List<string> browserErrors, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch (Exception e)
        {
            var shot = await SaveScreenshotAsync(page, $"{name}-failed.png", copyToDocs: false, fullPage: false);
            throw new InvalidOperationException(
                $"{e.Message}\n\nScreenshot: {shot}\nBrowser errors:\n  {string.Join("\n  ", browserErrors)}\nServer log:\n{fixture.Server.Log}", e);
        }
    }

    /// <summary>
    /// Into tests/e2e/screenshots/. The README's docs/screenshot.png is refreshed only when
    /// DASHBOARD_E2E_UPDATE_DOCS=1, so that test runs do not churn a committed file.
    /// </summary>
    public static async Task<string> SaveScreenshotAsync(IPage page, string fileName, bool copyToDocs, bool fullPage = true)
    {
        Directory.CreateDirectory(Paths.Screenshots);
        var path = Path.Combine(Paths.Screenshots, fileName);
        try
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        }
        catch (PlaywrightException)
        {
            return "(none: the page could not be captured)";
        }
        if (copyToDocs && Environment.GetEnvironmentVariable("DASHBOARD_E2E_UPDATE_DOCS") == "1")
        {
            Directory.CreateDirectory(Paths.Docs);
            File.Copy(path, Path.Combine(Paths.Docs, "screenshot.png"), overwrite: true);
        }
        return path;
    }
}
