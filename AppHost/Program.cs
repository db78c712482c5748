using MailAppliance.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// The three services share state only through the config and state directories (DESIGN.md §1), so all of them
// get the same pair: the development config in dev/config and a git-ignored state directory under .state/.
var appliance = ApplianceSettings.Bind(builder);

// Readiness path every service maps through ServiceDefaults' MapDefaultEndpoints.
const string HealthPath = "/health";

// The relay: SMTP listeners it binds itself (not proxied: SPF and per-IP limits need the real client address),
// plus its admin HTTP endpoint, which carries /health.
builder.AddProject<Projects.SmtpRelay>("smtprelay")
    .WithApplianceDirectories(appliance)
    .WithSmtpListener("mx", appliance.MxPort, appliance.SmtpAddresses)
    .WithSmtpListener("submission", appliance.SubmissionPort, appliance.SmtpAddresses)
    .WithSmtpListener("submissions", appliance.SubmissionsPort, appliance.SmtpAddresses)
    .WithHttpEndpoint()
    .WithHttpHealthCheck(HealthPath);

// CertManager does not wait for the relay, nor the relay for CertManager: the relay serves its self-signed
// fallback until certs/<name>/ appears and picks new files up by itself (it watches them); the reload signal
// CertManager sends is only a shortcut, so a relay that is not up yet misses nothing.
builder.AddProject<Projects.CertManager>("certmanager")
    .WithApplianceDirectories(appliance)
    .WithHttpEndpoint()
    .WithHttpHealthCheck(HealthPath);

// DnsVerifier only reads config and queries DNS: no ordering with the others.
builder.AddProject<Projects.DnsVerifier>("dnsverifier")
    .WithApplianceDirectories(appliance)
    .WithHttpEndpoint()
    .WithHttpHealthCheck(HealthPath);

builder.Build().Run();

