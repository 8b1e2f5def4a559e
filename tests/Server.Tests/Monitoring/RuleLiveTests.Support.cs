using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;
using Xunit.Abstractions;

namespace Dashboard.Server.Tests.Monitoring;

/// <summary>
/// A fix command as the dashboard gives it: a shell-like string, split here into an argument list
/// (never handed to a shell). Single quotes and backslash escapes are honoured, as
/// <c>Commands.Quote</c> writes them; a <c>&lt;placeholder&gt;</c> marks a command the operator
/// has to complete. Anything else a shell would interpret is refused: a fix is one plain command.
/// </summary>
public static class FixCommand
{
    private const string ShellSpecial = "\"$`|&;()>*?[]{}~#!";

    /// <param name="Placeholders">The bare &lt;placeholders&gt;: the command cannot run until they are filled in.</param>
    /// <param name="QuotedPlaceholders">&lt;placeholders&gt; inside single quotes: a shell takes them for literal text.</param>
    public sealed record Parsed(IReadOnlyList<string> Arguments, IReadOnlyList<string> Placeholders, IReadOnlyList<string> QuotedPlaceholders);

    public static Parsed Parse(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var args = new List<string>();
        var placeholders = new List<string>();
        var quotedPlaceholders = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < command.Length; i++)
        {
            char c = command[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) args.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            switch (c)
            {
                case '\'':
                    int close = command.IndexOf('\'', i + 1);
                    if (close < 0) throw new FormatException($"unterminated quote in: {command}");
                    var quoted = command[(i + 1)..close];
                    if (quoted.Length > 2 && quoted[0] == '<' && quoted[^1] == '>' && IsPlaceholderName(quoted[1..^1]))
                        quotedPlaceholders.Add(quoted);
                    word.Append(quoted);
                    i = close;
                    break;
                case '\\':
                    if (i + 1 >= command.Length) throw new FormatException($"trailing backslash in: {command}");
                    word.Append(command[++i]);
                    break;
                case '<':
                    int end = command.IndexOf('>', i + 1);
                    var name = end < 0 ? "" : command[(i + 1)..end];
                    if (!IsPlaceholderName(name))
                        throw new FormatException($"'<' that is no <placeholder> in: {command}");
                    placeholders.Add(command[i..(end + 1)]);
                    word.Append(command, i, end - i + 1);
                    i = end;
                    break;
                default:
                    if (ShellSpecial.Contains(c, StringComparison.Ordinal))
                        throw new FormatException($"'{c}' would need a shell in: {command}");
                    word.Append(c);
                    break;
            }
        }
        if (inWord) args.Add(word.ToString());
        if (args.Count == 0) throw new FormatException("empty command");
        return new Parsed(args, placeholders, quotedPlaceholders);
    }

    private static bool IsPlaceholderName(string name) =>
        name.Length > 0 && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_');
}

public sealed partial class RuleLiveTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly SharedServer _server;
    private readonly ITestOutputHelper _output;
    private readonly TestNet _net = new();
    private readonly List<Process> _holders = [];

    public RuleLiveTests(SharedServer server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    private HttpClient Client => _server.Client;

    public void Dispose()
    {
        foreach (var p in _holders)
        {
            try
            {
                if (!p.HasExited) p.Kill();
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            p.StandardInput.Dispose();
            p.StandardOutput.Dispose();
            p.StandardError.Dispose();
            p.Dispose();
        }
        _net.Dispose();
    }

    // ---- Waiting for the live state -------------------------------------------------------------

    /// <summary>The only findings there may be: none in this test's namespaces.</summary>
    private Task<List<Finding>> ExpectNone(string what) =>
        Expect(f => f.Count == 0, what);

    /// <summary>Exactly one finding in this test's namespaces: <paramref name="rule"/> on <paramref name="ns"/>/<paramref name="iface"/>.</summary>
    private async Task<Finding> ExpectOnly(string rule, string ns, string? iface, string? namespaceId = null)
    {
        var id = namespaceId ?? TestNet.Id(ns);
        var findings = await Expect(
            f => f.Count == 1 && f[0].Rule == rule && f[0].NamespaceId == id && f[0].Interface == iface,
            $"exactly one {rule} on {ns}/{iface ?? "-"}");
        var finding = findings[0];
        Assert.Equal(ns, finding.NamespaceName);
        Assert.False(string.IsNullOrWhiteSpace(finding.Title));
        Assert.False(string.IsNullOrWhiteSpace(finding.Symptom));
        Assert.False(string.IsNullOrWhiteSpace(finding.Evidence));
        Assert.NotEmpty(finding.Fix);
        _output.WriteLine($"finding: {Describe(finding)}");
        return finding;
    }

    /// <summary>
    /// Polls GET /api/findings (never fresh) until the findings of this test's namespaces satisfy
    /// <paramref name="condition"/>, in a state that has caught up with the kernel (every fixture
    /// namespace as `ip` shows it, operstates settled), so that a finding still on its way cannot
    /// slip past. Fails after <see cref="Timeout"/> listing every set of findings seen.
    /// </summary>
    private async Task<List<Finding>> Expect(Func<List<Finding>, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        var seen = new List<string>();
        string? lag = null;
        List<Finding> findings = [];
        long? firstMet = null;
        while (true)
        {
            var kernel = KernelState();
            var topology = (await Client.GetFromJsonAsync<Topology>("/api/topology"))!;
            lag = kernel.Lag ?? Lag(kernel, topology);
            findings = Mine(topology, (await Client.GetFromJsonAsync<List<Finding>>("/api/findings"))!);
            var described = findings.Count == 0 ? "(none)" : string.Join("\n    ", findings.Select(Describe));
            if (seen.Count == 0 || seen[^1] != described) seen.Add(described);
            bool met = condition(findings);
            if (met) firstMet ??= clock.ElapsedMilliseconds;
            if (lag is null && met)
            {
                _output.WriteLine($"{clock.ElapsedMilliseconds,5} ms until {what} (first shown after {firstMet} ms)");
                return findings;
            }
            if (clock.Elapsed > Timeout)
            {
                throw new Xunit.Sdk.XunitException(
                    $"The live findings never showed {what} within {Timeout.TotalSeconds} s.\n"
                    + $"Live state vs. kernel: {lag ?? "in step"}\n"
                    + $"Findings of this test's namespaces, in the order seen:\n  - {string.Join("\n  - ", seen)}\n"
                    + $"Topology warnings: {string.Join("; ", topology.Warnings)}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>This test's findings: in its namespaces (by id, or by name for the removed ones).</summary>
    private List<Finding> Mine(Topology topology, IEnumerable<Finding> findings)
    {
        var ids = _net.Namespaces.Select(n => TestNet.TryNamespaceInode($"/run/netns/{n}")).OfType<string>().ToHashSet();
        bool OurName(string? name) => name?.StartsWith(_net.Prefix + "-", StringComparison.Ordinal) == true;
        return findings.Where(f => OurName(f.NamespaceName) || (ids.Contains(f.NamespaceId) && f.NamespaceName is null)).ToList();
    }

    private sealed record KernelNamespace(string Name, string Id, List<Oracle.IpLink> Links, Dictionary<string, List<string>> Addresses);

    private sealed record Kernel(List<KernelNamespace> Namespaces, string? Lag);

    /// <summary>What `ip` shows in every fixture namespace that exists; Lag when the kernel itself has not settled.</summary>
    private Kernel KernelState()
    {
        var result = new List<KernelNamespace>();
        foreach (var name in _net.Namespaces)
        {
            var id = TestNet.TryNamespaceInode($"/run/netns/{name}");
            if (id is null) continue;
            var links = Oracle.Links(name);
            if (links.FirstOrDefault(l => !Oracle.IsSettled(l)) is { } unsettled)
                return new Kernel(result, $"{name}/{unsettled.Name}: the kernel's operstate ({unsettled.OperState}) has not caught up with its carrier yet");
            result.Add(new KernelNamespace(name, id, links, Oracle.Addresses(name)));
        }
        return new Kernel(result, null);
    }

    /// <summary>Where the live state differs from the kernel (links, admin/oper state, MTU, master, IPv4 addresses), or null.</summary>
    private static string? Lag(Kernel kernel, Topology topology)
    {
        foreach (var ns in kernel.Namespaces)
        {
            if (topology.FindNamespace(ns.Id) is not { } live) return $"{ns.Name} ({ns.Id}) is not in the live state";
            if (live.Interfaces.Count != ns.Links.Count)
                return $"{ns.Name}: live has [{string.Join(", ", live.Interfaces.Select(i => i.Name))}], ip has [{string.Join(", ", ns.Links.Select(l => l.Name))}]";
            foreach (var link in ns.Links)
            {
                var i = live.Interfaces.FirstOrDefault(x => x.Name == link.Name);
                if (i is null) return $"{ns.Name}/{link.Name} is not in the live state";
                var ipv4 = Ipv4(ns.Addresses.GetValueOrDefault(link.Name, []));
                var kernelSide = (link.Flags.Contains("UP"), link.OperState, link.Mtu, link.Master, string.Join(",", ipv4));
                var liveSide = (i.AdminUp, i.OperState, i.Mtu, i.Master, string.Join(",", Ipv4(i.Addresses)));
                if (kernelSide != liveSide) return $"{ns.Name}/{link.Name}: live {liveSide}, ip {kernelSide}";
            }
        }
        return null;
    }

    private static IEnumerable<string> Ipv4(IEnumerable<string> addresses) =>
        addresses.Where(a => !a.Contains(':', StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    private static string Describe(Finding f) =>
        $"{f.Rule} ({f.Severity}) {f.NamespaceName ?? f.NamespaceId}/{f.Interface ?? "-"}: {f.Title} | {f.Evidence} | fix: {string.Join(" ; ", f.Fix)}";

    // ---- Running fixes and checking connectivity --------------------------------------------------

    /// <summary>
    /// Runs the finding's fix commands in order, exactly as given, each as an argument list.
    /// A command with a &lt;placeholder&gt; cannot run as given and is skipped; so are the commands after
    /// it that act on the interface it would have created (they cannot run without it).
    /// Returns the skipped commands.
    /// </summary>
    private List<string> RunFix(Finding finding)
    {
        var skipped = new List<string>();
        var missing = new List<(IReadOnlyList<string> Prefix, string Device)>();
        foreach (var command in finding.Fix)
        {
            var parsed = FixCommand.Parse(command);
            var args = parsed.Arguments;
            var placeholders = parsed.Placeholders.Concat(parsed.QuotedPlaceholders).ToList();
            if (placeholders.Count > 0)
            {
                _output.WriteLine($"skipped (placeholder {string.Join(", ", placeholders)}): {command}");
                skipped.Add(command);
                if (CreatedDevice(args) is { } created) missing.Add(created);
                continue;
            }
            if (missing.FirstOrDefault(m => NamespacePrefix(args).SequenceEqual(m.Prefix) && args.Contains(m.Device)) is { Device: not null } dependent)
            {
                _output.WriteLine($"skipped (acts on {dependent.Device}, which the skipped command would have created): {command}");
                skipped.Add(command);
                continue;
            }
            var r = Run.Try(args[0], args.Skip(1));
            _output.WriteLine($"ran (exit {r.ExitCode}): {command}");
            Assert.True(r.ExitCode == 0, $"fix command failed (exit {r.ExitCode}): {command}\n{r.Stderr}{r.Stdout}");
        }
        return skipped;
    }

    /// <summary>The words before the ip object ("ip -n NS", "nsenter -t PID -n ip").</summary>
    private static IReadOnlyList<string> NamespacePrefix(IReadOnlyList<string> args)
    {
        int at = args.ToList().FindIndex(a => a is "link" or "addr" or "address" or "route");
        return at < 0 ? args : args.Take(at).ToList();
    }

    /// <summary>`... link add DEV ...`: the namespace prefix and DEV.</summary>
    private static (IReadOnlyList<string>, string)? CreatedDevice(IReadOnlyList<string> args)
    {
        var list = args.ToList();
        int link = list.IndexOf("link");
        return link >= 0 && link + 2 < list.Count && list[link + 1] == "add" ? (list.Take(link).ToList(), list[link + 2]) : null;
    }

    /// <summary>Traffic between two fixture namespaces: one ping answered.</summary>
    private static void AssertPing(string fromNamespace, string address)
    {
        var r = Run.Try("ip", ["netns", "exec", fromNamespace, "ping", "-c", "1", "-W", "3", address]);
        Assert.True(r.ExitCode == 0, $"ping {address} from {fromNamespace} failed:\n{r.Stdout}{r.Stderr}");
    }

    /// <summary>
    /// A process that keeps <paramref name="ns"/> alive by an open descriptor (fd 3) only: it runs in the
    /// root namespace, so neither /run/netns nor /proc/PID/ns/net leads to the namespace once its name is deleted.
    /// </summary>
    private Process HoldByDescriptor(string ns)
    {
        var path = $"/run/netns/{ns}";
        var inode = TestNet.Id(ns);
        var psi = new ProcessStartInfo("sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-c", "exec 3<\"$1\" && exec sleep 600", "sh", path }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _holders.Add(p);
        Oracle.WaitFor(() =>
        {
            try
            {
                return TestNet.TryNamespaceInode($"/proc/{p.Id}/fd/3") == inode
                    && File.ReadAllText($"/proc/{p.Id}/comm").Trim() == "sleep";
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });
        Assert.Equal(TestNet.NamespaceInode("/proc/self/ns/net"), TestNet.NamespaceInode($"/proc/{p.Id}/ns/net"));
        return p;
    }
}
