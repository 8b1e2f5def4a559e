using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Discovery;
using Dashboard.Server.Tests.Fixtures;
using Dashboard.Shared;

namespace Dashboard.Server.Tests.Api;

/// <summary>The live `ethtool -S` counters of one interface, through the API, on real namespaces.</summary>
public sealed class InterfaceApiTests : IDisposable
{
    private readonly TestNet _net = new();
    private readonly DashboardFactory _factory = new();

    [Fact]
    public async Task Counters_of_a_veth_end_give_its_peer_index_as_ethtool_does()
    {
        var (red, blue) = _net.AddSeedPair();
        using var client = _factory.AuthorizedClient();
        var topology = await client.GetFromJsonAsync<Topology>("/api/topology?fresh=true");
        var blueIndex = topology!.Namespace(blue).Interface("veth-blue").Ifindex;

        foreach (var reference in new[] { red, TestNet.Id(red) })
        {
            var counters = await client.GetFromJsonAsync<InterfaceCounters>($"/api/namespaces/{reference}/interfaces/veth-red/counters");

            Assert.Empty(counters!.Warnings);
            Assert.Equal(blueIndex, counters.PeerIfindex);
            Assert.Equal(Oracle.EthtoolPeerIndex(red, "veth-red"), counters.PeerIfindex);
            Assert.Contains("rx_queue_0_drops", counters.Counters.Keys);
            Assert.Equal($"ip netns exec {red} ethtool -S veth-red", counters.Command);
        }
    }

    [Theory]
    [InlineData("no-such-namespace", "veth-red")]
    [InlineData("{red}", "nope0")]
    [InlineData("{red}", "veth-red;reboot")]
    public async Task Unknown_namespaces_and_interfaces_are_404_problems(string ns, string name)
    {
        var (red, _) = _net.AddSeedPair();
        using var client = _factory.AuthorizedClient();
        await client.GetAsync("/api/topology?fresh=true");

        using var response = await client.GetAsync($"/api/namespaces/{Uri.EscapeDataString(ns.Replace("{red}", red))}/interfaces/{Uri.EscapeDataString(name)}/counters");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ethtool_output_is_parsed_into_named_counters()
    {
        const string output = "NIC statistics:\n     peer_ifindex: 5\n     rx_queue_0_xdp_packets: 0\n     tx_queue_0_xdp_xmit_errors: 12\n";

        var counters = EthtoolStats.Parse(output);

        Assert.Equal(5, counters["peer_ifindex"]);
        Assert.Equal(12, counters["tx_queue_0_xdp_xmit_errors"]);
        Assert.Equal(3, counters.Count);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _net.Dispose();
    }
}
