using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;

namespace Dashboard.Server.Netlink;

/// <summary>A link as RTM_NEWLINK describes it (struct ifinfomsg + IFLA_* attributes).</summary>
internal sealed record LinkMessage(
    int Index,
    string Name,
    ushort HardwareType,
    uint Flags,
    byte[]? Address,
    int Mtu,
    int? Link,
    int? LinkNetnsId,
    int? Master,
    byte OperState,
    string? Kind);

/// <summary>An address as RTM_NEWADDR describes it (struct ifaddrmsg + IFA_*).</summary>
internal sealed record AddressMessage(byte Family, byte PrefixLength, int Index, byte Scope, IPAddress Address, string? Label);

/// <summary>A route as RTM_NEWROUTE describes it (struct rtmsg + RTA_*).</summary>
internal sealed record RouteMessage(
    byte Family,
    byte DestinationLength,
    uint Table,
    byte Protocol,
    byte Scope,
    byte Type,
    IPAddress? Destination,
    IPAddress? Gateway,
    int? OutputIndex,
    IPAddress? PreferredSource,
    int? Priority);

/// <summary>A neighbour entry as RTM_NEWNEIGH describes it (struct ndmsg + NDA_*).</summary>
internal sealed record NeighbourMessage(byte Family, int Index, ushort State, IPAddress? Destination, byte[]? LinkAddress);

/// <summary>rtnetlink: message types, attribute numbers and parsers, from linux/rtnetlink.h, if_link.h, net_namespace.h, neighbour.h.</summary>
internal static class Rtnl
{
    public const ushort RTM_NEWLINK = 16, RTM_GETLINK = 18;
    public const ushort RTM_NEWADDR = 20, RTM_GETADDR = 22;
    public const ushort RTM_NEWROUTE = 24, RTM_GETROUTE = 26;
    public const ushort RTM_NEWNEIGH = 28, RTM_GETNEIGH = 30;
    public const ushort RTM_NEWNSID = 88, RTM_DELNSID = 89, RTM_GETNSID = 90;

    public const byte AF_UNSPEC = 0, AF_INET = 2, AF_INET6 = 10;

    private const ushort IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_MASTER = 10,
        IFLA_OPERSTATE = 16, IFLA_LINKINFO = 18, IFLA_EXT_MASK = 29, IFLA_LINK_NETNSID = 37;
    private const ushort IFLA_INFO_KIND = 1;
    private const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3;
    private const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;
    private const ushort NDA_DST = 1, NDA_LLADDR = 2;
    private const ushort NETNSA_NSID = 1, NETNSA_FD = 3;
    public const int NETNSA_NSID_NOT_ASSIGNED = -1;

    /// <summary>Body of an RTM_GETLINK dump: an empty ifinfomsg (16 bytes).</summary>
    public static byte[] LinkDumpRequest() => new byte[16];

    /// <summary>Body of an address, route or neighbour dump: the family byte of ifaddrmsg (8) / rtmsg (12) / ndmsg (12).</summary>
    public static byte[] FamilyDumpRequest(byte family, int headerSize)
    {
        var body = new byte[headerSize];
        body[0] = family;
        return body;
    }

    /// <summary>Body of RTM_GETNSID asking for the id of the namespace open at <paramref name="nsFd"/>.</summary>
    public static byte[] NsidRequest(int nsFd)
    {
        var body = new byte[4 + 8]; // rtgenmsg padded to 4, then NETNSA_FD (u32)
        body[0] = AF_UNSPEC;
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(6), NETNSA_FD);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), (uint)nsFd);
        return body;
    }

    /// <summary>Body of RTM_NEWNSID that asks the kernel to give the namespace open at <paramref name="nsFd"/> an id of its choosing.</summary>
    public static byte[] NewNsidRequest(int nsFd)
    {
        var body = new byte[4 + 8 + 8]; // rtgenmsg padded to 4, NETNSA_NSID (s32, -1: any), NETNSA_FD (u32)
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(6), NETNSA_NSID);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(8), -1);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), NETNSA_FD);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(16), (uint)nsFd);
        return body;
    }

    public static LinkMessage? ParseLink(ushort type, ReadOnlySpan<byte> p)
    {
        if (type != RTM_NEWLINK || p.Length < 16) return null;
        ushort hwType = BinaryPrimitives.ReadUInt16LittleEndian(p[2..]);
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(p[8..]);
        string name = "";
        byte[]? address = null;
        int mtu = 0;
        int? link = null, linkNetnsId = null, master = null;
        byte operState = 0;
        string? kind = null;
        var attrs = new AttributeReader(p[16..]);
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case IFLA_IFNAME: name = attrs.String; break;
                case IFLA_ADDRESS: address = attrs.Bytes; break;
                case IFLA_MTU: mtu = attrs.Int32; break;
                case IFLA_LINK: link = attrs.Int32; break;
                case IFLA_LINK_NETNSID: linkNetnsId = attrs.Int32; break;
                case IFLA_MASTER: master = attrs.Int32; break;
                case IFLA_OPERSTATE: operState = attrs.UInt8; break;
                case IFLA_LINKINFO:
                    var info = new AttributeReader(attrs.Value);
                    while (info.MoveNext())
                        if (info.Type == IFLA_INFO_KIND) kind = info.String;
                    break;
            }
        }
        return new LinkMessage(index, name, hwType, flags, address, mtu, link, linkNetnsId, master, operState, kind);
    }

    public static AddressMessage? ParseAddress(ushort type, ReadOnlySpan<byte> p)
    {
        if (type != RTM_NEWADDR || p.Length < 8) return null;
        byte family = p[0], prefix = p[1], scope = p[3];
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        IPAddress? address = null, local = null;
        string? label = null;
        var attrs = new AttributeReader(p[8..]);
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case IFA_ADDRESS: address = attrs.Address; break;
                case IFA_LOCAL: local = attrs.Address; break;
                case IFA_LABEL: label = attrs.String; break;
            }
        }
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
        var own = local ?? address;
        return own is null ? null : new AddressMessage(family, prefix, index, scope, own, label);
    }

    public static RouteMessage? ParseRoute(ushort type, ReadOnlySpan<byte> p)
    {
        if (type != RTM_NEWROUTE || p.Length < 12) return null;
        byte family = p[0];
        if (family is not (AF_INET or AF_INET6)) return null; // skip MPLS and multicast-routing families
        byte dstLen = p[1], table8 = p[4], protocol = p[5], scope = p[6], rtType = p[7];
        uint table = table8;
        IPAddress? dst = null, gateway = null, prefSrc = null;
        int? oif = null, priority = null;
        var attrs = new AttributeReader(p[12..]);
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case RTA_DST: dst = attrs.Address; break;
                case RTA_GATEWAY: gateway = attrs.Address; break;
                case RTA_OIF: oif = attrs.Int32; break;
                case RTA_PREFSRC: prefSrc = attrs.Address; break;
                case RTA_PRIORITY: priority = attrs.Int32; break;
                case RTA_TABLE: table = attrs.UInt32; break;
            }
        }
        return new RouteMessage(family, dstLen, table, protocol, scope, rtType, dst, gateway, oif, prefSrc, priority);
    }

    public static NeighbourMessage? ParseNeighbour(ushort type, ReadOnlySpan<byte> p)
    {
        if (type != RTM_NEWNEIGH || p.Length < 12) return null;
        byte family = p[0];
        if (family is not (AF_INET or AF_INET6)) return null;
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        ushort state = BinaryPrimitives.ReadUInt16LittleEndian(p[8..]);
        IPAddress? dst = null;
        byte[]? lladdr = null;
        var attrs = new AttributeReader(p[12..]);
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case NDA_DST: dst = attrs.Address; break;
                case NDA_LLADDR: lladdr = attrs.Bytes; break;
            }
        }
        return new NeighbourMessage(family, index, state, dst, lladdr);
    }

    /// <summary>The NETNSA_NSID of an RTM_NEWNSID answer or RTM_NEWNSID/RTM_DELNSID event, boxed so that the request API can say "no answer".</summary>
    public static StrongBox<int>? ParseNsid(ushort type, ReadOnlySpan<byte> p)
    {
        if (type is not (RTM_NEWNSID or RTM_DELNSID) || p.Length < 4) return null;
        var attrs = new AttributeReader(p[4..]);
        while (attrs.MoveNext())
            if (attrs.Type == NETNSA_NSID) return new StrongBox<int>(attrs.Int32);
        return null;
    }
}
