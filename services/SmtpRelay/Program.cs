using MailAppliance.Core;
using MailAppliance.SmtpRelay;

var directories = ApplianceDirectories.Resolve(args);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddAppliance(directories, args);
builder.AddServiceDefaults();
builder.AddSmtpRelay(directories);

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseSmtpRelay();
app.Run();
