using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Dashboard.Server.Netlink;

/// <summary>Parses the payload of one netlink message (after the 16-byte nlmsghdr); null skips it.</summary>
internal delegate T? NetlinkParser<T>(ushort type, ReadOnlySpan<byte> payload);

/// <summary>
/// A NETLINK_ROUTE socket. It belongs to the network namespace of the thread that opened it,
/// for its whole life, whichever thread uses it later. Not thread-safe: one request at a time.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    public const int HeaderSize = 16;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    public const ushort NLM_F_ACK = 0x4;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_DUMP = 0x300;

    private const int MaxDumpAttempts = 4;
    private int _fd;
    private uint _seq;
    // The kernel sends dump datagrams of at most 32 KiB; 64 KiB always holds one. One buffer per
    // thread, not per socket: discovery holds hundreds of sockets open, but reads on a few threads,
    // and every answer is parsed before Dump or Request returns.
    private const int BufferSize = 64 * 1024;
    [ThreadStatic]
    private static byte[]? t_buffer;

    private static byte[] Buffer => t_buffer ??= new byte[BufferSize];

    private NetlinkSocket(int fd) => _fd = fd;

    /// <summary>Opens a socket in the calling thread's current network namespace.</summary>
    public static unsafe NetlinkSocket Open()
    {
        int fd = Native.socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, Native.NETLINK_ROUTE);
        if (fd < 0)
            throw new NetlinkException("socket(AF_NETLINK)", Marshal.GetLastPInvokeError());
        // A receive timeout: a kernel that never answers must not hang discovery forever.
        long* tv = stackalloc long[2] { 5, 0 };
        Native.setsockopt(fd, Native.SOL_SOCKET, Native.SO_RCVTIMEO, tv, 16);
        int rcvbuf = 1 << 20;
        Native.setsockopt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, &rcvbuf, sizeof(int));
        return new NetlinkSocket(fd);
    }

    /// <summary>
    /// Sends a dump request (NLM_F_DUMP) and parses every answer. A dump the kernel marks as
    /// interrupted (NLM_F_DUMP_INTR: the table changed while it was read) is read again.
    /// </summary>
    public List<T> Dump<T>(ushort type, ReadOnlySpan<byte> body, NetlinkParser<T> parse) where T : class
    {
        var result = new List<T>();
        for (int attempt = 1; ; attempt++)
        {
            result.Clear();
            bool interrupted = false;
            ReceiveAnswers(Send(type, NLM_F_REQUEST | NLM_F_DUMP, body), (msgType, flags, payload) =>
            {
                interrupted |= (flags & NLM_F_DUMP_INTR) != 0;
                if (msgType == NLMSG_DONE || IsAck(type, msgType, payload))
                    return true;
                if (parse(msgType, payload) is { } item)
                    result.Add(item);
                return false;
            });
            if (!interrupted || attempt >= MaxDumpAttempts)
                return result;
        }
    }

    /// <summary>
    /// Sends one request and returns the parsed answer (null when the kernel only acknowledged).
    /// Requests that change something and answer nothing must ask for an <paramref name="ack"/>.
    /// </summary>
    public T? Request<T>(ushort type, ReadOnlySpan<byte> body, NetlinkParser<T> parse, bool ack = false) where T : class
    {
        T? answer = null;
        ReceiveAnswers(Send(type, ack ? (ushort)(NLM_F_REQUEST | NLM_F_ACK) : NLM_F_REQUEST, body), (msgType, _, payload) =>
        {
            if (!IsAck(type, msgType, payload))
                answer = parse(msgType, payload);
            return true;
        });
        return answer;
    }

    /// <summary>True for an NLMSG_ERROR that acknowledges (error 0); throws for one that reports an error.</summary>
    private static bool IsAck(ushort requestType, ushort msgType, ReadOnlySpan<byte> payload)
    {
        if (msgType != NLMSG_ERROR) return false;
        int error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        return error == 0 ? true : throw new NetlinkException($"netlink request of message type {requestType}", -error);
    }

    /// <summary>Handles one answer message of the request; returns true when no more are expected.</summary>
    private delegate bool AnswerHandler(ushort type, ushort flags, ReadOnlySpan<byte> payload);

    /// <summary>Reads datagrams and hands each message answering <paramref name="seq"/> to <paramref name="handle"/> until it is done.</summary>
    private void ReceiveAnswers(uint seq, AnswerHandler handle)
    {
        var buffer = Buffer;
        while (true)
        {
            int n = Receive();
            int offset = 0;
            while (offset + HeaderSize <= n)
            {
                var msg = buffer.AsSpan(offset, n - offset);
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(msg);
                if (len < HeaderSize || len > msg.Length)
                    throw new NetlinkException($"malformed netlink message (length {len})");
                offset += Align(len);
                ushort msgType = BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]);
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(msg[6..]);
                uint msgSeq = BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]);
                if (msgSeq == seq && handle(msgType, flags, msg[HeaderSize..len]))
                    return;
            }
        }
    }

    private unsafe uint Send(ushort type, ushort flags, ReadOnlySpan<byte> body)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        uint seq = ++_seq;
        int len = HeaderSize + body.Length;
        Span<byte> msg = len <= 512 ? stackalloc byte[len] : new byte[len];
        BinaryPrimitives.WriteUInt32LittleEndian(msg, (uint)len);
        BinaryPrimitives.WriteUInt16LittleEndian(msg[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(msg[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(msg[8..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(msg[12..], 0);
        body.CopyTo(msg[HeaderSize..]);
        fixed (byte* p = msg)
        {
            while (true)
            {
                nint sent = Native.send(_fd, p, len, 0);
                if (sent >= 0) return seq;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Native.EINTR)
                    throw new NetlinkException("send", errno);
            }
        }
    }

    private unsafe int Receive()
    {
        while (true)
        {
            nint n;
            var buffer = Buffer;
            fixed (byte* p = buffer)
                n = Native.recv(_fd, p, buffer.Length, Native.MSG_TRUNC);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Native.EINTR) continue;
                throw new NetlinkException("recv", errno);
            }
            if (n > BufferSize)
                throw new NetlinkException($"netlink answer of {n} bytes was truncated");
            return (int)n;
        }
    }

    public static int Align(int len) => (len + 3) & ~3;

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Native.close(_fd);
            _fd = -1;
        }
    }
}

public sealed class NetlinkException : Exception
{
    public NetlinkException(string message) : base(message) { }

    public NetlinkException(string operation, int errno)
        : base($"{operation} failed: {Native.Describe(errno)}") => Errno = errno;

    public NetlinkException() { }

    public NetlinkException(string message, Exception innerException) : base(message, innerException) { }

    public int Errno { get; }
}
