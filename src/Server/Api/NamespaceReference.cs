using Dashboard.Shared;

namespace Dashboard.Server.Api;

/// <summary>A namespace as requests name it (API.md): its id, its iproute2 name, or `root`/`host`.</summary>
internal static class NamespaceReference
{
    public static NetworkNamespace? Resolve(Topology topology, string reference)
    {
        if (reference is "root" or "host")
            return topology.Namespaces.FirstOrDefault(n => n.IsRoot);
        return topology.FindNamespace(reference)
            ?? topology.Namespaces.FirstOrDefault(n => string.Equals(n.Name, reference, StringComparison.Ordinal));
    }
}
