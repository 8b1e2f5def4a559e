using System.Net;

namespace Dashboard.Server.Discovery;

/// <summary>Kernel numbers turned into the words `ip` uses. Pure.</summary>
internal static class Formatting
{
    private static readonly (uint Bit, string Name)[] FlagNames =
    [
        (0x1, "UP"), (0x2, "BROADCAST"), (0x4, "DEBUG"), (0x8, "LOOPBACK"), (0x10, "POINTOPOINT"),
        (0x40, "RUNNING"), (0x80, "NOARP"), (0x100, "PROMISC"), (0x200, "ALLMULTI"), (0x400, "MASTER"),
        (0x800, "SLAVE"), (0x1000, "MULTICAST"), (0x10000, "LOWER_UP"), (0x20000, "DORMANT"),
    ];

    public const uint IFF_UP = 0x1;
    public const uint IFF_LOWER_UP = 0x10000;
    public const ushort ARPHRD_LOOPBACK = 772;

    public static IReadOnlyList<string> Flags(uint flags) =>
        FlagNames.Where(f => (flags & f.Bit) != 0).Select(f => f.Name).ToArray();

    public static string OperState(byte state) => state switch
    {
        0 => "UNKNOWN",
        1 => "NOTPRESENT",
        2 => "DOWN",
        3 => "LOWERLAYERDOWN",
        4 => "TESTING",
        5 => "DORMANT",
        6 => "UP",
        _ => state.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The API's interface kind from IFLA_INFO_KIND and the hardware type.</summary>
    public static string InterfaceKind(string? linkKind, ushort hardwareType) => linkKind switch
    {
        _ when hardwareType == ARPHRD_LOOPBACK => "loopback",
        null => "device",
        "veth" or "bridge" or "vlan" or "macvlan" or "ipvlan" or "vxlan" or "bond" or "tun" or "dummy" => linkKind,
        _ => "other",
    };

    public static string? Mac(byte[]? address) =>
        address is null || address.Length == 0 ? null : string.Join(':', address.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    public static string Cidr(IPAddress address, int prefixLength) => $"{address}/{prefixLength}";

    public static string Table(uint table) => table switch
    {
        253 => "default",
        254 => "main",
        255 => "local",
        _ => table.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string RouteType(byte type) => type switch
    {
        1 => "unicast",
        2 => "local",
        3 => "broadcast",
        4 => "anycast",
        5 => "multicast",
        6 => "blackhole",
        7 => "unreachable",
        8 => "prohibit",
        9 => "throw",
        10 => "nat",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string Scope(byte scope) => scope switch
    {
        0 => "universe",
        200 => "site",
        253 => "link",
        254 => "host",
        255 => "nowhere",
        _ => scope.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string Protocol(byte protocol) => protocol switch
    {
        0 => "unspec",
        1 => "redirect",
        2 => "kernel",
        3 => "boot",
        4 => "static",
        16 => "dhcp",
        186 => "bgp",
        187 => "isis",
        188 => "ospf",
        189 => "rip",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string NeighbourState(ushort state)
    {
        if (state == 0) return "NONE";
        var names = new List<string>();
        if ((state & 0x01) != 0) names.Add("INCOMPLETE");
        if ((state & 0x02) != 0) names.Add("REACHABLE");
        if ((state & 0x04) != 0) names.Add("STALE");
        if ((state & 0x08) != 0) names.Add("DELAY");
        if ((state & 0x10) != 0) names.Add("PROBE");
        if ((state & 0x20) != 0) names.Add("FAILED");
        if ((state & 0x40) != 0) names.Add("NOARP");
        if ((state & 0x80) != 0) names.Add("PERMANENT");
        return string.Join(',', names);
    }

    /// <summary>"default" for a zero-length prefix, else CIDR, as `ip route` prints destinations.</summary>
    public static string Destination(byte family, IPAddress? destination, int length)
    {
        if (length == 0) return "default";
        var address = destination ?? (family == 10 ? IPAddress.IPv6Any : IPAddress.Any);
        return Cidr(address, length);
    }
}
