using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using MailAppliance.Dkim;
using MailAppliance.DnsRecords;
using MailAppliance.MailCtl.Cli;
using Microsoft.Extensions.Configuration;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl dns ...</c>: the DNS records a domain needs, generated from the typed records of MailAppliance.DnsRecords.</summary>
public sealed class DnsCommands : CommandGroup
{
    /// <summary>The setting listing the relay's public addresses, comma-separated.</summary>
    public const string PublicAddressesSetting = "Dns:PublicAddresses";

    private const string IpOption = "--ip";
    private const string JsonFlag = "--json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <inheritdoc />
    public override string Name => "dns";

    /// <inheritdoc />
    public override string Summary => "the DNS records to publish for a domain (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, CAA, A/AAAA, PTR)";

    /// <inheritdoc />
    protected override string Description =>
        "The records are printed in zone-file form with a comment each, ready to paste into the domain's zone; then the\n" +
        "MTA-STS policy file to serve over HTTPS, and the PTR records to set at the hosting provider. The public\n" +
        $"addresses come from --ip (comma-separated for several), else the {PublicAddressesSetting} setting, else the\n" +
        "machine's global unicast addresses. The MX target is the Hostname setting; DKIM records come from the\n" +
        "domain's key files (mailctl dkim keygen).";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("records", "DOMAIN [--json] [--ip ADDRESS[,ADDRESS...]]", "the records to publish for the domain", RecordsAsync)
        {
            MinArguments = 1, MaxArguments = 1, ValueOptions = [IpOption], Flags = [JsonFlag],
        },
        DnsCheckCommand.Subcommand,
    ];

    private static Task<int> RecordsAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        string domain = AddressArgument.Domain(arguments.Positional[0]);
        string domainDirectory = context.Directories.Domain(domain);
        if (!Directory.Exists(domainDirectory))
        {
            throw new CommandFailedException($"unknown domain {domain}: there is no {domainDirectory}");
        }

        string hostName = context.Configuration["Hostname"] is { Length: > 0 } configured
            ? configured.TrimEnd('.').ToLowerInvariant()
            : throw new CommandFailedException(
                $"no Hostname in {context.Directories.SettingsFile}: set it to the relay's public name (the MX target), e.g. \"Hostname\": \"mail.{domain}\"");
        if (!DnsNames.IsHostName(hostName) || !hostName.Contains('.'))
        {
            throw new CommandFailedException($"the Hostname setting '{hostName}' is not a fully qualified host name");
        }

        var notes = new List<string>();
        var addresses = PublicAddresses(context, arguments, notes);

        // A broken key file stops here with the file named (ConfigurationFileException), as it stops the relay.
        var keys = DkimKeyDirectory.Load(DkimKeyDirectory.For(context.Directories, domain), domain);
        ExpectedRecords expected;
        try
        {
            var dkim = keys.Select(k => new DkimSelectorRecord(k.Selector, k.Record())).ToArray();
            if (dkim.Length == 0)
            {
                notes.Add($"no DKIM keys for {domain}: its mail is not signed; make one with: mailctl dkim keygen {domain}");
            }

            expected = ExpectedRecords.For(domain, hostName, addresses, dkim);
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }

        if (arguments.Options.ContainsKey(JsonFlag))
        {
            var json = new JsonObject
            {
                ["domain"] = expected.Domain,
                ["hostname"] = expected.HostName,
                ["records"] = new JsonArray(expected.ZoneRecords.Select(r => (JsonNode?)r.ToJson()).ToArray()),
                ["ptr"] = new JsonArray(expected.ProviderRecords.Select(r => (JsonNode?)r.ToJson()).ToArray()),
                ["mtaSts"] = new JsonObject { ["url"] = expected.MtaStsPolicyUrl, ["policy"] = expected.MtaStsPolicy.ToString() },
                ["notes"] = new JsonArray(notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            };
            context.WriteLine(json.ToJsonString(Indented));
            return Task.FromResult(ExitCode.Ok);
        }

        context.WriteLine($"; DNS records for {domain}, mail relayed by {hostName} ({string.Join(", ", addresses.Select(a => a.ToString()))})");
        foreach (string note in notes)
        {
            context.WriteLine($"; note: {note}");
        }

        foreach (var record in expected.ZoneRecords)
        {
            context.WriteLine(string.Empty);
            context.WriteLine($"; {record.Comment}");
            context.WriteLine(record.ToZoneFileLine());
        }

        context.WriteLine(string.Empty);
        context.WriteLine($"; MTA-STS policy: serve this text as {expected.MtaStsPolicyUrl} (Content-Type: text/plain):");
        foreach (string line in expected.MtaStsPolicy.Lines())
        {
            context.WriteLine($";   {line}");
        }

        context.WriteLine(string.Empty);
        context.WriteLine("; PTR records: set these at your hosting provider (the reverse zones are theirs):");
        foreach (var record in expected.ProviderRecords)
        {
            context.WriteLine($";   {record.ToZoneFileLine()}");
        }

        return Task.FromResult(ExitCode.Ok);
    }

    private static IReadOnlyList<IPAddress> PublicAddresses(CommandContext context, ParsedArguments arguments, List<string> notes)
    {
        if (arguments.Option(IpOption) is string option)
        {
            // The option parser refuses an option given twice, so several addresses are comma-separated.
            return ParseAddresses(option, IpOption, usage: true);
        }

        if (context.Configuration[PublicAddressesSetting] is { Length: > 0 } setting)
        {
            return ParseAddresses(setting, PublicAddressesSetting, usage: false);
        }

        var found = new List<IPAddress>();
        var skipped = new List<string>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up)
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
                {
                    continue;
                }

                if (NotPublic(address) is string reason)
                {
                    skipped.Add($"{address} ({reason})");
                }
                else if (!found.Contains(address))
                {
                    found.Add(address);
                }
            }
        }

        if (found.Count == 0)
        {
            throw new CommandFailedException(
                $"no public address found on this machine's interfaces (skipped: {string.Join(", ", skipped)}); " +
                $"give them with {IpOption} or the {PublicAddressesSetting} setting (e.g. behind NAT)");
        }

        notes.Add($"addresses found on the interfaces: {string.Join(", ", found)}; check they are the ones the internet sees");
        if (skipped.Count > 0)
        {
            notes.Add($"skipped (not public): {string.Join(", ", skipped)}");
        }

        return found;
    }

    private static IPAddress[] ParseAddresses(string text, string source, bool usage)
    {
        var addresses = new List<IPAddress>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPAddress.TryParse(item, out var address) ||
                (address.AddressFamily == AddressFamily.InterNetwork && item.Count(c => c == '.') != 3) || item.Contains('%'))
            {
                string message = $"{source}: '{item}' is not an IPv4 or IPv6 address";
                throw usage ? new UsageException(message) : new CommandFailedException(message);
            }

            if (!addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }

        if (addresses.Count == 0)
        {
            string message = $"{source} names no address";
            throw usage ? new UsageException(message) : new CommandFailedException(message);
        }

        return addresses.ToArray();
    }

    /// <summary>Why an interface address cannot be the one the internet sees, or null when it is global unicast.</summary>
    private static string? NotPublic(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return "loopback";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        byte[] b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return b[0] switch
            {
                10 => "private, RFC 1918",
                172 when b[1] is >= 16 and <= 31 => "private, RFC 1918",
                192 when b[1] == 168 => "private, RFC 1918",
                169 when b[1] == 254 => "link-local, RFC 3927",
                100 when b[1] is >= 64 and <= 127 => "shared address space, RFC 6598",
                0 => "unspecified",
                _ => null,
            };
        }

        if (address.IsIPv6LinkLocal)
        {
            return "link-local, RFC 4291 §2.5.6";
        }

        if (address.IsIPv6SiteLocal)
        {
            return "site-local, deprecated";
        }

        if (address.IsIPv6UniqueLocal)
        {
            return "unique local, RFC 4193";
        }

        // RFC 4291 §2.4: global unicast is 2000::/3.
        return (b[0] & 0xe0) == 0x20 ? null : "not global unicast, RFC 4291 §2.4";
    }
}
