using System.Runtime.InteropServices;
using Dashboard.Server.Netlink;

namespace Dashboard.Server.Discovery;

/// <summary>
/// What the kernel said about one namespace at one moment: its links, addresses, routes and
/// neighbours as rtnetlink gave them. Holds no file descriptor or socket, so keeping it never
/// keeps a deleted namespace alive.
/// </summary>
internal sealed class NamespaceSnapshot(
    NamespaceCandidate candidate,
    IReadOnlyList<LinkMessage> links,
    IReadOnlyList<AddressMessage> addresses,
    IReadOnlyList<RouteMessage> routes,
    IReadOnlyList<NeighbourMessage> neighbours)
{
    private Dictionary<int, LinkMessage>? _byIndex;

    /// <summary>How it was found (paths, pids, names). Replaced on a rescan without re-reading the kernel.</summary>
    public NamespaceCandidate Candidate { get; private set; } = candidate;
    public ulong Inode => Candidate.Inode;
    public IReadOnlyList<LinkMessage> Links { get; } = links;
    public IReadOnlyList<AddressMessage> Addresses { get; } = addresses;
    public IReadOnlyList<RouteMessage> Routes { get; } = routes;
    public IReadOnlyList<NeighbourMessage> Neighbours { get; } = neighbours;

    public IReadOnlyDictionary<int, LinkMessage> ByIndex => _byIndex ??= Links.ToDictionary(l => l.Index);

    public string? NameOf(int ifindex) => ByIndex.TryGetValue(ifindex, out var l) ? l.Name : null;

    /// <summary>Takes the paths and pids of a later rescan; the kernel data stays as read.</summary>
    public void UpdateCandidate(NamespaceCandidate candidate) => Candidate = candidate;

    public override string ToString() => Candidate.Id;
}

/// <summary>Opening a namespace by one of the paths it was found under.</summary>
internal static class NamespaceFiles
{
    /// <summary>
    /// Opens the namespace, checking that the path still names the namespace that was found
    /// (a pid may have been reused, a name re-added). Returns -1 and why when it cannot.
    /// </summary>
    public static int TryOpen(NamespaceCandidate candidate, out string? error)
    {
        error = null;
        foreach (var path in candidate.Paths)
        {
            int fd = Native.open(path, Native.O_RDONLY | Native.O_CLOEXEC);
            if (fd < 0)
            {
                error = $"{path}: {Native.Describe(Marshal.GetLastPInvokeError())}";
                continue;
            }
            if (Native.TryFstat(fd, out _, out var inode) && inode == candidate.Inode)
                return fd;
            Native.close(fd);
            error = $"{path} now refers to another namespace";
        }
        error ??= "no path to open it";
        return -1;
    }

    public static string Label(NamespaceCandidate c) =>
        c.IprouteName is not null ? $" ({c.IprouteName})" : c.Pids.Count > 0 ? $" (pid {c.Pids[0]})" : "";
}
