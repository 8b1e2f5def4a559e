namespace Dashboard.Client.Services;

/// <summary>
/// The "diagnose a ping" form's source and destination, shared by the page's form and the places
/// that fill it (an interface's details: "ping from here", "ping to here").
/// </summary>
public sealed class DiagnoseSelection
{
    public string? Source { get; private set; }

    public string? Destination { get; private set; }

    /// <summary>The form's fields changed from elsewhere. Raised on the renderer's thread (by a click).</summary>
    public event Action? Changed;

    public void SetSource(string? source)
    {
        Source = source;
        Changed?.Invoke();
    }

    public void SetDestination(string? destination)
    {
        Destination = destination;
        Changed?.Invoke();
    }

    /// <summary>What the person typed (no event: the form is the one typing).</summary>
    public void Typed(string? source, string? destination)
    {
        Source = source;
        Destination = destination;
    }
}
