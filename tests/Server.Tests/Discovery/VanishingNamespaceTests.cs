using System.Diagnostics;
using Dashboard.Server.Tests.Fixtures;

namespace Dashboard.Server.Tests.Discovery;

/// <summary>Namespaces come and go while discovery reads: a partial answer with a warning, never an exception.</summary>
public sealed class VanishingNamespaceTests : IDisposable
{
    private readonly TestNet _net = new();

    [Fact]
    public void A_namespace_deleted_between_finding_and_reading_is_left_out_with_a_warning()
    {
        var (red, blue) = _net.AddSeedPair();
        var gone = _net.AddNamespace("gone");
        _net.AddVeth(gone, "vg", red, "vr");
        var goneId = TestNet.Id(gone);
        using var discovery = Discover.Create();
        var warnings = new List<string>();
        var scan = discovery.Enumerate(warnings);
        Assert.Contains(scan.Candidates, c => c.Id == goneId);

        Run.Ip("netns", "delete", gone); // its veth pair goes with it

        var topology = discovery.Read(scan, warnings, Stopwatch.GetTimestamp());

        Assert.Null(topology.FindNamespace(goneId));
        Assert.Contains(topology.Warnings, w => w.Contains(goneId, StringComparison.Ordinal) && w.Contains(gone, StringComparison.Ordinal) && w.Contains("vanished", StringComparison.Ordinal));
        // The kernel tears the namespace down asynchronously: its veth's other end may still be
        // there for a moment, and then its peer must be unresolved, never guessed.
        if (topology.Namespace(red).Interfaces.SingleOrDefault(i => i.Name == "vr") is { } vr)
            Assert.Null(vr.Peer!.NamespaceId);
        Discover.VerifyAgainstKernel(topology, blue);
    }

    [Fact]
    public async Task Discovery_during_namespace_churn_never_throws_and_stays_consistent()
    {
        var anchor = _net.AddNamespace("anchor");
        using var stop = new CancellationTokenSource();
        var churnName = _net.Name("churn");
        var churn = Task.Run(() =>
        {
            int rounds = 0;
            while (!stop.IsCancellationRequested && rounds++ < 500)
            {
                Run.Try("ip", ["netns", "add", churnName]);
                Run.Try("ip", ["-n", anchor, "link", "add", "vc", "type", "veth", "peer", "name", "eth0", "netns", churnName]);
                Run.Try("ip", ["netns", "delete", churnName]);
            }
        });
        try
        {
            using var discovery = Discover.Create();
            for (int i = 0; i < 40; i++)
            {
                var topology = discovery.Discover();
                Assert.Contains(topology.Namespaces, n => n.IsRoot);
                Assert.NotNull(topology.FindNamespace(TestNet.Id(anchor)));
                // Every link joins two namespaces of the answer, at interfaces that are there.
                foreach (var link in topology.Links)
                {
                    foreach (var end in new[] { link.A, link.B })
                    {
                        var ns = topology.FindNamespace(end.NamespaceId);
                        Assert.NotNull(ns);
                        Assert.Contains(ns.Interfaces, x => x.Name == end.Interface && x.Ifindex == end.Ifindex);
                    }
                }
            }
        }
        finally
        {
            stop.Cancel();
            await churn.WaitAsync(TimeSpan.FromSeconds(30));
            Run.Try("ip", ["netns", "delete", churnName]);
        }
    }

    public void Dispose() => _net.Dispose();
}
