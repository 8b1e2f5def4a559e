using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Dashboard.Server.Netlink;

/// <summary>Walks a run of netlink attributes (struct rtattr / nlattr: u16 length, u16 type, value, 4-byte aligned).</summary>
internal ref struct AttributeReader
{
    private const ushort TypeMask = 0x3fff; // strips NLA_F_NESTED and NLA_F_NET_BYTEORDER
    private ReadOnlySpan<byte> _rest;

    public AttributeReader(ReadOnlySpan<byte> attributes) => _rest = attributes;

    public ushort Type { get; private set; }
    public ReadOnlySpan<byte> Value { get; private set; }

    public bool MoveNext()
    {
        while (_rest.Length >= 4)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
            if (len < 4 || len > _rest.Length)
            {
                _rest = default;
                return false;
            }
            Type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & TypeMask);
            Value = _rest[4..len];
            int next = NetlinkSocket.Align(len);
            _rest = next >= _rest.Length ? default : _rest[next..];
            return true;
        }
        return false;
    }

    public readonly int Int32 => BinaryPrimitives.ReadInt32LittleEndian(Value);
    public readonly uint UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(Value);
    public readonly byte UInt8 => Value[0];

    /// <summary>A NUL-terminated string attribute.</summary>
    public readonly string String
    {
        get
        {
            var v = Value;
            int nul = v.IndexOf((byte)0);
            return Encoding.UTF8.GetString(nul >= 0 ? v[..nul] : v);
        }
    }

    public readonly IPAddress? Address => Value.Length is 4 or 16 ? new IPAddress(Value) : null;

    public readonly byte[] Bytes => Value.ToArray();
}
