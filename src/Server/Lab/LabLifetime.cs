namespace Dashboard.Server.Lab;

/// <summary>
/// When the lab is on: at start, the lab namespaces a crash left behind are removed; at a graceful stop,
/// every lab namespace and the lab folder (CNI IPAM state) are removed, so the lab leaves nothing on the node.
/// </summary>
internal sealed class LabLifetime(LabService lab, ILogger<LabLifetime> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (lab.Changes is null) return;
        var removed = await lab.RemoveEverythingAsync(cancellationToken);
        if (removed.Count > 0)
            logger.LogWarning("Lab removed {Count} leftover namespaces with the prefix {Prefix} (an earlier run did not stop cleanly): {Namespaces}",
                removed.Count, lab.Catalog.Prefix, string.Join(", ", removed));
        logger.LogInformation("Lab mode on: changes allowed on {Changes} namespaces; lab namespaces are named {Prefix}…",
            lab.Changes == Shared.LabChanges.All ? "all" : "lab", lab.Catalog.Prefix);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (lab.Changes is null) return;
        var removed = await lab.RemoveEverythingAsync(CancellationToken.None);
        logger.LogInformation("Lab stopped: removed {Count} lab namespaces{Namespaces} and {Folder}",
            removed.Count, removed.Count > 0 ? " (" + string.Join(", ", removed) + ")" : "", lab.LabDirectory);
    }
}
