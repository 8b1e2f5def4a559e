using Dashboard.Shared;

namespace Dashboard.Client.Services;

/// <summary>How an "Apply fix" ended: what the server ran (<see cref="Action"/>), or why it refused (<see cref="Refused"/>).</summary>
/// <param name="Where">What was fixed, for a person ("lab-pod-blue / veth-blue").</param>
public sealed record FixOutcome(string Where, LabAction? Action, string? Refused);
