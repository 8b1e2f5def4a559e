using System.Text.Json.Nodes;
using Dashboard.Server.Analysis;
using Dashboard.Shared;

namespace Dashboard.Server.Lab;

/// <summary>One command of a lab action: what runs (an argument list), the line shown, and the errors that mean "already so".</summary>
internal sealed record LabStep(string Program, IReadOnlyList<string> Arguments, string Display)
{
    public string? StandardInput { get; init; }

    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Stderr texts that mean the step's goal already holds (heal is idempotent): "File exists", "Cannot assign"…</summary>
    public IReadOnlyList<string> Tolerated { get; init; } = [];

    public static LabStep Ip(params string[] arguments) => new("ip", arguments, Show("ip", arguments));

    public LabStep Tolerating(params string[] errors) => this with { Tolerated = errors };

    public static string Show(string program, IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Select(Commands.Quote).Prepend(program));
}

internal sealed record ScenarioDefinition(string Name, string Title, string Description, IReadOnlyList<string> Namespaces);

/// <summary>What a fault breaks, and the ping that shows it.</summary>
internal sealed record FaultDefinition(string Name, string Title, string Scenario, string Rule, string Symptom, string? SeedRow, string DiagnoseFrom, string DiagnoseTo);

/// <summary>
/// The lab's scenarios and faults for one prefix: names, and the commands that build, break and heal them.
/// Nothing is created in or moved to the node's own namespace: veth pairs are made inside a lab namespace
/// with their peer placed straight into another (<c>ip -n A link add X type veth peer name Y netns B</c>). Pure.
/// </summary>
internal sealed class LabCatalog(string prefix)
{
    public const string FirewallTable = "labfw";
    public const string PodSubnet = "10.244.1.0/24";

    public string Prefix { get; } = prefix;

    public string Red => Prefix + "pod-red";
    public string Blue => Prefix + "pod-blue";
    public string Node => Prefix + "node";
    public string Pod(int i) => $"{Prefix}pod-{i}";
    public string Left => Prefix + "left";
    public string Router => Prefix + "router";
    public string Right => Prefix + "right";

    public static string PodAddress(int i) => $"10.244.1.{i + 1}";

    /// <summary>The host-side veth of pod <paramref name="i"/> when built with ip (the CNI plugin picks its own vethXXXXXXXX).</summary>
    public static string HostVeth(int i) => $"veth-pod-{i}";

    private IReadOnlyList<ScenarioDefinition>? _scenarios;
    private IReadOnlyList<FaultDefinition>? _faults;

    /// <summary>Made once per catalog (the state read looks them up per fault).</summary>
    public IReadOnlyList<ScenarioDefinition> Scenarios => _scenarios ??=
    [
        new(LabScenarios.SeedPair, "The seed's veth pair",
            "Two namespaces, pod-red and pod-blue, joined by the veth pair veth-red ↔ veth-blue: 10.0.1.1/24 and 10.0.1.2/24, both ends and lo up. The seed document's exact steps, except that the pair is made inside pod-red with its peer placed straight into pod-blue, so nothing passes through the node's own namespace.",
            [Red, Blue]),
        new(LabScenarios.KubernetesNode, "A Kubernetes-style node",
            $"A \"node\" namespace with a cni0 bridge (10.244.1.1/24, the pods' gateway) and three pods, each an eth0 whose veth peer is a port of cni0, addresses {PodAddress(1)}, {PodAddress(2)} and {PodAddress(3)} of {PodSubnet}: wired by the real CNI bridge plugin with host-local IPAM when it is installed, else the same with ip.",
            [Node, Pod(1), Pod(2), Pod(3)]),
        new(LabScenarios.Routed, "Two subnets and a router",
            "left (10.0.10.2/24) and right (10.0.20.2/24), each with a default route via a router namespace in the middle (10.0.10.1/24 and 10.0.20.1/24) that forwards IPv4.",
            [Left, Router, Right]),
    ];

    public ScenarioDefinition? Scenario(string name) => Scenarios.FirstOrDefault(s => s.Name == name);

    public IReadOnlyList<FaultDefinition> Faults => _faults ??=
    [
        new(LabFaults.InterfaceDown, "Interface DOWN", LabScenarios.SeedPair, FindingRules.InterfaceDown, "ping: Network is unreachable", "Interface DOWN", Red, "10.0.1.2"),
        new(LabFaults.AddressRemoved, "No IP assigned", LabScenarios.SeedPair, FindingRules.NoIpAddress, "ping: connect: Network is unreachable", "No IP assigned", Red, "10.0.1.2"),
        new(LabFaults.WrongSubnet, "Wrong subnet", LabScenarios.SeedPair, FindingRules.SubnetMismatch, "Packets sent but no reply", "Wrong subnet", Red, "10.0.2.2"),
        new(LabFaults.MtuMismatch, "MTU mismatch", LabScenarios.SeedPair, FindingRules.MtuMismatch, "Small pings pass, large packets are lost", null, Red, "10.0.1.2"),
        new(LabFaults.LoopbackDown, "Loopback DOWN", LabScenarios.SeedPair, FindingRules.LoopbackDown, "Local traffic fails (ping of its own address)", null, Red, "10.0.1.1"),
        new(LabFaults.EndDeleted, "One end deleted", LabScenarios.SeedPair, FindingRules.VethPairRemoved, "Both ends disappear", "One end deleted", Red, "10.0.1.2"),
        new(LabFaults.NamespaceDeleted, "Namespace deleted", LabScenarios.SeedPair, FindingRules.NamespaceRemoved, "Veth pair destroyed", "Namespace deleted", Red, "10.0.1.2"),
        new(LabFaults.FirewallDrop, "Firewall drops ping", LabScenarios.SeedPair, DiagnosisRules.FirewallDrop, "Packets sent but no reply", null, Red, "10.0.1.2"),
        new(LabFaults.BridgeMemberDown, "Bridge port DOWN", LabScenarios.KubernetesNode, FindingRules.InterfaceDown, "A pod is unreachable", null, Pod(1), PodAddress(2)),
        new(LabFaults.DuplicateAddress, "Duplicate address", LabScenarios.KubernetesNode, FindingRules.DuplicateAddress, "Replies come from the wrong pod, or not at all", null, Pod(2), PodAddress(1)),
    ];

    public FaultDefinition? Fault(string name) => Faults.FirstOrDefault(f => f.Name == name);

    // ---- building ---------------------------------------------------------------------------------

    public IReadOnlyList<LabStep> BuildSeedPair() =>
    [
        LabStep.Ip("netns", "add", Red),
        LabStep.Ip("netns", "add", Blue),
        .. SeedPairLink(),
        LabStep.Ip("-n", Red, "link", "set", "lo", "up"),
        LabStep.Ip("-n", Blue, "link", "set", "lo", "up"),
    ];

    /// <summary>The pair, its addresses, both ends up (build, and the heal of a deleted end or namespace).</summary>
    private IEnumerable<LabStep> SeedPairLink() =>
    [
        LabStep.Ip("-n", Red, "link", "add", "veth-red", "type", "veth", "peer", "name", "veth-blue", "netns", Blue),
        LabStep.Ip("-n", Red, "addr", "add", "10.0.1.1/24", "dev", "veth-red"),
        LabStep.Ip("-n", Blue, "addr", "add", "10.0.1.2/24", "dev", "veth-blue"),
        LabStep.Ip("-n", Red, "link", "set", "veth-red", "up"),
        LabStep.Ip("-n", Blue, "link", "set", "veth-blue", "up"),
    ];

    /// <param name="plugin">The CNI bridge plugin's path, or null to build the same with ip.</param>
    /// <param name="ipamDirectory">host-local IPAM's dataDir.</param>
    /// <param name="configFile">Where the network config is written (shown as the plugin's stdin).</param>
    public IReadOnlyList<LabStep> BuildKubernetesNode(string? plugin, string ipamDirectory, string configFile)
    {
        var steps = new List<LabStep> { LabStep.Ip("netns", "add", Node), LabStep.Ip("-n", Node, "link", "set", "lo", "up") };
        if (plugin is null)
        {
            steps.Add(LabStep.Ip("-n", Node, "link", "add", "cni0", "type", "bridge"));
            steps.Add(LabStep.Ip("-n", Node, "addr", "add", "10.244.1.1/24", "dev", "cni0"));
            steps.Add(LabStep.Ip("-n", Node, "link", "set", "cni0", "up"));
        }
        var config = CniConfig(ipamDirectory).ToJsonString();
        for (int i = 1; i <= 3; i++)
        {
            var pod = Pod(i);
            steps.Add(LabStep.Ip("netns", "add", pod));
            steps.Add(LabStep.Ip("-n", pod, "link", "set", "lo", "up"));
            if (plugin is not null)
            {
                var env = new Dictionary<string, string?>
                {
                    ["CNI_COMMAND"] = "ADD",
                    ["CNI_CONTAINERID"] = pod,
                    ["CNI_NETNS"] = $"/run/netns/{pod}",
                    ["CNI_IFNAME"] = "eth0",
                    ["CNI_PATH"] = Path.GetDirectoryName(plugin)!,
                };
                string[] args = ["netns", "exec", Node, plugin];
                var display = string.Join(' ', env.Select(e => $"{e.Key}={Commands.Quote(e.Value!)}")) + " " + LabStep.Show("ip", args) + " < " + Commands.Quote(configFile);
                steps.Add(new LabStep("ip", args, display) { StandardInput = config, Environment = env });
            }
            else
            {
                var host = HostVeth(i);
                steps.Add(LabStep.Ip("-n", Node, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", pod));
                steps.Add(LabStep.Ip("-n", Node, "link", "set", host, "master", "cni0"));
                steps.Add(LabStep.Ip("-n", Node, "link", "set", host, "up"));
                steps.Add(LabStep.Ip("-n", pod, "addr", "add", PodAddress(i) + "/24", "dev", "eth0"));
                steps.Add(LabStep.Ip("-n", pod, "link", "set", "eth0", "up"));
                steps.Add(LabStep.Ip("-n", pod, "route", "add", "default", "via", "10.244.1.1"));
            }
        }
        return steps;
    }

    /// <summary>The bridge plugin's network config: cni0, the pods' gateway on the bridge, host-local IPAM, no masquerading.</summary>
    public JsonObject CniConfig(string ipamDirectory) => new()
    {
        ["cniVersion"] = "1.0.0",
        ["name"] = Prefix + "k8s",
        ["type"] = "bridge",
        ["bridge"] = "cni0",
        ["isGateway"] = true,
        ["ipMasq"] = false,
        ["ipam"] = new JsonObject
        {
            ["type"] = "host-local",
            ["dataDir"] = ipamDirectory,
            ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = PodSubnet })),
            ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
        },
    };

    public IReadOnlyList<LabStep> BuildRouted() =>
    [
        LabStep.Ip("netns", "add", Left),
        LabStep.Ip("netns", "add", Router),
        LabStep.Ip("netns", "add", Right),
        LabStep.Ip("-n", Left, "link", "add", "veth-left", "type", "veth", "peer", "name", "rtr-left", "netns", Router),
        LabStep.Ip("-n", Right, "link", "add", "veth-right", "type", "veth", "peer", "name", "rtr-right", "netns", Router),
        LabStep.Ip("-n", Left, "addr", "add", "10.0.10.2/24", "dev", "veth-left"),
        LabStep.Ip("-n", Router, "addr", "add", "10.0.10.1/24", "dev", "rtr-left"),
        LabStep.Ip("-n", Router, "addr", "add", "10.0.20.1/24", "dev", "rtr-right"),
        LabStep.Ip("-n", Right, "addr", "add", "10.0.20.2/24", "dev", "veth-right"),
        LabStep.Ip("-n", Left, "link", "set", "lo", "up"),
        LabStep.Ip("-n", Router, "link", "set", "lo", "up"),
        LabStep.Ip("-n", Right, "link", "set", "lo", "up"),
        LabStep.Ip("-n", Left, "link", "set", "veth-left", "up"),
        LabStep.Ip("-n", Router, "link", "set", "rtr-left", "up"),
        LabStep.Ip("-n", Router, "link", "set", "rtr-right", "up"),
        LabStep.Ip("-n", Right, "link", "set", "veth-right", "up"),
        LabStep.Ip("-n", Left, "route", "add", "default", "via", "10.0.10.1"),
        LabStep.Ip("-n", Right, "route", "add", "default", "via", "10.0.20.1"),
        LabStep.Ip("netns", "exec", Router, "sysctl", "-w", "net.ipv4.ip_forward=1"),
    ];

    public static LabStep DeleteNamespace(string ns) => LabStep.Ip("netns", "del", ns).Tolerating("No such file or directory");

    // ---- faults -------------------------------------------------------------------------------------

    private const string Exists = "File exists";
    private const string CannotAssign = "Cannot assign requested address";
    private const string NoDevice = "Cannot find device";
    private const string NoSuchFile = "No such file or directory";

    /// <summary>Inject and heal commands; <paramref name="bridgePort"/> is pod-2's host-side veth as the kernel names it.</summary>
    public (IReadOnlyList<LabStep> Inject, IReadOnlyList<LabStep> Heal) FaultSteps(string fault, string bridgePort) => fault switch
    {
        LabFaults.InterfaceDown => (
            [LabStep.Ip("-n", Blue, "link", "set", "veth-blue", "down")],
            [LabStep.Ip("-n", Blue, "link", "set", "veth-blue", "up")]),
        LabFaults.AddressRemoved => (
            [LabStep.Ip("-n", Red, "addr", "del", "10.0.1.1/24", "dev", "veth-red")],
            [LabStep.Ip("-n", Red, "addr", "add", "10.0.1.1/24", "dev", "veth-red").Tolerating(Exists)]),
        LabFaults.WrongSubnet => (
            [LabStep.Ip("-n", Blue, "addr", "del", "10.0.1.2/24", "dev", "veth-blue"), LabStep.Ip("-n", Blue, "addr", "add", "10.0.2.2/24", "dev", "veth-blue")],
            [LabStep.Ip("-n", Blue, "addr", "del", "10.0.2.2/24", "dev", "veth-blue").Tolerating(CannotAssign), LabStep.Ip("-n", Blue, "addr", "add", "10.0.1.2/24", "dev", "veth-blue").Tolerating(Exists)]),
        LabFaults.MtuMismatch => (
            [LabStep.Ip("-n", Blue, "link", "set", "veth-blue", "mtu", "1400")],
            [LabStep.Ip("-n", Blue, "link", "set", "veth-blue", "mtu", "1500")]),
        LabFaults.LoopbackDown => (
            [LabStep.Ip("-n", Red, "link", "set", "lo", "down")],
            [LabStep.Ip("-n", Red, "link", "set", "lo", "up")]),
        LabFaults.EndDeleted => (
            [LabStep.Ip("-n", Blue, "link", "del", "veth-blue")],
            [LabStep.Ip("-n", Red, "link", "del", "veth-red").Tolerating(NoDevice), .. Tolerant(SeedPairLink())]),
        LabFaults.NamespaceDeleted => (
            [LabStep.Ip("netns", "del", Blue)],
            [LabStep.Ip("netns", "add", Blue).Tolerating(Exists), LabStep.Ip("-n", Blue, "link", "set", "lo", "up"),
             LabStep.Ip("-n", Red, "link", "del", "veth-red").Tolerating(NoDevice), .. Tolerant(SeedPairLink())]),
        LabFaults.FirewallDrop => (
            [
                LabStep.Ip("netns", "exec", Blue, "nft", "add", "table", "inet", FirewallTable),
                LabStep.Ip("netns", "exec", Blue, "nft", "add", "chain", "inet", FirewallTable, "input", "{ type filter hook input priority 0 ; policy accept ; }"),
                LabStep.Ip("netns", "exec", Blue, "nft", "add", "rule", "inet", FirewallTable, "input", "icmp", "type", "echo-request", "drop"),
            ],
            [LabStep.Ip("netns", "exec", Blue, "nft", "delete", "table", "inet", FirewallTable).Tolerating(NoSuchFile)]),
        LabFaults.BridgeMemberDown => (
            [LabStep.Ip("-n", Node, "link", "set", bridgePort, "down")],
            [LabStep.Ip("-n", Node, "link", "set", bridgePort, "up")]),
        LabFaults.DuplicateAddress => (
            [LabStep.Ip("-n", Pod(3), "addr", "add", PodAddress(1) + "/24", "dev", "eth0")],
            [LabStep.Ip("-n", Pod(3), "addr", "del", PodAddress(1) + "/24", "dev", "eth0").Tolerating(CannotAssign)]),
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    /// <summary>The recreate steps of a heal: an address or pair that is already there is fine.</summary>
    private static IEnumerable<LabStep> Tolerant(IEnumerable<LabStep> steps) => steps.Select(s => s.Tolerating(Exists));
}
