using System.Net;
using Dashboard.Server.Discovery;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>Parsers and formatting of discovery: pure, no kernel.</summary>
public sealed class PureParsingTests
{
    [Theory]
    [InlineData("net:[4026531840]", 4026531840ul)]
    [InlineData("uts:[1]", 1ul)]
    public void Namespace_links_give_their_inode(string link, ulong inode) =>
        Assert.Equal(inode, NamespaceEnumerator.ParseNsLink(link));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("net:[]")]
    [InlineData("net:[abc]")]
    [InlineData("/run/netns/x")]
    public void Anything_else_gives_no_inode(string? link) => Assert.Null(NamespaceEnumerator.ParseNsLink(link));

    [Fact]
    public void A_kubernetes_cni_cache_entry_names_the_pod()
    {
        const string json = """
            {"kind":"cniCacheV1","containerId":"4f2a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4",
             "config":"e30=","ifName":"eth0","networkName":"cbr0","netns":"/var/run/netns/cni-1234",
             "cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAMESPACE","default"],["K8S_POD_NAME","nginx-7c5ddbdf54-x2x4q"]],
             "result":{"cniVersion":"1.0.0"}}
            """;

        var a = CniResultCache.Parse(json)!;

        Assert.True(a.IsPod);
        Assert.Equal("default/nginx-7c5ddbdf54-x2x4q", a.OwnerName);
        Assert.Equal("/var/run/netns/cni-1234", a.NetnsPath);
        Assert.Equal("eth0", a.InterfaceName);
    }

    [Fact]
    public void A_plain_container_cni_cache_entry_gives_the_short_container_id()
    {
        var a = CniResultCache.Parse("""{"kind":"cniCacheV1","containerId":"0123456789abcdef0123","netns":"/proc/42/ns/net"}""")!;

        Assert.False(a.IsPod);
        Assert.Equal("0123456789ab", a.OwnerName);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"kind":"cniCacheV1"}""")]
    [InlineData("""{"containerId":5}""")]
    public void Broken_cni_cache_entries_are_ignored(string json) => Assert.Null(CniResultCache.Parse(json));

    [Fact]
    public void Command_lines_read_like_ps()
    {
        Assert.Equal("sleep 600", ProcessInfo.FormatCommandLine("sleep\0600\0"u8));
        Assert.Equal("sleep", ProcessInfo.ProgramName("/usr/bin/sleep infinity"));
        Assert.Equal("kworker/0:1", ProcessInfo.ProgramName("[kworker/0:1]"));
    }

    [Theory]
    [InlineData("veth", 1, "veth")]
    [InlineData("bridge", 1, "bridge")]
    [InlineData(null, 772, "loopback")]
    [InlineData(null, 1, "device")]
    [InlineData("wireguard", 65534, "other")]
    [InlineData("vxlan", 1, "vxlan")]
    public void Interface_kinds_follow_the_api(string? linkKind, int hwType, string kind) =>
        Assert.Equal(kind, Formatting.InterfaceKind(linkKind, (ushort)hwType));

    [Fact]
    public void Kernel_numbers_are_named_as_ip_names_them()
    {
        Assert.Equal("UP", Formatting.OperState(6));
        Assert.Equal("LOWERLAYERDOWN", Formatting.OperState(3));
        Assert.Equal("main", Formatting.Table(254));
        Assert.Equal("1000", Formatting.Table(1000));
        Assert.Equal("default", Formatting.Destination(2, null, 0));
        Assert.Equal("10.0.1.0/24", Formatting.Destination(2, IPAddress.Parse("10.0.1.0"), 24));
        Assert.Equal("REACHABLE", Formatting.NeighbourState(0x02));
        Assert.Equal("4e:d6:72:0c:26:b7", Formatting.Mac([0x4e, 0xd6, 0x72, 0x0c, 0x26, 0xb7]));
        Assert.Null(Formatting.Mac([]));
        Assert.Equal(["UP", "BROADCAST", "MULTICAST", "LOWER_UP"], Formatting.Flags(0x1 | 0x2 | 0x1000 | 0x10000));
    }
}
