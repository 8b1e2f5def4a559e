using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>Namespaces that no bind mount names: held only by a process, as containers and `unshare` make them.</summary>
public sealed class ProcessHeldTests : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public void A_namespace_held_only_by_a_process_is_found_through_proc_and_named_after_it()
    {
        var holder = _net.StartHolder();
        var id = TestNet.NamespaceInode($"/proc/{holder.Id}/ns/net");

        var topology = Discover.Now();

        var ns = topology.FindNamespace(id);
        Assert.NotNull(ns);
        Assert.Null(ns.Name);
        Assert.False(ns.IsRoot);
        Assert.Contains(holder.Id, ns.Pids);
        Assert.Contains($"/proc/{holder.Id}/ns/net", ns.Paths);
        Assert.Equal(NamespaceOwner.Process, ns.Owner.Kind);
        Assert.Equal($"pid {holder.Id} (sleep)", ns.DisplayName);
        Assert.Contains(ns.Processes, p => p.Pid == holder.Id && p.CommandLine == "sleep 600");
        Assert.Contains(ns.Interfaces, i => i.Name == "lo" && i.Kind == "loopback");
    }

    [Fact]
    public void A_process_with_its_own_hostname_is_named_as_a_container_and_its_veth_is_placed()
    {
        var hostname = _net.Name("ctr");
        var holder = _net.StartHolder(hostname);
        var id = TestNet.NamespaceInode($"/proc/{holder.Id}/ns/net");
        var bridgeNs = _net.AddNamespace("br");
        _net.AddBridge(bridgeNs, "br0");
        // The peer goes straight into the process's namespace: `ip link add ... netns PID`.
        Run.Ip("-n", bridgeNs, "link", "add", "vhost", "type", "veth", "peer", "name", "eth0", "netns", holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _net.Enslave(bridgeNs, "vhost", "br0");

        var topology = Discover.Now();

        var ns = topology.FindNamespace(id);
        Assert.NotNull(ns);
        Assert.Equal(NamespaceOwner.Container, ns.Owner.Kind);
        Assert.Equal(hostname, ns.Owner.Name);
        Assert.Equal(hostname, ns.DisplayName);
        var eth0 = ns.Interface("eth0");
        Assert.Equal(TestNet.Id(bridgeNs), eth0.Peer!.NamespaceId);
        Assert.Equal("vhost", eth0.Peer.Name);
        var vhost = topology.Namespace(bridgeNs).Interface("vhost");
        Assert.Equal(id, vhost.Peer!.NamespaceId);
        Assert.Equal("br0", vhost.Master);
        Assert.Single(topology.LinksAmong([id, TestNet.Id(bridgeNs)]));
        Discover.VerifyAgainstKernel(topology, bridgeNs);
    }

    [Fact]
    public void A_namespace_both_named_and_held_by_a_process_is_listed_once_with_both_paths()
    {
        var holder = _net.StartHolder();
        var name = _net.Name("attached");
        // `ip netns attach NAME PID` bind-mounts the process's namespace under /run/netns.
        Run.Ip("netns", "attach", name, holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _net.Adopt(name);

        var topology = Discover.Now();

        var id = TestNet.Id(name);
        var ns = Assert.Single(topology.Namespaces, n => n.Id == id);
        Assert.Equal(name, ns.Name);
        Assert.Contains($"/run/netns/{name}", ns.Paths);
        Assert.Contains($"/proc/{holder.Id}/ns/net", ns.Paths);
        Assert.Contains(holder.Id, ns.Pids);
    }

    [Fact]
    public void The_root_namespace_is_marked_and_owned_by_the_host()
    {
        var topology = Discover.Now();

        var root = Assert.Single(topology.Namespaces, n => n.IsRoot);
        // The node's namespace is init's; where init cannot be read (a sandbox), the dashboard's own.
        var expected = TestNet.TryNamespaceInode("/proc/1/ns/net") ?? TestNet.NamespaceInode("/proc/self/ns/net");
        Assert.Equal(expected, root.Id);
        Assert.Equal(NamespaceOwner.Host, root.Owner.Kind);
        Assert.NotEmpty(root.Pids);
        Assert.Contains(root.Paths, p => p.StartsWith("/proc/", StringComparison.Ordinal));
        Assert.Same(root, topology.Namespaces[0]);
    }

    public void Dispose() => _net.Dispose();
}
