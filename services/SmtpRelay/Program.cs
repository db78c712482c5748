using MailAppliance.Core;
using MailAppliance.SmtpRelay;

try
{
    var builder = WebApplication.CreateSlimBuilder(args);
    var directories = builder.AddApplianceService(args, urlsKey: "SmtpRelay:AdminUrls", defaultUrls: "http://127.0.0.1:8025");
    builder.AddSmtpRelay(directories);

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.LogApplianceDirectories();
    app.UseSmtpRelay();
    app.Run();
    return 0;
}
catch (Exception e) when (e is ConfigurationFileException or StartupException)
{
    // Something the operator must fix (a broken users file, a port in use): one clear line, no stack trace.
    Console.Error.WriteLine($"SmtpRelay: cannot start: {e.Message}");
    return 78; // EX_CONFIG
}
