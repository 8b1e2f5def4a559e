using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Dashboard.E2E.Tests.Infrastructure;

/// <summary>
/// Two real network namespaces joined by a veth pair, all named with a unique prefix
/// (`nde` + random hex) so that parallel runs never collide and leftovers are easy to find:
/// <c>{prefix}-red</c> holds <c>{prefix}r</c> (10.213.x.1/24, up) and <c>{prefix}-blue</c> holds
/// <c>{prefix}b</c> (10.213.x.2/24, left down).
/// </summary>
internal sealed partial class FixtureNamespaces : IAsyncDisposable
{
    /// <summary>Every fixture namespace of this suite starts with this.</summary>
    public const string SweepPrefix = "nde";

    /// <summary>The lab namespaces of a server under test: its lab prefix is <c>lab-</c> followed by a fixture prefix.</summary>
    public const string LabSweepPrefix = "lab-" + SweepPrefix;

    /// <summary>Namespaces older than this with the prefix are leftovers of a run that crashed.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    private readonly List<string> _created = [];

    private FixtureNamespaces(string prefix)
    {
        Prefix = prefix;
        var subnet = Convert.ToInt32(prefix[^2..], 16); // 0..255, from the random part
        RedAddress = $"10.213.{subnet.ToString(CultureInfo.InvariantCulture)}.1/24";
        BlueAddress = $"10.213.{subnet.ToString(CultureInfo.InvariantCulture)}.2/24";
    }

    public string Prefix { get; }

    public string Red => $"{Prefix}-red";

    public string Blue => $"{Prefix}-blue";

    /// <summary>The veth end in <see cref="Red"/>; at most 15 characters, as the kernel requires.</summary>
    public string RedVeth => $"{Prefix}r";

    public string BlueVeth => $"{Prefix}b";

    public string RedAddress { get; }

    public string BlueAddress { get; }

    public static async Task<FixtureNamespaces> CreateAsync()
    {
        var fixture = new FixtureNamespaces(SweepPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));
        try
        {
            await fixture.AddNamespaceAsync(fixture.Red);
            await fixture.AddNamespaceAsync(fixture.Blue);
            await Command.RunCheckedAsync("ip", "link", "add", fixture.RedVeth, "netns", fixture.Red,
                "type", "veth", "peer", "name", fixture.BlueVeth, "netns", fixture.Blue);
            await Command.RunCheckedAsync("ip", "-n", fixture.Red, "address", "add", fixture.RedAddress, "dev", fixture.RedVeth);
            await Command.RunCheckedAsync("ip", "-n", fixture.Blue, "address", "add", fixture.BlueAddress, "dev", fixture.BlueVeth);
            await Command.RunCheckedAsync("ip", "-n", fixture.Red, "link", "set", "lo", "up");
            await Command.RunCheckedAsync("ip", "-n", fixture.Red, "link", "set", fixture.RedVeth, "up");
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    /// <summary>The "node" namespace of <see cref="AddBridgeAsync"/>, holding the bridge.</summary>
    public string Node => $"{Prefix}-node";

    public string Bridge => $"{Prefix}br";

    public string Pod(int i) => $"{Prefix}-pod{i.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The node-side end of pod <paramref name="i"/>'s pair, enslaved to <see cref="Bridge"/>.</summary>
    public string HostVeth(int i) => $"{Prefix}h{i.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// What the CNI bridge plugin builds, made with <c>ip</c>: <see cref="Node"/> with bridge
    /// <see cref="Bridge"/> (10.214.x.1/24, up) and <paramref name="pods"/> pod namespaces, each
    /// with <c>eth0</c> (10.214.x.(10+i)/24, up) whose peer is enslaved to the bridge.
    /// </summary>
    public async Task AddBridgeAsync(int pods)
    {
        var subnet = Convert.ToInt32(Prefix[^2..], 16).ToString(CultureInfo.InvariantCulture);
        await AddNamespaceAsync(Node);
        await Command.RunCheckedAsync("ip", "-n", Node, "link", "add", Bridge, "type", "bridge");
        await Command.RunCheckedAsync("ip", "-n", Node, "address", "add", $"10.214.{subnet}.1/24", "dev", Bridge);
        await Command.RunCheckedAsync("ip", "-n", Node, "link", "set", Bridge, "up");
        for (var i = 1; i <= pods; i++)
        {
            await AddNamespaceAsync(Pod(i));
            await Command.RunCheckedAsync("ip", "-n", Node, "link", "add", HostVeth(i), "type", "veth", "peer", "name", "eth0", "netns", Pod(i));
            await Command.RunCheckedAsync("ip", "-n", Node, "link", "set", HostVeth(i), "master", Bridge, "up");
            await Command.RunCheckedAsync("ip", "-n", Pod(i), "address", "add", $"10.214.{subnet}.{(10 + i).ToString(CultureInfo.InvariantCulture)}/24", "dev", "eth0");
            await Command.RunCheckedAsync("ip", "-n", Pod(i), "link", "set", "eth0", "up");
            await Command.RunCheckedAsync("ip", "-n", Pod(i), "link", "set", "lo", "up");
        }
    }

    /// <summary>The namespace id the API uses: the inode of the namespace file.</summary>
    public static async Task<string> InodeAsync(string name) =>
        (await Command.RunCheckedAsync("stat", "-L", "-c", "%i", $"/run/netns/{name}")).Trim();

    /// <summary>
    /// Deletes `nde*` (and `lab-nde*`) namespaces left by runs that died before cleaning up. Only old ones: a
    /// namespace made minutes ago may belong to a test running right now in another process.
    /// </summary>
    public static async Task SweepStaleAsync()
    {
        foreach (var name in await ListAsync())
        {
            if (!name.StartsWith(SweepPrefix, StringComparison.Ordinal) && !name.StartsWith(LabSweepPrefix, StringComparison.Ordinal)) continue;
            var file = new FileInfo(Path.Combine("/run/netns", name));
            if (file.Exists && DateTime.UtcNow - file.LastWriteTimeUtc < StaleAfter) continue;
            await Command.RunAsync("ip", ["netns", "delete", name]);
        }
    }

    public static async Task<IReadOnlyList<string>> ListAsync()
    {
        var output = await Command.RunCheckedAsync("ip", "netns", "list");
        // Lines look like "pod-red (id: 3)" or just "pod-red".
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => NameRegex().Match(line).Value)
            .Where(name => name.Length > 0)
            .ToList();
    }

    private async Task AddNamespaceAsync(string name)
    {
        await Command.RunCheckedAsync("ip", "netns", "add", name);
        _created.Add(name);
    }

    /// <summary>Deleting the namespaces takes their veth ends, and so the pair, with them.</summary>
    public async ValueTask DisposeAsync()
    {
        var failures = new List<string>();
        foreach (var name in Enumerable.Reverse(_created))
        {
            var result = await Command.RunAsync("ip", ["netns", "delete", name]);
            if (result.ExitCode != 0) failures.Add($"{name}: {result.StandardError.Trim()}");
        }
        _created.Clear();
        if (failures.Count > 0)
            throw new InvalidOperationException("Could not delete fixture namespaces: " + string.Join("; ", failures));
    }

    [GeneratedRegex(@"^\S+")]
    private static partial Regex NameRegex();
}
