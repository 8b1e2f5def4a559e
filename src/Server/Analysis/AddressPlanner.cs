namespace Dashboard.Server.Analysis;

/// <summary>Picks a concrete free address for a fix command. Pure.</summary>
internal static class AddressPlanner
{
    private const int MaxCandidates = 1 << 16;

    /// <summary>
    /// A usable host address of <paramref name="subnet"/> that is not in <paramref name="used"/>:
    /// the one with <paramref name="preferredHost"/>'s host part when that is free, else the lowest free one.
    /// Null when the subnet has no free host (a /32, or every address taken).
    /// </summary>
    public static Ipv4Cidr? FreeHost(Ipv4Cidr subnet, IReadOnlySet<uint> used, uint? preferredHost = null)
    {
        if (subnet.PrefixLength >= 32) return null;
        // A /31 is point-to-point (RFC 3021): both addresses are hosts. Otherwise skip network and broadcast.
        uint first = subnet.PrefixLength == 31 ? subnet.Network : subnet.Network + 1;
        uint last = subnet.PrefixLength == 31 ? subnet.Broadcast : subnet.Broadcast - 1;
        if (preferredHost is { } preferred)
        {
            uint candidate = subnet.Network | (preferred & ~subnet.Mask);
            if (candidate >= first && candidate <= last && !used.Contains(candidate))
                return subnet.WithAddress(candidate);
        }
        uint tries = 0;
        for (uint candidate = first; candidate <= last && tries < MaxCandidates; candidate++, tries++)
        {
            if (!used.Contains(candidate)) return subnet.WithAddress(candidate);
            if (candidate == uint.MaxValue) break;
        }
        return null;
    }
}
