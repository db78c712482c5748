using System.Text.Json;
using MailAppliance.Dns;
using MailAppliance.DnsCheck;
using MailAppliance.MailCtl.Cli;
using Microsoft.Extensions.Configuration;

namespace MailAppliance.MailCtl.Commands;

/// <summary>
/// <c>mailctl dns check [DOMAIN] [--json] [--ip A,B]</c>: runs the live DNS checks of MailAppliance.DnsCheck once and
/// prints one line per result with its instruction. Exit status 1 when any check is an error (warnings are fine).
/// </summary>
public static class DnsCheckCommand
{
    private const string JsonFlag = "--json";
    private const string IpOption = "--ip";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The subcommand, listed in <see cref="DnsCommands"/>.</summary>
    public static Subcommand Subcommand { get; } = new(
        "check", "[DOMAIN] [--json] [--ip ADDRESS[,ADDRESS...]]",
        "checks the live DNS of the domain (default: every domain) against what the relay needs; exit 1 on any error",
        RunAsync)
    {
        MinArguments = 0, MaxArguments = 1, ValueOptions = [IpOption], Flags = [JsonFlag],
    };

    private static async Task<int> RunAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var options = new DnsCheckOptions();
        context.Configuration.GetSection(DnsCheckOptions.Section).Bind(options);
        var dnsOptions = new DnsOptions();
        context.Configuration.GetSection(DnsOptions.Section).Bind(dnsOptions);

        DnsCheckTarget target;
        try
        {
            string? domain = arguments.Positional.Count > 0 ? AddressArgument.Domain(arguments.Positional[0]) : null;
            var addresses = arguments.Option(IpOption) is string ip ? ParseIp(ip) : null;
            target = DnsCheckTargetLoader.Load(context.Directories, context.Configuration, options, domain, addresses);
        }
        catch (DnsCheckConfigurationException e)
        {
            throw new CommandFailedException(e.Message);
        }

        DnsClientResolver resolver;
        try
        {
            resolver = new DnsClientResolver(dnsOptions);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
        {
            throw new CommandFailedException($"the Dns settings are wrong: {e.Message}");
        }

        using var http = new HttpClient(HttpsMtaStsPolicySource.CreateHandler(resolver)) { Timeout = TimeSpan.FromSeconds(15) };
        var checker = new DnsChecker(
            resolver, options, new SpfPassEvaluator(resolver), new HttpsMtaStsPolicySource(http),
            string.IsNullOrWhiteSpace(options.RelayAdminUrl) ? null : new HttpRelayCertificateSource(http, options.RelayAdminUrl));
        var report = await checker.RunAsync(target, cancellationToken);

        if (arguments.Options.ContainsKey(JsonFlag))
        {
            context.WriteLine(report.ToJson().ToJsonString(Indented));
        }
        else
        {
            WriteTable(context, report);
        }

        return report.HasErrors ? ExitCode.Failure : ExitCode.Ok;
    }

    private static void WriteTable(CommandContext context, DnsCheckReport report)
    {
        context.WriteLine($"DNS checks for {string.Join(", ", report.Domains)} relayed by {report.HostName}");
        int idWidth = Math.Max(5, report.Results.Max(r => r.Id.Length)) + 2;
        context.WriteLine($"{"STATUS",-12}{"CHECK".PadRight(idWidth)}SUBJECT: FINDING");
        foreach (var result in report.Results)
        {
            context.WriteLine($"{result.Status.Name(),-12}{result.Id.PadRight(idWidth)}{result.Subject}: {result.Detail}");
            if (result.Instruction is not null)
            {
                context.WriteLine($"{string.Empty,-12}{string.Empty.PadRight(idWidth)}→ {result.Instruction}");
            }
        }

        context.WriteLine(
            $"{report.Count(CheckStatus.Error)} errors, {report.Count(CheckStatus.Warning)} warnings, " +
            $"{report.Count(CheckStatus.Ok)} ok, {report.Count(CheckStatus.NotChecked)} not checked");
    }

    private static IReadOnlyList<System.Net.IPAddress> ParseIp(string text)
    {
        try
        {
            return PublicAddresses.Parse(text, IpOption);
        }
        catch (DnsCheckConfigurationException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
