using System.Text.Json;
using Dashboard.Server.Netlink;
using Dashboard.Server.Tests.Fixtures;

namespace Dashboard.Server.Tests.Netlink;

/// <summary>The netlink module against the real kernel, compared with iproute2.</summary>
public sealed class NetlinkKernelTests : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public void A_link_dump_of_the_own_namespace_matches_ip_link()
    {
        using var client = new RtnlClient(NetlinkSocket.Open());

        var links = client.GetLinks();

        using var ip = JsonDocument.Parse(Run.Ip("-j", "link", "show"));
        var expected = ip.RootElement.EnumerateArray().Select(e => (e.GetProperty("ifindex").GetInt32(), e.GetProperty("ifname").GetString())).Order();
        Assert.Equal(expected, links.Select(l => (l.Index, (string?)l.Name)).Order());
    }

    [Fact]
    public void A_socket_opened_through_the_hopper_reads_the_target_namespace_and_its_nsids()
    {
        var (red, blue) = _net.AddSeedPair();
        using var hopper = new NamespaceHopper();
        int redFd = Native.open($"/run/netns/{red}", Native.O_RDONLY | Native.O_CLOEXEC);
        int blueFd = Native.open($"/run/netns/{blue}", Native.O_RDONLY | Native.O_CLOEXEC);
        try
        {
            using var client = new RtnlClient(hopper.RunIn(redFd, NetlinkSocket.Open));

            var links = client.GetLinks();
            var nsid = client.GetNsid(blueFd);

            Assert.Equal(["lo", "veth-red"], links.Select(l => l.Name).Order());
            var vethRed = links.Single(l => l.Name == "veth-red");
            Assert.Equal(vethRed.LinkNetnsId, nsid);
            Assert.Equal(blue, Oracle.NsidNames(red)[nsid]);
            Assert.Contains(client.GetAddresses(), a => a.Address.ToString() == "10.0.1.1" && a.PrefixLength == 24);
            Assert.Contains(client.GetRoutes(), r => r.DestinationLength == 24 && r.Table == 254 && r.OutputIndex == vethRed.Index);
            // The hopper came home: this thread's namespace is untouched, and so is its own.
            Assert.Equal(TestNet.NamespaceInode("/proc/self/ns/net"), TestNet.NamespaceInode("/proc/thread-self/ns/net"));
            Assert.Equal(7, hopper.RunIn(redFd, () => 7));
        }
        finally
        {
            Native.close(redFd);
            Native.close(blueFd);
        }
    }

    [Fact]
    public void One_trip_of_the_hopper_opens_a_socket_in_each_namespace_and_reports_the_one_it_could_not_enter()
    {
        var (red, blue) = _net.AddSeedPair();
        int[] fds =
        [
            Native.open($"/run/netns/{red}", Native.O_RDONLY | Native.O_CLOEXEC),
            Native.open("/proc/self/cmdline", Native.O_RDONLY | Native.O_CLOEXEC), // not a namespace
            Native.open($"/run/netns/{blue}", Native.O_RDONLY | Native.O_CLOEXEC),
        ];
        using var hopper = new NamespaceHopper();
        try
        {
            var results = hopper.RunInEach(fds, NetlinkSocket.Open);

            using var redClient = new RtnlClient(results[0].Value!);
            using var blueClient = new RtnlClient(results[2].Value!);
            Assert.Contains(redClient.GetLinks(), l => l.Name == "veth-red");
            Assert.Contains(blueClient.GetLinks(), l => l.Name == "veth-blue");
            Assert.Null(results[1].Value);
            Assert.IsType<NetlinkException>(results[1].Error);
            // The hopper thread is home again, in this process's own namespace.
            Assert.Equal(TestNet.NamespaceInode("/proc/self/ns/net"), TestNet.NamespaceInode($"/proc/self/task/{hopper.ThreadId}/ns/net"));
        }
        finally
        {
            foreach (var fd in fds) Native.close(fd);
        }
    }

    [Fact]
    public void An_unassigned_nsid_is_reported_as_minus_one()
    {
        // Asked from inside another fresh namespace: a dashboard running meanwhile (another test's)
        // gives every new namespace an id in its own namespace, never in this one.
        var lonely = _net.AddNamespace("lonely");
        var viewer = _net.AddNamespace("viewer");
        int fd = Native.open($"/run/netns/{lonely}", Native.O_RDONLY | Native.O_CLOEXEC);
        int viewerFd = Native.open($"/run/netns/{viewer}", Native.O_RDONLY | Native.O_CLOEXEC);
        try
        {
            using var hopper = new NamespaceHopper();
            using var client = new RtnlClient(hopper.RunIn(viewerFd, NetlinkSocket.Open));
            Assert.Equal(-1, client.GetNsid(fd));
        }
        finally
        {
            Native.close(fd);
            Native.close(viewerFd);
        }
    }

    [Fact]
    public void Entering_a_file_that_is_not_a_namespace_fails_cleanly()
    {
        using var hopper = new NamespaceHopper();
        int fd = Native.open("/proc/self/cmdline", Native.O_RDONLY | Native.O_CLOEXEC);
        try
        {
            var e = Assert.Throws<NetlinkException>(() => hopper.RunIn(fd, NetlinkSocket.Open));
            Assert.Contains("setns", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Native.close(fd);
        }
        // The hopper is still usable afterwards.
        int own = Native.open("/proc/self/ns/net", Native.O_RDONLY | Native.O_CLOEXEC);
        try
        {
            Assert.Equal(3, hopper.RunIn(own, () => 3));
        }
        finally
        {
            Native.close(own);
        }
    }

    public void Dispose() => _net.Dispose();
}
