using System.Net;
using System.Net.Sockets;
using Dashboard.Server.Api;
using Dashboard.Shared;

namespace Dashboard.Server.Diagnosis;

/// <summary>A validated request: the source namespace and the destination address (and how the request named it).</summary>
internal sealed record DiagnosisTarget(NetworkNamespace Source, IPAddress Destination, string? DestinationReference);

/// <summary>
/// Turns a <see cref="DiagnosisRequest"/> into a <see cref="DiagnosisTarget"/> against the current topology, or
/// says precisely what is wrong with it. Nothing from the request reaches a command line: the namespace and
/// interface are looked up among what the kernel reported, the address is parsed and written anew. Pure.
/// </summary>
internal static class DiagnosisRequestParser
{
    public const int MaxLength = 300;

    /// <summary>Wrong whatever the node looks like: missing fields, too long, or a destination that is no address and no reference.</summary>
    public static bool IsMalformed(DiagnosisRequest? request)
    {
        var source = request?.Source?.Trim();
        var destination = request?.Destination?.Trim();
        if (string.IsNullOrEmpty(source) || string.IsNullOrEmpty(destination)) return true;
        if (source.Length > MaxLength || destination.Length > MaxLength) return true;
        if (TryAddress(destination, out _, out var addressError)) return addressError is not null;
        var slash = destination.LastIndexOf('/');
        return slash <= 0 || slash == destination.Length - 1;
    }

    public static (DiagnosisTarget? Target, string? Error) Parse(Topology topology, DiagnosisRequest? request)
    {
        if (request is null) return (null, "The body must be a JSON object: { \"source\": \"<namespace reference>\", \"destination\": \"<address or namespace/interface>\" }.");
        var source = request.Source?.Trim();
        var destination = request.Destination?.Trim();
        if (string.IsNullOrEmpty(source)) return (null, "'source' is required: a namespace id, an iproute2 name, or root/host.");
        if (string.IsNullOrEmpty(destination)) return (null, "'destination' is required: an IPv4/IPv6 address, or '<namespace reference>/<interface>'.");
        if (source.Length > MaxLength || destination.Length > MaxLength) return (null, $"'source' and 'destination' are at most {MaxLength} characters.");
        var ns = NamespaceReference.Resolve(topology, source);
        if (ns is null) return (null, $"'source': no namespace is known as '{Printable(source)}' (a namespace id, an iproute2 name, or root/host).");

        if (TryAddress(destination, out var address, out var addressError))
            return addressError is null ? (new DiagnosisTarget(ns, address!, null), null) : (null, addressError);

        var slash = destination.LastIndexOf('/');
        if (slash <= 0 || slash == destination.Length - 1)
            return (null, $"'destination' '{Printable(destination)}' is neither an IP address nor '<namespace reference>/<interface>'.");
        var nsPart = destination[..slash];
        var ifPart = destination[(slash + 1)..];
        if (IPAddress.TryParse(nsPart, out _) && int.TryParse(ifPart, out _))
            return (null, $"'destination' '{Printable(destination)}' is a prefix: give the address alone (e.g. {nsPart}).");
        var target = NamespaceReference.Resolve(topology, nsPart);
        if (target is null) return (null, $"'destination': no namespace is known as '{Printable(nsPart)}' (a namespace id, an iproute2 name, or root/host).");
        var iface = target.Interfaces.FirstOrDefault(i => i.Name == ifPart);
        if (iface is null) return (null, $"'destination': namespace {target.DisplayName} has no interface '{Printable(ifPart)}'.");
        var ipv4 = iface.Addresses.Select(IpPrefix.Parse).OfType<IpPrefix>().FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetwork);
        if (ipv4 is null)
            return (null, $"'destination': {iface.Name} in {target.DisplayName} has no IPv4 address to ping ({(iface.Addresses.Count == 0 ? "no address at all" : string.Join(", ", iface.Addresses))}); give an address instead.");
        return (new DiagnosisTarget(ns, ipv4.Address, $"{nsPart}/{ifPart}"), null);
    }

    /// <summary>
    /// Whether <paramref name="text"/> is meant as an address (true), and then whether it is one we ping:
    /// a strict dotted quad or an IPv6 address without zone, not unspecified, multicast or broadcast.
    /// </summary>
    private static bool TryAddress(string text, out IPAddress? address, out string? error)
    {
        address = null;
        error = null;
        bool looksV4 = text.All(c => char.IsAsciiDigit(c) || c == '.');
        bool looksV6 = text.Contains(':', StringComparison.Ordinal) && !text.Contains('/', StringComparison.Ordinal);
        if (!looksV4 && !looksV6) return false;
        if (looksV4 && (text.Split('.').Length != 4 || text.Split('.').Any(p => p.Length is 0 or > 3)))
        {
            error = $"'destination' '{Printable(text)}' is not an IPv4 address (four numbers 0-255 separated by dots).";
            return true;
        }
        if (text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var parsed))
        {
            error = $"'destination' '{Printable(text)}' is not an IP address.";
            return true;
        }
        if (parsed.Equals(IPAddress.Any) || parsed.Equals(IPAddress.IPv6Any) || parsed.Equals(IPAddress.Broadcast)
            || parsed.IsIPv6Multicast || (parsed.AddressFamily == AddressFamily.InterNetwork && parsed.GetAddressBytes()[0] >= 224))
        {
            error = $"'destination' {parsed} is not a unicast address one host answers for.";
            return true;
        }
        if (parsed.IsIPv6LinkLocal)
        {
            error = $"'destination' {parsed} is an IPv6 link-local address, which needs an interface to ping from; give a global or unique-local address.";
            return true;
        }
        address = parsed;
        return true;
    }

    /// <summary>Echoes user input in an error safely: printable ASCII only, shortened.</summary>
    private static string Printable(string text)
    {
        var clean = new string(text.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        return clean.Length <= 80 ? clean : clean[..80] + "…";
    }
}
