using System.Net;
using System.Net.Http.Json;
using Dashboard.Server.Tests.Api;
using Dashboard.Server.Tests.Fixtures;

namespace Dashboard.Server.Tests.Lab;

/// <summary>Neither --lab nor AllowChanges: every lab and fix endpoint is 403 and says how to turn it on; nothing is made.</summary>
public sealed class LabDisabledTests
{
    [Fact]
    public async Task Every_lab_and_fix_endpoint_is_403_and_creates_nothing()
    {
        var prefix = TestNet.NewLabPrefix();
        using var factory = new DashboardFactory(settings: new() { ["Dashboard:Lab:Prefix"] = prefix });
        using var client = factory.AuthorizedClient();
        var calls = new (HttpMethod, string)[]
        {
            (HttpMethod.Get, "/api/lab"),
            (HttpMethod.Delete, "/api/lab"),
            (HttpMethod.Post, "/api/lab/scenarios/seed-pair"),
            (HttpMethod.Delete, "/api/lab/scenarios/seed-pair"),
            (HttpMethod.Post, "/api/lab/scenarios/nope"),
            (HttpMethod.Post, "/api/lab/faults/interface-down"),
            (HttpMethod.Delete, "/api/lab/faults/interface-down"),
            (HttpMethod.Post, "/api/findings/interface-down-0123/fix"),
            (HttpMethod.Post, "/api/diagnoses/AAAAAAAAAAAAAAAAAAAAAA/fix"),
        };
        foreach (var (method, url) in calls)
        {
            var detail = await Lab.Problem(client, method, url, HttpStatusCode.Forbidden);
            Assert.Contains("--lab", detail, StringComparison.Ordinal);
            Assert.Contains("Dashboard:AllowChanges=true", detail, StringComparison.Ordinal);
        }
        Assert.Empty(Lab.Namespaces(prefix));

        // What a page asks first: nothing may change, and how to turn it on (200, so a page never needs a 403).
        var capabilities = await client.GetFromJsonAsync("/api/capabilities", Shared.WireJsonContext.Default.Capabilities);
        Assert.NotNull(capabilities);
        Assert.Null(capabilities.Changes);
        Assert.Null(capabilities.LabPrefix);
        Assert.Contains("--lab", capabilities.HowToEnable, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(factory.DataDirectory, "lab")));

        using var anonymous = factory.RawClient();
        using var refused = await anonymous.PostAsync("/api/lab/scenarios/seed-pair", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
