using Dashboard.Server;

var builder = WebApplication.CreateBuilder(ServerDefaults.Options(args));
ServerDefaults.ApplyDefaultUrl(builder);
builder.WebHost.UseStaticWebAssets();
builder.AddDashboard();

var app = builder.Build();
app.UseDashboard();
app.Run();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
