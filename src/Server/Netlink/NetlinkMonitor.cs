using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Dashboard.Server.Netlink;

/// <summary>A kernel change: which namespace (by the id the dashboard's own namespace gives it; null for its own) and what kind.</summary>
/// <param name="Nsid">The namespace the event happened in, as an id of the dashboard's own namespace; null for its own.</param>
/// <param name="MessageType">RTM_NEWLINK, RTM_DELADDR, ...</param>
/// <param name="TargetNsid">For RTM_NEWNSID/RTM_DELNSID: the id that was given or taken.</param>
internal readonly record struct KernelEvent(int? Nsid, ushort MessageType, int? TargetNsid = null)
{
    public bool IsNamespaceIdChange => MessageType is Rtnl.RTM_NEWNSID or Rtnl.RTM_DELNSID;

    /// <summary>A namespace that had an id in ours has died: RTM_DELNSID in our own namespace.</summary>
    public bool IsOwnIdRemoved => MessageType == Rtnl.RTM_DELNSID && Nsid is null && TargetNsid is not null;
}

/// <summary>
/// Listens to rtnetlink's multicast groups (links, addresses, routes, neighbours, namespace ids)
/// of the dashboard's own namespace and, with NETLINK_LISTEN_ALL_NSID, of every namespace that
/// has an id in it. One socket and one thread for the whole node, holding no reference to any
/// other namespace: watching never keeps a deleted namespace alive.
/// </summary>
internal sealed class NetlinkMonitor : IDisposable
{
    // Legacy group bits (RTMGRP_*) for bind(2).
    private const uint RTMGRP_LINK = 0x1, RTMGRP_NEIGH = 0x4, RTMGRP_IPV4_IFADDR = 0x10, RTMGRP_IPV4_ROUTE = 0x40,
        RTMGRP_IPV6_IFADDR = 0x100, RTMGRP_IPV6_ROUTE = 0x400;
    private const int RTNLGRP_NSID = 28;

    private readonly int _fd;
    private readonly Action<KernelEvent> _onEvent;
    private readonly Action _onOverflow;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public unsafe NetlinkMonitor(Action<KernelEvent> onEvent, Action onOverflow)
    {
        _onEvent = onEvent;
        _onOverflow = onOverflow;
        _fd = Native.socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, Native.NETLINK_ROUTE);
        if (_fd < 0)
            throw new NetlinkException("socket(AF_NETLINK)", Marshal.GetLastPInvokeError());
        var addr = new Native.SockaddrNl
        {
            Family = Native.AF_NETLINK,
            Groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE,
        };
        if (Native.bind(_fd, &addr, sizeof(Native.SockaddrNl)) != 0)
            Fail("bind");
        int group = RTNLGRP_NSID, one = 1;
        if (Native.setsockopt(_fd, Native.SOL_NETLINK, Native.NETLINK_ADD_MEMBERSHIP, &group, sizeof(int)) != 0)
            Fail("NETLINK_ADD_MEMBERSHIP");
        if (Native.setsockopt(_fd, Native.SOL_NETLINK, Native.NETLINK_LISTEN_ALL_NSID, &one, sizeof(int)) != 0)
            Fail("NETLINK_LISTEN_ALL_NSID");
        int rcvbuf = 4 << 20;
        Native.setsockopt(_fd, Native.SOL_SOCKET, Native.SO_RCVBUF, &rcvbuf, sizeof(int));
        // Wake up once a second to notice Dispose; costs nothing measurable.
        long* tv = stackalloc long[2] { 1, 0 };
        Native.setsockopt(_fd, Native.SOL_SOCKET, Native.SO_RCVTIMEO, tv, 16);
        _thread = new Thread(Run) { IsBackground = true, Name = "netlink-monitor" };
        _thread.Start();
    }

    private void Fail(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        Native.close(_fd);
        throw new NetlinkException(what, errno);
    }

    private unsafe void Run()
    {
        var buffer = new byte[256 * 1024];
        byte* control = stackalloc byte[64];
        fixed (byte* data = buffer)
        {
            var iov = new Native.IoVec { Base = data, Len = (nuint)buffer.Length };
            while (!_stopping)
            {
                var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
                nint n = Native.recvmsg(_fd, &msg, 0);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Native.ENOBUFS) _onOverflow(); // events were lost: re-read everything
                    else if (errno is not (Native.EAGAIN or Native.EINTR) && !_stopping) Thread.Sleep(100);
                    continue;
                }
                int? nsid = ReadNsid(control, (int)msg.ControlLen);
                Dispatch(buffer.AsSpan(0, (int)n), nsid);
            }
        }
    }

    /// <summary>The source namespace's id from the NETLINK_LISTEN_ALL_NSID control message; none for the own namespace.</summary>
    private static unsafe int? ReadNsid(byte* control, int length)
    {
        // struct cmsghdr { size_t len; int level; int type; } followed by the data (an int nsid).
        int offset = 0;
        while (offset + 16 <= length)
        {
            long len = *(long*)(control + offset);
            int level = *(int*)(control + offset + 8);
            int type = *(int*)(control + offset + 12);
            if (len < 16) break;
            if (level == Native.SOL_NETLINK && type == Native.NETLINK_LISTEN_ALL_NSID && len >= 20)
                return *(int*)(control + offset + 16);
            offset += (int)((len + 7) & ~7);
        }
        return null;
    }

    private void Dispatch(ReadOnlySpan<byte> datagram, int? nsid)
    {
        int offset = 0;
        while (offset + NetlinkSocket.HeaderSize <= datagram.Length)
        {
            int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram[offset..]);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[(offset + 4)..]);
            if (len < NetlinkSocket.HeaderSize || offset + len > datagram.Length) break;
            var payload = datagram[(offset + NetlinkSocket.HeaderSize)..(offset + len)];
            offset += NetlinkSocket.Align(len);
            if (type is Rtnl.RTM_NEWNSID or Rtnl.RTM_DELNSID)
                _onEvent(new KernelEvent(nsid, type, Rtnl.ParseNsid(type, payload)?.Value));
            else if (type >= Rtnl.RTM_NEWLINK)
                _onEvent(new KernelEvent(nsid, type));
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(3));
        Native.close(_fd);
    }
}
