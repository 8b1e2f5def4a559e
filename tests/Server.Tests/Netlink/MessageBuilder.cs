using System.Buffers.Binary;
using System.Text;

namespace Dashboard.Server.Tests.Netlink;

/// <summary>Builds netlink payloads by hand, byte by byte as the kernel lays them out, for parser tests.</summary>
internal sealed class MessageBuilder
{
    private readonly List<byte> _bytes = [];

    public MessageBuilder Header(params byte[] header)
    {
        _bytes.AddRange(header);
        return this;
    }

    public MessageBuilder Attr(ushort type, byte[] value)
    {
        var len = 4 + value.Length;
        var head = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(head, (ushort)len);
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), type);
        _bytes.AddRange(head);
        _bytes.AddRange(value);
        while (_bytes.Count % 4 != 0) _bytes.Add(0);
        return this;
    }

    public MessageBuilder Attr(ushort type, int value)
    {
        var v = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(v, value);
        return Attr(type, v);
    }

    public MessageBuilder Attr(ushort type, string value) => Attr(type, [.. Encoding.UTF8.GetBytes(value), 0]);

    public MessageBuilder Nested(ushort type, MessageBuilder inner) => Attr((ushort)(type | 0x8000), inner.ToArray());

    public byte[] ToArray() => [.. _bytes];

    /// <summary>struct ifinfomsg: family, pad, type, index, flags, change.</summary>
    public static byte[] IfInfo(int index, ushort hwType, uint flags)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), hwType);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), flags);
        return b;
    }
}
