namespace Dashboard.Client.Services.Diagram;

/// <summary>Words and short forms the diagram draws.</summary>
public static class DiagramText
{
    /// <summary>Cuts a label to what fits, with an ellipsis; the full text is in the tooltip.</summary>
    public static string Fit(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(1, max - 1)), "…");

    public static string OwnerBadge(string kind) => kind switch
    {
        "host" => "host",
        "pod" => "pod",
        "container" => "ctr",
        "process" => "proc",
        _ => "netns",
    };

    public static string StateWords(string state) => state switch
    {
        DiagramStates.Error => "broken (see the failure modes)",
        DiagramStates.Warning => "warning (see the failure modes)",
        DiagramStates.Added => "added (only in the later state)",
        DiagramStates.Removed => "removed (only in the earlier state)",
        DiagramStates.Changed => "changed (see the change list)",
        DiagramStates.Same => "unchanged",
        _ => "healthy",
    };
}
