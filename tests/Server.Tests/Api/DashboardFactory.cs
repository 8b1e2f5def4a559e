using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Server.Tests.Api;

/// <summary>The real server in a test host, with its own data directory and (optionally) a fixed token.</summary>
public sealed class DashboardFactory : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly bool _ownsDataDirectory;

    /// <param name="dataDirectory">A data directory to use (and keep) instead of a new temporary one: a restarted server.</param>
    public DashboardFactory(string? token = "test-token-0123456789abcdef", Dictionary<string, string>? settings = null, string? dataDirectory = null)
    {
        Token = token;
        _settings = settings ?? [];
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("ndt-data-").FullName;
    }

    public string? Token { get; }

    public string DataDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Dashboard:DataDirectory", DataDirectory);
        if (Token is not null)
            builder.UseSetting("Dashboard:AuthToken", Token);
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
    }

    /// <summary>A client that does not follow redirects nor keep cookies, to see each answer as it is.</summary>
    public HttpClient RawClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    /// <summary>
    /// A SignalR client of /hubs/topology over the test server (long polling), with the token unless
    /// <paramref name="withToken"/> is false; asking for patches instead of whole topologies if <paramref name="patches"/>.
    /// </summary>
    public HubConnection HubConnection(bool withToken = true, bool patches = false) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, patches ? "hubs/topology?patches=true" : "hubs/topology"), o =>
            {
                o.HttpMessageHandlerFactory = _ => Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                if (withToken) o.AccessTokenProvider = () => Task.FromResult(Token);
            })
            .Build();

    public HttpClient AuthorizedClient(string? token = null)
    {
        var client = RawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token ?? File.ReadAllText(Path.Combine(DataDirectory, "token")).Trim());
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!_ownsDataDirectory) return;
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { }
    }
}
