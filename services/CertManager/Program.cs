using MailAppliance.CertManager;

var builder = WebApplication.CreateBuilder(args);
builder.AddApplianceService(args, urlsKey: "CertManager:Urls", defaultUrls: "http://127.0.0.1:8026");
builder.AddCertManager();

var app = builder.Build();
app.MapDefaultEndpoints();
app.LogApplianceDirectories();

app.Run();
