using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Dashboard.Server.Diagnosis;

/// <summary>An ICMP echo packet as a namespace's netfilter hooks see it.</summary>
/// <param name="Path">local-out (sent by this namespace), local-in (for this namespace), forward (routed through it), bridge (switched by a bridge in it).</param>
/// <param name="Established">A reply (conntrack state established) rather than a request (new).</param>
internal sealed record FirewallPacket(IPAddress? Source, IPAddress Destination, bool Established, string Path, string? InInterface, string? OutInterface)
{
    public const string LocalOut = "local-out";
    public const string LocalIn = "local-in";
    public const string Forward = "forward";
    public const string Bridged = "bridge";

    public bool IsIpv6 => Destination.AddressFamily == AddressFamily.InterNetworkV6;

    public string IcmpType => Established ? "echo-reply" : "echo-request";

    public string Describe() =>
        $"{(Established ? "echo reply" : "echo request")} {Source?.ToString() ?? "?"} → {Destination}";
}

/// <summary>A rule (or a chain policy) that drops the packet. <see cref="Handle"/> is null for a policy.</summary>
internal sealed record FirewallHit(string Family, string Table, string Chain, long? Handle, string Text, bool Certain, string Verdict)
{
    public string Where => Handle is { } h ? $"table {Family} {Table}, chain {Chain}, handle {h}" : $"table {Family} {Table}, chain {Chain} (policy)";
}

/// <summary>
/// `nft -j list ruleset` read as data, and the question "does it drop this ICMP echo?" answered by walking
/// the base chains of the packet's hooks in priority order, following jump/goto, as the kernel would for
/// what it can tell: addresses (exact, prefix, range, set), ICMP type, layer-4 protocol, interface names,
/// conntrack state. A rule using something it cannot evaluate (named sets, marks, rate limits, xt matches)
/// "may" match: a drop there is reported as uncertain. Pure.
/// </summary>
internal sealed class NftRuleset
{
    private sealed record Chain(string Family, string Table, string Name, string? Type, string? Hook, int Priority, string? Policy, IReadOnlyList<string> Devices, int Order);

    private sealed record Rule(string Family, string Table, string Chain, long? Handle, JsonElement[] Expressions);

    private readonly List<Chain> _chains = [];
    private readonly Dictionary<(string, string, string), List<Rule>> _rules = [];

    public int RuleCount { get; private set; }

    public int TableCount { get; private set; }

    /// <summary>Null when the output is not nft's JSON.</summary>
    public static NftRuleset? Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("nftables", out var items) || items.ValueKind != JsonValueKind.Array) return null;
            var set = new NftRuleset();
            foreach (var item in items.EnumerateArray())
            {
                if (item.TryGetProperty("table", out _)) set.TableCount++;
                if (item.TryGetProperty("chain", out var c))
                {
                    var devices = new List<string>();
                    if (c.TryGetProperty("dev", out var dev))
                    {
                        if (dev.ValueKind == JsonValueKind.String) devices.Add(dev.GetString()!);
                        else if (dev.ValueKind == JsonValueKind.Array) devices.AddRange(dev.EnumerateArray().Select(d => d.GetString()!).Where(d => d is not null));
                    }
                    set._chains.Add(new Chain(Str(c, "family")!, Str(c, "table")!, Str(c, "name")!, Str(c, "type"), Str(c, "hook"),
                        c.TryGetProperty("prio", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0,
                        Str(c, "policy"), devices, set._chains.Count));
                }
                if (item.TryGetProperty("rule", out var r))
                {
                    var key = (Str(r, "family")!, Str(r, "table")!, Str(r, "chain")!);
                    if (!set._rules.TryGetValue(key, out var list)) set._rules[key] = list = [];
                    long? handle = r.TryGetProperty("handle", out var h) && h.ValueKind == JsonValueKind.Number ? h.GetInt64() : null;
                    var expressions = r.TryGetProperty("expr", out var e) && e.ValueKind == JsonValueKind.Array
                        ? e.EnumerateArray().Select(x => x.Clone()).ToArray()
                        : [];
                    list.Add(new Rule(key.Item1, key.Item2, key.Item3, handle, expressions));
                    set.RuleCount++;
                }
            }
            return set;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The first rule or policy that drops or rejects <paramref name="packet"/> for sure, else the first that may; null when none.</summary>
    public FirewallHit? FindDrop(FirewallPacket packet)
    {
        FirewallHit? maybe = null;
        foreach (var hook in Hooks(packet.Path))
        {
            var chains = _chains
                .Where(c => c.Hook == hook.Hook && (c.Type is "filter" or "route" or null) && Applies(c, packet, hook.Families))
                .OrderBy(c => c.Priority).ThenBy(c => c.Order);
            foreach (var chain in chains)
            {
                var outcome = Evaluate(chain.Family, chain.Table, chain.Name, packet, depth: 0);
                if (outcome.Hit is { Certain: true } certain) return certain;
                maybe ??= outcome.Hit;
                if (outcome.Verdict is "accept" or "drop") continue;
                if (chain.Policy == "drop")
                {
                    var hit = new FirewallHit(chain.Family, chain.Table, chain.Name, null, $"policy drop (no rule of chain {chain.Name} accepts it)", outcome.Uncertain is false, "drop");
                    if (hit.Certain) return hit;
                    maybe ??= hit;
                }
            }
        }
        return maybe;
    }

    private sealed record Outcome(string? Verdict, FirewallHit? Hit, bool Uncertain);

    private Outcome Evaluate(string family, string table, string chainName, FirewallPacket packet, int depth)
    {
        if (depth > 16 || !_rules.TryGetValue((family, table, chainName), out var rules)) return new Outcome(null, null, depth > 16);
        bool uncertain = false;
        FirewallHit? maybe = null;
        foreach (var rule in rules)
        {
            var match = Tri.True;
            string? verdict = null;
            string? target = null;
            foreach (var e in rule.Expressions)
            {
                if (e.ValueKind != JsonValueKind.Object) continue;
                var property = e.EnumerateObject().FirstOrDefault();
                switch (property.Name)
                {
                    case "match":
                        match = And(match, Match(property.Value, packet));
                        break;
                    case "accept" or "drop" or "return" or "continue":
                        verdict = property.Name;
                        break;
                    case "reject":
                        verdict = "reject";
                        break;
                    case "jump" or "goto":
                        verdict = property.Name;
                        target = Str(property.Value, "target");
                        break;
                    case "counter" or "log" or "comment" or "notrack" or "mangle" or "dup" or "snat" or "dnat" or "masquerade" or "redirect" or "set" or "meta":
                        break; // statements that do not decide
                    default:
                        match = And(match, Tri.Maybe); // limit, quota, vmap, xt, lookup, …
                        break;
                }
                if (match == Tri.False) break;
            }
            if (match == Tri.False || verdict is null or "continue") continue;
            if (match == Tri.Maybe)
            {
                if (verdict is "drop" or "reject")
                    maybe ??= new FirewallHit(rule.Family, rule.Table, rule.Chain, rule.Handle, Render(rule.Expressions), false, verdict);
                else
                    uncertain = true;
                continue;
            }
            switch (verdict)
            {
                case "accept":
                    return new Outcome("accept", maybe, uncertain);
                case "drop" or "reject":
                    return new Outcome("drop", new FirewallHit(rule.Family, rule.Table, rule.Chain, rule.Handle, Render(rule.Expressions), !uncertain, verdict), uncertain);
                case "return":
                    return new Outcome(null, maybe, uncertain);
                case "jump" or "goto" when target is not null:
                    var inner = Evaluate(family, table, target, packet, depth + 1);
                    if (inner.Verdict is not null || verdict == "goto")
                        return inner with { Hit = inner.Hit ?? maybe, Uncertain = inner.Uncertain || uncertain };
                    maybe ??= inner.Hit;
                    uncertain |= inner.Uncertain;
                    break;
            }
        }
        return new Outcome(null, maybe, uncertain);
    }

    private static IEnumerable<(string Hook, string[] Families)> Hooks(string path)
    {
        string[] l3 = ["ip", "ip6", "inet"];
        yield return ("ingress", ["netdev", "inet"]);
        switch (path)
        {
            case FirewallPacket.LocalOut:
                yield return ("output", l3);
                yield return ("postrouting", l3);
                break;
            case FirewallPacket.LocalIn:
                yield return ("prerouting", l3);
                yield return ("input", l3);
                break;
            case FirewallPacket.Forward:
                yield return ("prerouting", l3);
                yield return ("forward", l3);
                yield return ("postrouting", l3);
                break;
            case FirewallPacket.Bridged:
                yield return ("prerouting", ["bridge"]);
                yield return ("forward", ["bridge"]);
                yield return ("postrouting", ["bridge"]);
                break;
        }
    }

    private static bool Applies(Chain chain, FirewallPacket packet, string[] families)
    {
        if (!families.Contains(chain.Family)) return false;
        if (chain.Family == "ip" && packet.IsIpv6) return false;
        if (chain.Family == "ip6" && !packet.IsIpv6) return false;
        if (chain.Hook == "ingress")
            return packet.InInterface is not null && packet.Path != FirewallPacket.LocalOut && chain.Devices.Contains(packet.InInterface);
        return true;
    }

    private enum Tri { False, Maybe, True }

    private static Tri Match(JsonElement match, FirewallPacket packet)
    {
        var op = Str(match, "op") ?? "==";
        if (!match.TryGetProperty("left", out var left) || !match.TryGetProperty("right", out var right)) return Tri.Maybe;
        var value = Field(left, packet);
        if (value.Kind == FieldKind.Unknown) return Tri.Maybe;
        if (value.Kind == FieldKind.Absent) return op == "!=" ? Tri.True : Tri.False; // e.g. tcp dport of an ICMP packet: no match
        var contains = Contains(right, value);
        return op switch
        {
            "==" or "in" => contains,
            "!=" => contains == Tri.Maybe ? Tri.Maybe : contains == Tri.True ? Tri.False : Tri.True,
            _ => Tri.Maybe,
        };
    }

    private enum FieldKind { Value, Absent, Unknown }

    private readonly record struct FieldValue(FieldKind Kind, IPAddress? Address = null, string? Text = null, IReadOnlyList<string>? Flags = null);

    private static FieldValue Field(JsonElement left, FirewallPacket packet)
    {
        if (left.TryGetProperty("payload", out var payload))
        {
            var protocol = Str(payload, "protocol");
            var field = Str(payload, "field");
            switch (protocol)
            {
                case "ip" or "ip6":
                    if ((protocol == "ip6") != packet.IsIpv6) return new FieldValue(FieldKind.Absent);
                    return field switch
                    {
                        "saddr" => packet.Source is null ? new FieldValue(FieldKind.Unknown) : new FieldValue(FieldKind.Value, packet.Source),
                        "daddr" => new FieldValue(FieldKind.Value, packet.Destination),
                        "protocol" or "nexthdr" => new FieldValue(FieldKind.Value, Text: packet.IsIpv6 ? "ipv6-icmp" : "icmp"),
                        _ => new FieldValue(FieldKind.Unknown),
                    };
                case "icmp" or "icmpv6":
                    if ((protocol == "icmpv6") != packet.IsIpv6) return new FieldValue(FieldKind.Absent);
                    return field == "type" ? new FieldValue(FieldKind.Value, Text: packet.IcmpType) : new FieldValue(FieldKind.Unknown);
                case "tcp" or "udp" or "sctp" or "dccp" or "udplite" or "th" or "esp" or "ah" or "comp":
                    return new FieldValue(FieldKind.Absent);
                default:
                    return new FieldValue(FieldKind.Unknown);
            }
        }
        if (left.TryGetProperty("meta", out var meta))
        {
            return Str(meta, "key") switch
            {
                "l4proto" => new FieldValue(FieldKind.Value, Text: packet.IsIpv6 ? "ipv6-icmp" : "icmp"),
                "nfproto" => new FieldValue(FieldKind.Value, Text: packet.IsIpv6 ? "ipv6" : "ipv4"),
                "protocol" => new FieldValue(FieldKind.Value, Text: packet.IsIpv6 ? "ip6" : "ip"),
                "iifname" or "iif" => packet.InInterface is null ? InterfaceAbsent(packet, incoming: true) : new FieldValue(FieldKind.Value, Text: packet.InInterface),
                "oifname" or "oif" => packet.OutInterface is null ? InterfaceAbsent(packet, incoming: false) : new FieldValue(FieldKind.Value, Text: packet.OutInterface),
                _ => new FieldValue(FieldKind.Unknown),
            };
        }
        if (left.TryGetProperty("ct", out var ct) && Str(ct, "key") == "state" && !ct.TryGetProperty("dir", out _))
            return new FieldValue(FieldKind.Value, Flags: [packet.Established ? "established" : "new"]);
        return new FieldValue(FieldKind.Unknown);
    }

    /// <summary>A locally sent packet has no input interface and a delivered one no output interface; elsewhere the walk could not tell.</summary>
    private static FieldValue InterfaceAbsent(FirewallPacket packet, bool incoming) =>
        (incoming && packet.Path == FirewallPacket.LocalOut) || (!incoming && packet.Path == FirewallPacket.LocalIn)
            ? new FieldValue(FieldKind.Value, Text: "")
            : new FieldValue(FieldKind.Unknown);

    private static Tri Contains(JsonElement right, FieldValue value)
    {
        switch (right.ValueKind)
        {
            case JsonValueKind.String:
                var s = right.GetString()!;
                if (s.StartsWith('@') || s.StartsWith('$')) return Tri.Maybe; // a named set or variable
                return Equal(s, value);
            case JsonValueKind.Number:
                return value.Text is not null && value.Text == right.GetRawText() ? Tri.True : Tri.Maybe;
            case JsonValueKind.Array:
                return Any(right.EnumerateArray(), value);
            case JsonValueKind.Object:
                if (right.TryGetProperty("set", out var set))
                    return set.ValueKind == JsonValueKind.Array ? Any(set.EnumerateArray(), value) : Contains(set, value);
                if (right.TryGetProperty("prefix", out var prefix) && value.Address is { } a
                    && IPAddress.TryParse(Str(prefix, "addr"), out var network) && prefix.TryGetProperty("len", out var len))
                    return InPrefix(a, network, len.GetInt32()) ? Tri.True : Tri.False;
                if (right.TryGetProperty("range", out var range) && range.ValueKind == JsonValueKind.Array && range.GetArrayLength() == 2 && value.Address is { } x
                    && IPAddress.TryParse(range[0].GetString(), out var low) && IPAddress.TryParse(range[1].GetString(), out var high))
                    return Compare(x, low) >= 0 && Compare(x, high) <= 0 ? Tri.True : Tri.False;
                return Tri.Maybe;
            default:
                return Tri.Maybe;
        }
    }

    private static Tri Any(IEnumerable<JsonElement> items, FieldValue value)
    {
        var result = Tri.False;
        foreach (var item in items)
        {
            var r = Contains(item, value);
            if (r == Tri.True) return Tri.True;
            if (r == Tri.Maybe) result = Tri.Maybe;
        }
        return result;
    }

    private static Tri Equal(string right, FieldValue value)
    {
        if (value.Address is { } address)
            return IPAddress.TryParse(right, out var other) ? (other.Equals(address) ? Tri.True : Tri.False) : Tri.Maybe;
        if (value.Flags is { } flags)
            return right.Split(',', StringSplitOptions.TrimEntries).Any(flags.Contains) ? Tri.True : Tri.False;
        if (value.Text is { } text)
        {
            if (right.EndsWith('*') && !right.EndsWith("\\*", StringComparison.Ordinal))
                return text.StartsWith(right[..^1], StringComparison.Ordinal) ? Tri.True : Tri.False;
            return text == right ? Tri.True : Tri.False;
        }
        return Tri.Maybe;
    }

    private static Tri And(Tri a, Tri b) => a == Tri.False || b == Tri.False ? Tri.False : a == Tri.Maybe || b == Tri.Maybe ? Tri.Maybe : Tri.True;

    private static bool InPrefix(IPAddress address, IPAddress network, int length)
    {
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        if (a.Length != n.Length) return false;
        for (int bit = 0; bit < length && bit < a.Length * 8; bit++)
        {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask)) return false;
        }
        return true;
    }

    private static int Compare(IPAddress x, IPAddress y)
    {
        var a = x.GetAddressBytes();
        var b = y.GetAddressBytes();
        if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        return 0;
    }

    /// <summary>A rule's expressions roughly as `nft list` writes them: "ip saddr 10.0.1.0/24 icmp type echo-request counter drop".</summary>
    internal static string Render(IEnumerable<JsonElement> expressions) =>
        string.Join(' ', expressions.Select(RenderOne).Where(s => s.Length > 0));

    private static string RenderOne(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) return "";
        var p = e.EnumerateObject().FirstOrDefault();
        switch (p.Name)
        {
            case "match":
                var op = Str(p.Value, "op") ?? "==";
                var left = p.Value.TryGetProperty("left", out var l) ? RenderValue(l) : "?";
                var right = p.Value.TryGetProperty("right", out var r) ? RenderValue(r) : "?";
                return op is "==" or "in" ? $"{left} {right}" : $"{left} {op} {right}";
            case "accept" or "drop" or "return" or "continue" or "counter":
                return p.Name;
            case "reject":
                return "reject";
            case "jump" or "goto":
                return $"{p.Name} {Str(p.Value, "target")}";
            default:
                return p.Name;
        }
    }

    private static string RenderValue(JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String: return v.GetString()!;
            case JsonValueKind.Number: return v.GetRawText();
            case JsonValueKind.Array: return "{ " + string.Join(", ", v.EnumerateArray().Select(RenderValue)) + " }";
            case JsonValueKind.Object:
                var p = v.EnumerateObject().FirstOrDefault();
                return p.Name switch
                {
                    "payload" => $"{Str(p.Value, "protocol")} {Str(p.Value, "field")}",
                    "meta" => $"meta {Str(p.Value, "key")}",
                    "ct" => $"ct {Str(p.Value, "key")}",
                    "prefix" => $"{Str(p.Value, "addr")}/{(p.Value.TryGetProperty("len", out var len) ? len.GetRawText() : "?")}",
                    "range" => p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 2 ? $"{RenderValue(p.Value[0])}-{RenderValue(p.Value[1])}" : "range",
                    "set" => RenderValue(p.Value),
                    _ => p.Name,
                };
            default: return "?";
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Number ? v.GetRawText() : null
            : null;

    /// <summary>The fix for a hit: delete the rule by its handle; for a drop policy, accept this traffic at the end of the chain.</summary>
    public static string FixFor(FirewallHit hit, FirewallPacket packet)
    {
        if (hit.Handle is { } handle)
            return $"nft delete rule {hit.Family} {Quote(hit.Table)} {Quote(hit.Chain)} handle {handle.ToString(CultureInfo.InvariantCulture)}";
        var ip = packet.IsIpv6 ? "ip6" : "ip";
        var from = packet.Source is null ? "" : $"{ip} saddr {packet.Source} ";
        return $"nft add rule {hit.Family} {Quote(hit.Table)} {Quote(hit.Chain)} {from}{ip} daddr {packet.Destination} accept";
    }

    private static string Quote(string word) => Analysis.Commands.Quote(word);
}
