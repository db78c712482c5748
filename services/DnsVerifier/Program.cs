using MailAppliance.DnsVerifier.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddApplicationServices(args);

var app = builder.Build();
app.MapDefaultEndpoints();
app.LogApplianceDirectories();

app.Run();
