namespace Dashboard.Shared;

/// <summary>One step of a ping diagnosis along the packet path. Status: pass | fail | warn | skip.</summary>
public sealed record DiagnosisStep(string Name, string Status, string Detail, string? Command, string? Output);
