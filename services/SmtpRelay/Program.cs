using MailAppliance.SmtpRelay;

var builder = WebApplication.CreateSlimBuilder(args);
var directories = builder.AddApplianceService(args, urlsKey: "SmtpRelay:AdminUrls", defaultUrls: "http://127.0.0.1:8025");
builder.AddSmtpRelay(directories);

var app = builder.Build();
app.MapDefaultEndpoints();
app.LogApplianceDirectories();
app.UseSmtpRelay();
app.Run();
