using MailAppliance.DnsVerifier;

var builder = WebApplication.CreateBuilder(args);
builder.AddApplianceService(args, urlsKey: "DnsVerifier:Urls", defaultUrls: "http://127.0.0.1:8027");
builder.AddDnsVerifier();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDnsCheckEndpoints();
app.LogApplianceDirectories();

app.Run();
