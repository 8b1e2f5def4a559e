using Dashboard.Server;
using Dashboard.Server.Lab;

var builder = WebApplication.CreateBuilder(StartArguments.Expand(args));
builder.WebHost.UseStaticWebAssets();
builder.AddDashboard();

var app = builder.Build();
app.UseDashboard();
app.Run();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
