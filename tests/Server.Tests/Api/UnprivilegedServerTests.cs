using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Dashboard.Server.Tests.Api;

/// <summary>
/// The real server started without the privilege to enter namespaces (root without CAP_SYS_ADMIN,
/// as in an unprivileged container) says so plainly: in its log at start and in /healthz.
/// </summary>
public sealed class UnprivilegedServerTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ndt-nobody-");
    private Process? _server;

    [Fact]
    public async Task Without_root_healthz_is_503_and_says_why()
    {
        var port = FreePort();
        var serverDll = typeof(Program).Assembly.Location;
        var psi = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
        };
        foreach (var a in new[] { "--bounding-set=-sys_admin", "--inh-caps=-sys_admin", "--", Environment.ProcessPath!, serverDll, "--urls", $"http://127.0.0.1:{port}" })
            psi.ArgumentList.Add(a);
        psi.Environment["Dashboard__DataDirectory"] = _data.FullName;
        _server = Process.Start(psi)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _server.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        _server.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        HttpResponseMessage? response = null;
        for (int i = 0; i < 150 && response is null; i++)
        {
            try { response = await http.GetAsync("/healthz"); }
            catch (HttpRequestException) { await Task.Delay(100); }
            Assert.False(_server.HasExited, "the server exited: " + string.Join('\n', log));
        }

        Assert.NotNull(response);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not ok", body.GetProperty("status").GetString());
        Assert.Contains(body.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("CAP_SYS_ADMIN", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("other namespaces cannot be entered", StringComparison.Ordinal));
        response.Dispose();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit(5000);
        }
        _server?.Dispose();
        _data.Delete(recursive: true);
    }
}
