using System.Runtime.InteropServices;

namespace Dashboard.Server.Netlink;

/// <summary>The few libc calls the netlink layer needs. Linux only; errors come back as errno.</summary>
internal static partial class Native
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int NETLINK_ROUTE = 0;
    public const int SOL_SOCKET = 1;
    public const int SO_RCVBUF = 8;
    public const int SO_RCVTIMEO = 20;
    public const int SOL_NETLINK = 270;
    public const int NETLINK_EXT_ACK = 11;
    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_LISTEN_ALL_NSID = 8;
    public const int ENOBUFS = 105;
    public const int MSG_CTRUNC = 0x8;
    public const int CLONE_NEWNET = 0x40000000;
    public const int CLONE_NEWUTS = 0x04000000;
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;
    public const int MSG_TRUNC = 0x20;
    public const int EINTR = 4;
    public const int ENOENT = 2;
    public const int EAGAIN = 11;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int bind(int fd, void* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint send(int fd, void* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint recv(int fd, void* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    /// <summary>struct msghdr (64-bit layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int setsockopt(int fd, int level, int optname, void* optval, int optlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int stat_(string path, byte* buf);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int fstat_(int fd, byte* buf);

    [LibraryImport("libc")]
    public static partial uint geteuid();

    [LibraryImport("libc")]
    public static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int gethostname(byte* name, nint len);

    /// <summary>The hostname of the calling thread's UTS namespace.</summary>
    public static unsafe string? GetHostName()
    {
        byte* buf = stackalloc byte[256];
        if (gethostname(buf, 255) != 0) return null;
        buf[255] = 0;
        return Marshal.PtrToStringUTF8((nint)buf);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    /// <summary>Device and inode of a path (following links and bind mounts), as stat(2) gives them.</summary>
    public static unsafe bool TryStat(string path, out ulong device, out ulong inode, out int errno)
    {
        // struct stat begins with st_dev, st_ino (both 64-bit) on x86_64 and on the generic (arm64) layout.
        byte* buf = stackalloc byte[256];
        if (stat_(path, buf) != 0)
        {
            device = inode = 0;
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        device = *(ulong*)buf;
        inode = *(ulong*)(buf + 8);
        errno = 0;
        return true;
    }

    /// <summary>Device and inode of an open file descriptor.</summary>
    public static unsafe bool TryFstat(int fd, out ulong device, out ulong inode)
    {
        byte* buf = stackalloc byte[256];
        if (fstat_(fd, buf) != 0)
        {
            device = inode = 0;
            return false;
        }
        device = *(ulong*)buf;
        inode = *(ulong*)(buf + 8);
        return true;
    }

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
