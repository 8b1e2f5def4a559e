using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dashboard.Server.Diagnosis;

/// <summary>An interface address with its prefix length, IPv4 or IPv6 ("10.0.1.1/24", "fd00::1/64"). Pure.</summary>
internal sealed record IpPrefix(IPAddress Address, int Length)
{
    public bool IsHost => Length == (Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);

    public bool IsLinkLocal => Address.IsIPv6LinkLocal;

    /// <summary>The subnet in CIDR form: "10.0.1.0/24".</summary>
    public string Network => $"{Masked()}/{Length.ToString(CultureInfo.InvariantCulture)}";

    public bool Contains(IPAddress other)
    {
        if (other.AddressFamily != Address.AddressFamily) return false;
        var a = Address.GetAddressBytes();
        var b = other.GetAddressBytes();
        for (int bit = 0; bit < Length; bit++)
        {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
        }
        return true;
    }

    public static IpPrefix? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address)) return null;
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int length = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max)) return null;
        return new IpPrefix(address, length);
    }

    public override string ToString() => $"{Address}/{Length.ToString(CultureInfo.InvariantCulture)}";

    private IPAddress Masked()
    {
        var bytes = Address.GetAddressBytes();
        for (int bit = Length; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(bytes);
    }
}
