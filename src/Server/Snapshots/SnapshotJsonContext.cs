using System.Text.Json.Serialization;
using Dashboard.Shared;

namespace Dashboard.Server.Snapshots;

/// <summary>
/// Reads stored snapshot documents for a comparison: only what <see cref="TopologyComparer"/> looks at, into plain
/// classes. Parsing a whole 250-pod document into the wire records takes about five times longer (records with
/// constructors are System.Text.Json's slow path, and routes, processes, neighbours and flags are most of the
/// document): it is what kept a comparison of two snapshots over 100 ms. The rest of the document is skipped.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(ComparableSnapshot))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;

/// <summary>A stored snapshot as a comparison needs it; <see cref="ToTopology"/> gives the records the comparer takes.</summary>
internal sealed class ComparableSnapshot
{
    public DateTimeOffset TakenAt { get; set; }

    public ComparableTopology? Topology { get; set; }

    public List<Finding>? Findings { get; set; }

    public sealed class ComparableTopology
    {
        public DateTimeOffset TakenAt { get; set; }
        public string Hostname { get; set; } = "";
        public List<Namespace> Namespaces { get; set; } = [];
        public List<LinkRow> Links { get; set; } = [];
    }

    public sealed class Namespace
    {
        public string Id { get; set; } = "";
        public string? Name { get; set; }
        public bool IsRoot { get; set; }
        public string? DisplayName { get; set; }
        public Owner? Owner { get; set; }
        public List<Interface> Interfaces { get; set; } = [];
    }

    public sealed class Owner
    {
        public string Kind { get; set; } = "";
        public string? Name { get; set; }
    }

    public sealed class Interface
    {
        public int Ifindex { get; set; }
        public string Name { get; set; } = "";
        public string Kind { get; set; } = "";
        public string? Mac { get; set; }
        public int Mtu { get; set; }
        public bool AdminUp { get; set; }
        public string OperState { get; set; } = "";
        public string? Master { get; set; }
        public List<string> Addresses { get; set; } = [];
        public Peer? Peer { get; set; }
    }

    public sealed class Peer
    {
        public int Ifindex { get; set; }
        public string? NamespaceId { get; set; }
        public string? Name { get; set; }
    }

    public sealed class LinkRow
    {
        public string Kind { get; set; } = "";
        public End A { get; set; } = new();
        public End B { get; set; } = new();
    }

    public sealed class End
    {
        public string NamespaceId { get; set; } = "";
        public string Interface { get; set; } = "";
        public int? Ifindex { get; set; }
    }

    /// <summary>The wire records, with what a comparison does not read left empty (paths, pids, routes, processes, flags, ...).</summary>
    public Topology ToTopology()
    {
        var t = Topology ?? new ComparableTopology();
        return new Topology(
            t.TakenAt,
            t.Hostname,
            t.Namespaces.Select(n => new NetworkNamespace(
                n.Id, n.Name, n.IsRoot, [], [], new NamespaceOwner(n.Owner?.Kind ?? "", n.Owner?.Name),
                n.Interfaces.Select(i => new NetworkInterface(
                    i.Ifindex, i.Name, i.Kind, i.Mac, i.Mtu, i.AdminUp, i.OperState, i.Master, i.Addresses,
                    i.Peer is { } p ? new VethPeer(p.Ifindex, p.NamespaceId, p.Name) : null)).ToList(),
                [])
            {
                DisplayName = n.DisplayName ?? n.Name ?? n.Id,
            }).ToList(),
            t.Links.Select(l => new Link(l.Kind, ToEnd(l.A), ToEnd(l.B))).ToList(),
            []);
    }

    private static LinkEnd ToEnd(End e) => new(e.NamespaceId, e.Interface) { Ifindex = e.Ifindex };
}
