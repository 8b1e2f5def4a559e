using Dashboard.Server;
using Microsoft.Extensions.Configuration;

namespace Dashboard.Server.Tests.Hosting;

/// <summary>The published app's defaults: its own folder as content root, loopback:5080 when no address is given.</summary>
public sealed class ServerDefaultsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netnsdash-defaults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void A_published_app_is_its_own_content_root()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "wwwroot"));
        Assert.Equal(_dir, ServerDefaults.ContentRoot(Config(), _dir));
    }

    [Fact]
    public void A_build_folder_keeps_the_hosts_default()
    {
        // No wwwroot beside the dll: the static web assets come through their manifest.
        Assert.Null(ServerDefaults.ContentRoot(Config(), _dir));
    }

    [Fact]
    public void A_given_content_root_wins()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "wwwroot"));
        Assert.Null(ServerDefaults.ContentRoot(Config(("contentRoot", "/srv/elsewhere")), _dir));
    }

    [Fact]
    public void The_content_root_is_read_from_the_arguments_and_the_environment_as_the_host_reads_it()
    {
        var fromArgs = new ConfigurationBuilder().AddCommandLine(["--contentroot", "/x"]).Build();
        Assert.Equal("/x", fromArgs["contentRoot"]);
        var options = ServerDefaults.Options(["--contentRoot", "/srv/given", "--lab"]);
        Assert.Null(options.ContentRootPath);
        Assert.Equal(["--contentRoot", "/srv/given", "--Dashboard:Lab:Enabled=true"], options.Args!);
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5080")]
    [InlineData("http_ports", "8080")]
    [InlineData("https_ports", "8443")]
    public void A_configured_address_is_kept(string key, string value) =>
        Assert.False(ServerDefaults.NeedsDefaultUrl(Config((key, value))));

    [Fact]
    public void No_address_or_an_empty_one_means_loopback_5080()
    {
        Assert.True(ServerDefaults.NeedsDefaultUrl(Config()));
        // The Dockerfile clears the base image's ASPNETCORE_HTTP_PORTS=8080 with an empty value.
        Assert.True(ServerDefaults.NeedsDefaultUrl(Config(("http_ports", ""), ("urls", " "))));
        Assert.Equal("http://127.0.0.1:5080", ServerDefaults.Url);
    }

    [Fact]
    public void Appsettings_names_no_address_so_that_ASPNETCORE_URLS_is_not_overridden()
    {
        var appsettings = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var config = new ConfigurationBuilder().AddJsonFile(appsettings).Build();
        Assert.Null(config["urls"]);
    }
}
