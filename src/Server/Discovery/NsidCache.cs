using Dashboard.Server.Netlink;

namespace Dashboard.Server.Discovery;

/// <summary>
/// The ids namespaces give each other (what IFLA_LINK_NETNSID refers to), asked with
/// RTM_GETNSID(NETNSA_FD) on the asking namespace's own socket. An id is fixed for the life of
/// both namespaces, so answers are kept until either is gone. Missing answers are fetched in a
/// batch: one hopper trip for all the asking namespaces that have no open socket.
/// </summary>
internal sealed class NsidCache(NamespaceHopper hopper)
{
    private readonly Dictionary<(ulong From, ulong To), int> _ids = [];

    public int Count => _ids.Count;

    public bool TryGet(ulong from, ulong to, out int nsid) => _ids.TryGetValue((from, to), out nsid);

    /// <summary>Forgets every answer that involves a namespace not in <paramref name="alive"/> (its inode may be reused).</summary>
    public void Retain(IReadOnlySet<ulong> alive)
    {
        foreach (var key in _ids.Keys.Where(k => !alive.Contains(k.From) || !alive.Contains(k.To)).ToList())
            _ids.Remove(key);
    }

    /// <summary>Forgets every answer that involves <paramref name="inode"/> (a new namespace now has that inode).</summary>
    public void Forget(ulong inode)
    {
        foreach (var key in _ids.Keys.Where(k => k.From == inode || k.To == inode).ToList())
            _ids.Remove(key);
    }

    /// <summary>Asks the kernel for every pair not known yet. Namespaces that vanished give no answer.</summary>
    public void Fetch(IEnumerable<(NamespaceCandidate From, NamespaceCandidate To)> pairs, IReadOnlyDictionary<ulong, RtnlClient>? openClients = null)
    {
        var missing = pairs
            .Where(p => !_ids.ContainsKey((p.From.Inode, p.To.Inode)))
            .DistinctBy(p => (p.From.Inode, p.To.Inode))
            .GroupBy(p => p.From.Inode)
            .ToList();
        if (missing.Count == 0) return;

        var fds = new Dictionary<ulong, int>();
        var clients = new Dictionary<ulong, RtnlClient>();
        try
        {
            int Fd(NamespaceCandidate c)
            {
                if (!fds.TryGetValue(c.Inode, out var fd))
                    fds[c.Inode] = fd = NamespaceFiles.TryOpen(c, out _);
                return fd;
            }

            var toOpen = missing.Select(g => g.First().From)
                .Where(c => openClients is null || !openClients.ContainsKey(c.Inode))
                .Where(c => Fd(c) >= 0)
                .ToList();
            var sockets = hopper.RunInEach(toOpen.Select(c => fds[c.Inode]).ToArray(), NetlinkSocket.Open);
            for (int i = 0; i < toOpen.Count; i++)
                if (sockets[i].Value is { } socket) clients[toOpen[i].Inode] = new RtnlClient(socket);

            foreach (var group in missing)
            {
                var client = openClients?.GetValueOrDefault(group.Key) ?? clients.GetValueOrDefault(group.Key);
                if (client is null) continue;
                foreach (var (from, to) in group)
                {
                    int toFd = Fd(to);
                    if (toFd < 0) continue;
                    try
                    {
                        _ids[(from.Inode, to.Inode)] = client.GetNsid(toFd);
                    }
                    catch (NetlinkException)
                    {
                        // The namespace went away between open and ask: no answer, the peer stays unresolved.
                    }
                }
            }
        }
        finally
        {
            foreach (var c in clients.Values) c.Dispose();
            foreach (var fd in fds.Values.Where(fd => fd >= 0)) Native.close(fd);
        }
    }
}
