using System.Text.Json.Serialization;

namespace Dashboard.Shared;

/// <summary>The node as discovery saw it at <see cref="TakenAt"/>: every network namespace and every veth pair.</summary>
public sealed record Topology(
    DateTimeOffset TakenAt,
    string Hostname,
    IReadOnlyList<NetworkNamespace> Namespaces,
    IReadOnlyList<Link> Links,
    IReadOnlyList<string> Warnings)
{
    /// <summary>How long the kernel read took, in milliseconds.</summary>
    public double DurationMs { get; init; }

    public NetworkNamespace? FindNamespace(string id) => Namespaces.FirstOrDefault(n => n.Id == id);
}

/// <summary>One network namespace, identified by its inode number.</summary>
public sealed record NetworkNamespace(
    string Id,
    string? Name,
    bool IsRoot,
    IReadOnlyList<string> Paths,
    IReadOnlyList<int> Pids,
    NamespaceOwner Owner,
    IReadOnlyList<NetworkInterface> Interfaces,
    IReadOnlyList<Route> Routes)
{
    /// <summary>A human label: the iproute2 name, the pod or container, or "pid 1234 (sleep)".</summary>
    public string DisplayName { get; init; } = Name ?? Id;

    /// <summary>A few processes inside, with their command lines.</summary>
    public IReadOnlyList<NamespaceProcess> Processes { get; init; } = [];

    public IReadOnlyList<Neighbour> Neighbours { get; init; } = [];
}

/// <summary>Who holds a namespace. Kind: host | netns | pod | container | process.</summary>
public sealed record NamespaceOwner(string Kind, string? Name)
{
    public const string Host = "host";
    public const string Netns = "netns";
    public const string Pod = "pod";
    public const string Container = "container";
    public const string Process = "process";
}

public sealed record NamespaceProcess(int Pid, string CommandLine);

public sealed record NetworkInterface(
    int Ifindex,
    string Name,
    string Kind,
    string? Mac,
    int Mtu,
    bool AdminUp,
    string OperState,
    string? Master,
    IReadOnlyList<string> Addresses,
    VethPeer? Peer)
{
    /// <summary>IFLA_INFO_KIND as the kernel reports it (e.g. "veth", "bridge"), or null for plain devices.</summary>
    public string? LinkKind { get; init; }

    /// <summary>Ifindex of the master (bridge, bond), or null.</summary>
    public int? MasterIfindex { get; init; }

    /// <summary>Carrier (IFF_LOWER_UP).</summary>
    public bool LowerUp { get; init; }

    /// <summary>Flags as `ip link` names them: UP, BROADCAST, LOWER_UP, ...</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];
}

/// <summary>The other end of a veth pair. Unresolved peers have a null namespace and name.</summary>
public sealed record VethPeer(int Ifindex, string? NamespaceId, string? Name);

public sealed record Route(string Destination, string? Gateway, string? Device, string Table)
{
    public string Family { get; init; } = "inet";
    public string Type { get; init; } = "unicast";
    public string Scope { get; init; } = "universe";
    public string Protocol { get; init; } = "boot";
    public string? PreferredSource { get; init; }
    public int? Metric { get; init; }
}

public sealed record Neighbour(string Address, string? Mac, string? Device, string State);

/// <summary>A veth pair, each pair listed once.</summary>
public sealed record Link(string Kind, LinkEnd A, LinkEnd B);

public sealed record LinkEnd(string NamespaceId, string Interface)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Ifindex { get; init; }
}

public static class InterfaceKinds
{
    public const string Veth = "veth";
    public const string Bridge = "bridge";
    public const string Loopback = "loopback";
    public const string Device = "device";
    public const string Other = "other";
}

/// <summary>
/// A change of the topology, pushed instead of the whole of it to hub clients that ask for
/// patches (<c>/hubs/topology?patches=true</c>): the namespaces that changed or appeared, whole;
/// the ids of those that went; the links when they changed (null: as before). It applies to the
/// topology taken at <see cref="BaseTakenAt"/>; a client holding another one reads GET /api/topology.
/// </summary>
public sealed record TopologyPatch(
    DateTimeOffset BaseTakenAt,
    DateTimeOffset TakenAt,
    string Hostname,
    IReadOnlyList<NetworkNamespace> Changed,
    IReadOnlyList<string> Removed,
    IReadOnlyList<Link>? Links,
    IReadOnlyList<string> Warnings)
{
    public double DurationMs { get; init; }
}
