using Dashboard.Client.Services;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;
using MudBlazor.Services;

var builder = WebAssemblyHostBuilder.CreateDefault(args);
builder.Services.AddMudServices();
builder.Services.AddScoped(_ => new HttpClient { BaseAddress = new Uri(builder.HostEnvironment.BaseAddress) });
builder.Services.AddScoped<DashboardApi>();
builder.Services.AddScoped<DashboardState>();
builder.Services.AddScoped<DiagnoseSelection>();
builder.Services.AddScoped<LabAccess>();
await builder.Build().RunAsync();
