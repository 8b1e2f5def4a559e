namespace Dashboard.Server.Analysis;

/// <summary>What a person sees, from the seed document's failure-mode table where it has a row.</summary>
internal static class Symptoms
{
    public const string InterfaceDown = "ping: Network is unreachable";
    public const string NoIpAddress = "ping: connect: Network is unreachable";
    public const string SubnetMismatch = "Packets sent but no reply";
    public const string MtuMismatch = "Large packets are dropped or fragmented; small pings work";
    public const string LoopbackDown = "Local traffic fails: ping 127.0.0.1 gives \"connect: Network is unreachable\", services on localhost refuse connections";
    public const string PeerMissing = "Packets sent but no reply: the other end of the pair is not in any namespace the dashboard can read";
    public const string DuplicateAddress = "Replies come from the wrong host or pings work intermittently (ARP answers flip between two MACs)";
    public const string NoRoute = "ping: connect: Network is unreachable";
    public const string VethPairRemoved = "Both ends disappear: the namespaces it joined can no longer reach each other over it";
    public const string NamespaceRemoved = "Veth pair destroyed: the namespace and every veth end in it are gone";
}
