using Dashboard.Server.Lab;

namespace Dashboard.Server;

/// <summary>
/// Where the server finds its files and where it listens when nobody says: the two defaults a published
/// app started from anywhere (a container's entry point, a systemd unit, `dotnet /opt/…/Dashboard.Server.dll`)
/// must get right by itself.
/// </summary>
public static class ServerDefaults
{
    /// <summary>Loopback only: the dashboard is root's view of every namespace, guarded by a token.</summary>
    public const string Url = "http://127.0.0.1:5080";

    /// <summary>The builder's options: the arguments (with <c>--lab</c> expanded) and the content root.</summary>
    public static WebApplicationOptions Options(string[] args)
    {
        var expanded = StartArguments.Expand(args);
        var given = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(expanded)
            .Build();
        return new WebApplicationOptions
        {
            Args = expanded,
            ContentRootPath = ContentRoot(given, AppContext.BaseDirectory),
        };
    }

    /// <summary>
    /// The content root when none is given: the app's own folder when it is a published app (it holds the
    /// <c>wwwroot</c> folder with blazor.web.js and the client, and appsettings.json), so that it serves its
    /// UI whatever the working directory. Null leaves the host's default (the working directory): given
    /// with <c>--contentRoot</c> or <c>ASPNETCORE_CONTENTROOT</c>/<c>DOTNET_CONTENTROOT</c>, or a build
    /// folder, whose static web assets are found through their manifest.
    /// </summary>
    public static string? ContentRoot(IConfiguration given, string appDirectory) =>
        !string.IsNullOrEmpty(given[ServerDefaults.ContentRootKey]) ? null
        : Directory.Exists(Path.Combine(appDirectory, "wwwroot")) ? appDirectory
        : null;

    /// <summary>
    /// Listen on <see cref="Url"/> unless an address is configured: <c>--urls</c>, <c>Urls</c>,
    /// <c>ASPNETCORE_URLS</c>/<c>DOTNET_URLS</c>, or <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (the
    /// .NET container images set HTTP_PORTS=8080; the Dockerfile clears it). A default in appsettings.json
    /// would outrank ASPNETCORE_URLS, so it lives here.
    /// </summary>
    public static void ApplyDefaultUrl(WebApplicationBuilder builder)
    {
        if (NeedsDefaultUrl(builder.Configuration))
            builder.WebHost.UseUrls(Url);
    }

    public static bool NeedsDefaultUrl(IConfiguration configuration) =>
        AddressKeys.All(key => string.IsNullOrWhiteSpace(configuration[key]));

    private const string ContentRootKey = "contentRoot";
    private static readonly string[] AddressKeys = ["urls", "http_ports", "https_ports"];
}
