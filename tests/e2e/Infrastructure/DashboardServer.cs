using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Dashboard.E2E.Tests.Infrastructure;

/// <summary>
/// The real server (the built Dashboard.Server.dll) as a child process on a free loopback
/// port, with its own access token and a temporary data directory.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _dataDirectory;

    private DashboardServer(Process process, Uri baseAddress, string token, string dataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        Token = token;
        _dataDirectory = dataDirectory;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    public Uri BaseAddress { get; }

    public string Token { get; }

    /// <summary>What the server printed so far, for failure messages.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <param name="arguments">More command-line arguments for the server (e.g. <c>--lab</c>).</param>
    /// <param name="environment">More settings, as environment variables (e.g. <c>Dashboard__Lab__Prefix</c>).</param>
    public static async Task<DashboardServer> StartAsync(IReadOnlyList<string>? arguments = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = ServerDll();
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var dataDirectory = Directory.CreateTempSubdirectory("nde-e2e-data-").FullName;

        var startInfo = new ProcessStartInfo("dotnet")
        {
            // appsettings.json and the static web assets manifest sit next to the dll.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "--urls", baseAddress.ToString().TrimEnd('/'), "--contentRoot", Path.GetDirectoryName(dll)! })
            startInfo.ArgumentList.Add(argument);
        foreach (var argument in arguments ?? [])
            startInfo.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            startInfo.Environment[key] = value;
        startInfo.Environment["Dashboard__AuthToken"] = token;
        startInfo.Environment["Dashboard__DataDirectory"] = dataDirectory;
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        // The server runs as configured for production; no launch profile, no user secrets.
        startInfo.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        startInfo.Environment.Remove("DOTNET_ENVIRONMENT");

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var server = new DashboardServer(process, baseAddress, token, dataDirectory);
        if (!process.Start())
            throw new InvalidOperationException("Could not start the dashboard server.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilHealthyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for `GET /healthz` to answer 200; fails at once if the server exits or says it is unhealthy.</summary>
    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The server exited with {_process.ExitCode} before it was ready.\n{Log}");
            try
            {
                using var response = await http.GetAsync(new Uri("healthz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK) return;
                var body = await response.Content.ReadAsStringAsync();
                throw new InvalidOperationException($"/healthz answered {(int)response.StatusCode}: {body}\n{Log}");
            }
            catch (HttpRequestException) when (deadline.Elapsed < StartTimeout)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (deadline.Elapsed < StartTimeout)
            {
            }
            if (deadline.Elapsed >= StartTimeout)
                throw new TimeoutException($"The server did not answer /healthz within {StartTimeout.TotalSeconds} s.\n{Log}");
            await Task.Delay(100);
        }
    }

    /// <summary>The server's build output, recorded in this assembly at build time (see E2E.Tests.csproj).</summary>
    private static string ServerDll()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DASHBOARD_SERVER_DLL");
        var path = !string.IsNullOrEmpty(fromEnvironment)
            ? fromEnvironment
            : typeof(DashboardServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "DashboardServerDll")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
            throw new FileNotFoundException($"The built server is not at '{path}'. Build the solution first (`dotnet build`), or set DASHBOARD_SERVER_DLL.");
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>
    /// Stops the server the way systemd or Ctrl-C does (SIGTERM), so that it runs its shutdown work;
    /// throws with its log when it does not exit within a minute. <see cref="DisposeAsync"/> kills it instead.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        await Command.RunCheckedAsync("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var cts = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server did not exit within {StopTimeout.TotalSeconds} s of SIGTERM.\n{Log}");
        }
    }

    /// <summary>Patience for a graceful stop: the host's own shutdown timeout is 30 s, and a busy machine adds to it.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}
