using Dashboard.Server.Analysis;
using Dashboard.Server.Lab;
using Dashboard.Shared;
using Microsoft.Extensions.Configuration;

namespace Dashboard.Server.Tests.Lab;

/// <summary>The pure parts: --lab, the options' validator, the fix tokenizer (the reverse of Commands.Quote) and the lab-only check.</summary>
public sealed class LabUnitTests
{
    [Fact]
    public void Lab_switch_becomes_the_configuration_key_wherever_it_stands()
    {
        Assert.Equal(["--Dashboard:Lab:Enabled=true"], StartArguments.Expand(["--lab"]));
        Assert.Equal(["--urls", "http://0.0.0.0:5080", "--Dashboard:Lab:Enabled=true"], StartArguments.Expand(["--urls", "http://0.0.0.0:5080", "--lab"]));
        Assert.Equal(["--Dashboard:Lab:Enabled=true", "--urls", "http://127.0.0.1:1"], StartArguments.Expand(["--lab", "--urls", "http://127.0.0.1:1"]));
        Assert.Equal(["--labx", "lab"], StartArguments.Expand(["--labx", "lab"]));
        Assert.Empty(StartArguments.Expand([]));
    }

    [Fact]
    public void Lab_switch_turns_the_lab_on_through_the_command_line_provider()
    {
        var config = new ConfigurationBuilder().AddCommandLine(StartArguments.Expand(["--urls", "http://127.0.0.1:1", "--lab"])).Build();
        Assert.Equal("true", config["Dashboard:Lab:Enabled"]);
        Assert.Equal("http://127.0.0.1:1", config["urls"]);
    }

    [Theory]
    [InlineData("lab-", true)]
    [InlineData("lab-ndt1a2bp3fa9-", true)]
    [InlineData("lab", false)]
    [InlineData("pod-", false)]
    [InlineData("lab-A", false)]
    [InlineData("lab-x/y", false)]
    [InlineData("lab-0123456789012345678901", false)]
    public void Prefix_must_be_lab_dash_lowercase_and_short(string prefix, bool valid)
    {
        var result = new LabOptionsValidator().Validate(null, new LabOptions { Prefix = prefix });
        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void Validator_lists_every_error()
    {
        var result = new LabOptionsValidator().Validate(null, new LabOptions { Prefix = "X".PadRight(30, 'Y'), CniBridgePlugin = "bridge" });
        Assert.Equal(4, result.Failures!.Count());
    }

    [Theory]
    [InlineData("ip -n pod-red link set veth-red up", new[] { "ip", "-n", "pod-red", "link", "set", "veth-red", "up" })]
    [InlineData("ip netns exec 'my ns' nft delete table inet t", new[] { "ip", "netns", "exec", "my ns", "nft", "delete", "table", "inet", "t" })]
    [InlineData("ip -n 'it'\\''s' link", new[] { "ip", "-n", "it's", "link" })]
    [InlineData("ip  -n  a   link", new[] { "ip", "-n", "a", "link" })]
    public void Tokenizer_reads_plain_and_single_quoted_words(string line, string[] words) =>
        Assert.Equal(words, Commands.Split(line, out _));

    [Theory]
    [InlineData("ip -n pod-red link set veth-red up")]
    [InlineData("ip -n 'odd name' link set 'we\"ird' up")]
    [InlineData("ip -n \"quoted\" link")]
    [InlineData("nft add rule inet t c 'ip daddr 10.0.0.1 drop'")]
    [InlineData("ip -n x link set it's up")]
    public void Tokenizer_reverses_Commands_Quote(string text)
    {
        // Quote each word as the server writes it, then read the line back.
        var words = text.Split(' ');
        var line = string.Join(' ', words.Select(Commands.Quote));
        Assert.Equal(words, Commands.Split(line, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("ip link add v type veth peer name <peer-name> netns <peer-namespace>", "placeholder")]
    [InlineData("ip -n a link set $IF up", "'$'")]
    [InlineData("ip -n a link set v up; reboot", "';'")]
    [InlineData("ip -n a link | sh", "'|'")]
    [InlineData("ip -n a link # comment", "comment")]
    [InlineData("ip -n a link set `x` up", "'`'")]
    [InlineData("ip -n \"a\" link", "'\"'")]
    [InlineData("ip -n 'a link", "unterminated")]
    [InlineData("ip -n a\\b link", "'\\'")]
    public void Tokenizer_refuses_what_only_a_shell_understands(string line, string why)
    {
        Assert.Null(Commands.Split(line, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
        var (commands, problem) = FixCommands.Parse([line]);
        Assert.Null(commands);
        Assert.StartsWith("this fix needs a person", problem, StringComparison.Ordinal);
        Assert.Contains(line, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rm -rf /")]
    [InlineData("ip netns exec a sh -c reboot")]
    [InlineData("nsenter -t 1 -n bash")]
    [InlineData("ip -b /tmp/commands")]
    [InlineData("ip netns exec lab-a ip --batch /tmp/f")]
    [InlineData("ip net exec lab-a reboot")]
    [InlineData("ip netns exec lab-a reboot")]
    public void Only_ip_nft_nsenter_and_sysctl_run(string line)
    {
        var (commands, problem) = FixCommands.Parse([line]);
        Assert.Null(commands);
        Assert.Contains("needs a person", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fix_without_commands_needs_a_person() =>
        Assert.Equal("this fix has no commands", FixCommands.Parse([]).Problem);

    [Theory]
    [InlineData("ip -n lab-pod-red link set veth-red up", true)]
    [InlineData("ip netns exec lab-pod-blue nft delete table inet labfw", true)]
    [InlineData("ip netns exec lab-router sysctl -w net.ipv4.ip_forward=1", true)]
    [InlineData("ip netns add lab-pod-blue", true)]
    [InlineData("ip netns del lab-pod-blue", true)]
    [InlineData("ip -n lab-pod-red link add veth-red type veth peer name veth-blue netns lab-pod-blue", true)]
    [InlineData("ip -n lab-pod-red link add veth-red type veth peer name veth-blue netns pod-blue", false)]
    [InlineData("ip -n lab-pod-red link set veth-red netns 1", false)]
    [InlineData("ip -n pod-red link set veth-red up", false)]
    [InlineData("ip link set eth0 down", false)]
    [InlineData("ip netns add pod-blue", false)]
    [InlineData("ip -n lab- link set x up", false)]
    [InlineData("ip -n lab-a netns exec pod-red ip link", false)]
    [InlineData("ip netns exec lab-a ip -n pod-red link set x down", false)]
    [InlineData("ip netns exec lab-a nsenter -t 1 -n ip link", false)]
    [InlineData("nsenter --net=/run/netns/lab-a ip link set x up", false)]
    [InlineData("sysctl -w net.ipv4.ip_forward=1", false)]
    [InlineData("ip netns exec lab-router sysctl -w kernel.panic=1", false)]
    [InlineData("ip netns exec lab-router sysctl -q -w net.ipv4.conf.all.forwarding=1", true)]
    [InlineData("nft flush ruleset", false)]
    [InlineData("ip -n lab-a -n pod-red link set x down", false)]
    [InlineData("ip -n lab-a -netns pod-red link set x down", false)]
    [InlineData("ip -n lab-a -all netns exec ip link set x down", false)]
    [InlineData("ip -n lab-a net exec pod-red reboot", false)]
    [InlineData("ip netns exec lab-a ip --net pod-red link set x down", false)]
    [InlineData("ip netns exec lab-a ip -netn pod-red link set x down", false)]
    [InlineData("ip netns exec lab-a ip link set x up", true)]
    [InlineData("ip -n lab-a link set x net pod-red", false)]
    [InlineData("ip -n lab-a link set x netn lab-b", true)]
    [InlineData("ip -n lab-a link add x type vxlan id 1 link-netns pod-red", false)]
    [InlineData("ip netns exec lab-router sysctl -p", false)]
    [InlineData("ip netns exec lab-router sysctl --system", false)]
    public void Lab_only_mode_runs_only_commands_inside_lab_namespaces(string line, bool inside)
    {
        var (commands, problem) = FixCommands.Parse([line]);
        Assert.True(commands is not null, problem);
        Assert.Equal(inside ? null : line, FixCommands.OutsideLab(commands, "lab-"));
    }

    [Fact]
    public void Every_fault_and_scenario_of_the_contract_is_in_the_catalog()
    {
        var catalog = new LabCatalog("lab-");
        Assert.Equal(LabScenarios.All, catalog.Scenarios.Select(s => s.Name));
        Assert.Equal(LabFaults.All.Order(), catalog.Faults.Select(f => f.Name).Order());
        Assert.All(catalog.Scenarios.SelectMany(s => s.Namespaces), n => Assert.StartsWith("lab-", n, StringComparison.Ordinal));
        Assert.Equal(5, catalog.Faults.Count(f => f.SeedRow is not null));
        // Every lab command acts inside a lab namespace: the lab-only check accepts all of them.
        var lines = catalog.BuildSeedPair().Concat(catalog.BuildRouted()).Concat(catalog.BuildKubernetesNode(null, "/x", "/y"))
            .Concat(LabFaults.All.SelectMany(f => { var (i, h) = catalog.FaultSteps(f, "veth1234"); return i.Concat(h); }))
            .Select(s => s.Display).ToList();
        var (commands, problem) = FixCommands.Parse(lines);
        Assert.True(commands is not null, problem);
        Assert.Null(FixCommands.OutsideLab(commands, "lab-"));
    }
}
