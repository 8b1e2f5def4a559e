using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dashboard.Server.Analysis;

/// <summary>An IPv4 address with its prefix length, as `ip addr` shows it ("10.0.1.1/24"). Pure arithmetic.</summary>
internal readonly record struct Ipv4Cidr(uint Address, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0u : uint.MaxValue << (32 - PrefixLength);

    public uint Network => Address & Mask;

    public uint Broadcast => Network | ~Mask;

    /// <summary>The subnet as CIDR: 10.0.1.0/24.</summary>
    public string Subnet => $"{Format(Network)}/{PrefixLength}";

    public string Ip => Format(Address);

    public bool Contains(uint address) => (address & Mask) == Network;

    /// <summary>Each address is inside the other's subnet: both ends have a connected route to each other.</summary>
    public bool SharesSubnetWith(Ipv4Cidr other) => Contains(other.Address) && other.Contains(Address);

    public Ipv4Cidr WithAddress(uint address) => this with { Address = address };

    public override string ToString() => $"{Ip}/{PrefixLength}";

    /// <summary>Parses "10.0.1.1/24", "10.0.1.1" (a host) or "default"; anything else (IPv6, garbage) gives null.</summary>
    public static Ipv4Cidr? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (text == "default") return new Ipv4Cidr(0, 0);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var ipText = slash < 0 ? text : text[..slash];
        int prefix = 32;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32))
            return null;
        return ParseAddress(ipText) is { } address ? new Ipv4Cidr(address, prefix) : null;
    }

    public static uint? ParseAddress(string? text) =>
        IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
            ? ToUInt(ip)
            : null;

    /// <summary>The IPv4 addresses of an interface's address list, in order.</summary>
    public static IReadOnlyList<Ipv4Cidr> All(IEnumerable<string> addresses) =>
        addresses.Select(Parse).OfType<Ipv4Cidr>().ToList();

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");

    private static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }
}
