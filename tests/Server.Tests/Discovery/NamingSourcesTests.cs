using System.Text.Json.Nodes;
using Dashboard.Server.Discovery;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>Where namespaces are found besides /run/netns, and where their human names come from.</summary>
public sealed class NamingSourcesTests : IDisposable
{
    private readonly TestNet _net = new();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ndt-src-");
    private readonly List<string> _mounts = [];

    [Fact]
    public void A_bind_mount_in_a_configured_folder_is_found_and_its_path_listed()
    {
        var holder = _net.StartHolder();
        var mountPoint = Path.Combine(_dir.FullName, "sandbox-1");
        File.WriteAllText(mountPoint, "");
        Run.Ok("mount", "--bind", $"/proc/{holder.Id}/ns/net", mountPoint);
        _mounts.Add(mountPoint);
        var id = TestNet.NamespaceInode(mountPoint);

        using var discovery = Discover.Create(new DiscoveryOptions { NamespaceDirectories = [_dir.FullName] });
        var topology = discovery.Discover();

        var ns = Assert.Single(topology.Namespaces, n => n.Id == id);
        Assert.Contains(mountPoint, ns.Paths);
        Assert.Null(ns.Name); // not an iproute2 name
        Assert.Contains(holder.Id, ns.Pids);
    }

    [Fact]
    public void A_file_that_is_not_a_namespace_mount_is_skipped_with_a_warning()
    {
        var stray = Path.Combine(_dir.FullName, "stale");
        File.WriteAllText(stray, "");

        using var discovery = Discover.Create(new DiscoveryOptions { NamespaceDirectories = [_dir.FullName] });
        var topology = discovery.Discover();

        Assert.Contains(topology.Warnings, w => w.Contains(stray, StringComparison.Ordinal));
        Assert.DoesNotContain(topology.Namespaces, n => n.Paths.Contains(stray));
    }

    [Fact]
    public void The_cni_result_cache_names_a_pod_behind_its_namespace()
    {
        var node = _net.AddNamespace("node");
        var pod = _net.AddNamespace("cni-1f2e3d");
        _net.CniAdd(node, pod, "10.79.0.0/24");
        // What libcni (containerd, CRI-O) writes after a successful ADD.
        var cache = new JsonObject
        {
            ["kind"] = "cniCacheV1",
            ["containerId"] = "9f1c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff",
            ["ifName"] = "eth0",
            ["networkName"] = "cbr0",
            ["netns"] = $"/var/run/netns/{pod}",
            ["cniArgs"] = new JsonArray(new JsonArray("K8S_POD_NAMESPACE", "shop"), new JsonArray("K8S_POD_NAME", "cart-5d8f7")),
        };
        File.WriteAllText(Path.Combine(_dir.FullName, "cbr0-9f1c2d3e-eth0"), cache.ToJsonString());

        using var discovery = Discover.Create(new DiscoveryOptions { CniResultsDirectory = _dir.FullName });
        var topology = discovery.Discover();

        var ns = topology.Namespace(pod);
        Assert.Equal(NamespaceOwner.Pod, ns.Owner.Kind);
        Assert.Equal("shop/cart-5d8f7", ns.Owner.Name);
        Assert.Equal("shop/cart-5d8f7", ns.DisplayName);
        Assert.Equal(pod, ns.Name); // the iproute2 name stays what it is
    }

    public void Dispose()
    {
        foreach (var m in _mounts)
            Run.Try("umount", [m]);
        _net.Dispose();
        _dir.Delete(recursive: true);
    }
}
