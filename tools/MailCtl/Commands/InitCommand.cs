using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.DnsRecords;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary>
/// <c>mailctl init DOMAIN --hostname HOST [--user NAME]</c>: the first-day set-up. Writes what is missing (settings,
/// the domain, an RSA and an Ed25519 DKIM key, a first account with a random password) and keeps what exists, so
/// running it again never destroys data; then prints the DNS records to publish and the next steps.
/// </summary>
public sealed class InitCommand : ICommandGroup
{
    private const string HostnameOption = "--hostname";
    private const string UserOption = "--user";
    private const string IpOption = "--ip";

    /// <summary>Characters of a generated password: letters and digits without look-alikes (0/O, 1/l/I).</summary>
    private const string PasswordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>Length of a generated password: 20 of 57 symbols is about 116 bits.</summary>
    private const int GeneratedPasswordLength = 20;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <inheritdoc />
    public string Name => "init";

    /// <inheritdoc />
    public string Summary => "first-day set-up: settings, the domain, DKIM keys, a first account, the DNS records to publish";

    /// <inheritdoc />
    public string Help =>
        "usage: mailctl init DOMAIN --hostname HOST [--user NAME] [--ip ADDRESS[,ADDRESS...]]\n\n" +
        "Creates what is missing in the config directory: appliance.json (Hostname, listeners mx 25, submission 587,\n" +
        "submissions 465 on all addresses), domains/DOMAIN, an RSA-2048 and an Ed25519 DKIM key, and the account\n" +
        "NAME@DOMAIN (default postmaster) with a random password that is shown once. Then it prints the DNS records\n" +
        "to publish (as 'mailctl dns records' does; --ip gives the public addresses) and the next steps.\n" +
        "Existing files are never overwritten or merged: an existing appliance.json, keys or account are kept and\n" +
        "named in the output, so running init again is safe.\n";

    /// <inheritdoc />
    public async Task<int> RunAsync(CommandContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        if (arguments.Any(CommandGroup.IsHelpOption))
        {
            context.Console.Output.Write(Help);
            return ExitCode.Ok;
        }

        var parsed = ArgumentParser.Parse(arguments, [HostnameOption, UserOption, IpOption]);
        if (parsed.Positional.Count != 1)
        {
            throw new UsageException("usage: mailctl init DOMAIN --hostname HOST [--user NAME] [--ip ADDRESS[,ADDRESS...]]");
        }

        string domain = AddressArgument.Domain(parsed.Positional[0]);
        string hostName = (parsed.Option(HostnameOption) ?? throw new UsageException($"mailctl init needs {HostnameOption} HOST: the relay's public name, e.g. mail.{domain}"))
            .TrimEnd('.').ToLowerInvariant();
        if (!DnsNames.IsHostName(hostName) || !hostName.Contains('.'))
        {
            throw new UsageException($"{HostnameOption} {hostName}: not a fully qualified host name");
        }

        var account = AddressArgument.Account(SenderAddress(parsed.Option(UserOption), domain));
        if (account.Domain != domain)
        {
            throw new UsageException($"{UserOption} {account}: the first account belongs to {domain}");
        }

        WriteSettings(context, hostName);
        Directory.CreateDirectory(context.Directories.Domain(domain));
        context.WriteLine($"domain directory: {context.Directories.Domain(domain)}");
        MakeKeys(context, domain);
        AddAccount(context, account);

        context.WriteLine(string.Empty);
        context.WriteLine("DNS records to publish:");
        await PrintRecordsAsync(context, domain, parsed.Option(IpOption), cancellationToken);

        context.WriteLine(string.Empty);
        context.WriteLine("Next steps:");
        context.WriteLine($"  1. publish the records above in the {domain} zone and set the PTR records at your provider");
        context.WriteLine($"  2. start the services (SmtpRelay, CertManager, DnsVerifier) with this config directory; open ports 25, 465, 587 (and 80 for ACME)");
        context.WriteLine($"  3. mailctl dns check {domain}    (once DNS has propagated)");
        context.WriteLine($"  4. mailctl send --server {hostName}:587 --user {account} --to YOU@ELSEWHERE    (a test message)");
        context.WriteLine("  5. mailctl status; mailctl config check after every hand edit");
        return ExitCode.Ok;
    }

    private static string SenderAddress(string? option, string domain) => option switch
    {
        null => $"postmaster@{domain}",
        string name when name.Contains('@') => name,
        string name => $"{name}@{domain}",
    };

    private static void WriteSettings(CommandContext context, string hostName)
    {
        string path = context.Directories.SettingsFile;
        if (File.Exists(path))
        {
            // Merge-free on purpose: rewriting a hand-edited file would lose its formatting and anything we do not know.
            context.WriteLine($"kept {path} (it exists; not changed, its Hostname stays as written)");
            return;
        }

        Directory.CreateDirectory(context.Directories.Config);
        var settings = new JsonObject
        {
            ["Hostname"] = hostName,
            ["Smtp"] = new JsonObject
            {
                ["Listeners"] = new JsonObject
                {
                    // RFC 5321 §2.3.5 relay on 25, RFC 6409 §3.1 submission on 587, RFC 8314 §3.3 implicit TLS on 465.
                    ["mx"] = Listener("Mx", 25),
                    ["submission"] = Listener("Submission", 587),
                    ["submissions"] = Listener("ImplicitTls", 465),
                },
            },
            ["SmtpRelay"] = new JsonObject { ["AdminUrls"] = "http://127.0.0.1:8025" },
            ["CertManager"] = new JsonObject { ["Urls"] = "http://127.0.0.1:8026" },
            ["DnsVerifier"] = new JsonObject { ["Urls"] = "http://127.0.0.1:8027" },
        };

        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(settings.ToJsonString(Indented));
            writer.WriteLine();
        }

        context.WriteLine($"wrote {path} (Hostname {hostName}; listeners 25, 587, 465 on all addresses)");
    }

    private static JsonObject Listener(string mode, int port) => new()
    {
        ["Mode"] = mode,
        ["Port"] = port,
        ["Addresses"] = "0.0.0.0, ::",
        ["Enabled"] = true,
    };

    private static void MakeKeys(CommandContext context, string domain)
    {
        string directory = DkimKeyDirectory.For(context.Directories, domain);

        // A broken key file stops init with the file named, as it would stop the relay.
        var existing = DkimKeyDirectory.Load(directory, domain);
        try
        {
            foreach (var keyType in (DkimKeyType[])[DkimKeyType.Rsa, DkimKeyType.Ed25519])
            {
                // RFC 8463 §1 and RFC 8301 §3.2: sign with both, so verifiers that know only RSA still verify.
                var kept = existing.FirstOrDefault(k => k.Algorithm == Algorithm(keyType));
                if (kept is not null)
                {
                    context.WriteLine($"kept DKIM key {DkimKeyDirectory.KeyFile(directory, kept.Selector)} ({kept.Algorithm.TagValue()})");
                    continue;
                }

                string selector = DkimKeyGenerator.DefaultSelector(keyType, DateTimeOffset.UtcNow);
                using var key = DkimKeyGenerator.CreateKeyFile(directory, domain, selector, keyType);
                context.WriteLine($"wrote DKIM key {DkimKeyDirectory.KeyFile(directory, selector)} ({key.Algorithm.TagValue()})");
            }
        }
        finally
        {
            foreach (var key in existing)
            {
                key.Dispose();
            }
        }
    }

    private static DkimAlgorithm Algorithm(DkimKeyType keyType) =>
        keyType == DkimKeyType.Rsa ? DkimAlgorithm.RsaSha256 : DkimAlgorithm.Ed25519Sha256;

    private static void AddAccount(CommandContext context, EmailAddress account)
    {
        var users = AccountFiles.Users(context, account.Domain);
        if (users.Contains(account.LocalPart))
        {
            context.WriteLine($"kept account {account} (it exists; its password is unchanged)");
            return;
        }

        string password = RandomNumberGenerator.GetString(PasswordAlphabet, GeneratedPasswordLength);
        users.Add(account.LocalPart, password);
        users.Save();
        context.WriteLine($"added account {account}");
        context.WriteLine($"password: {password}");
        context.WriteLine("  (shown only this once: only its hash is stored; change it with mailctl user passwd)");
    }

    private static async Task PrintRecordsAsync(CommandContext context, string domain, string? addresses, CancellationToken cancellationToken)
    {
        string[] records = addresses is null ? ["records", domain] : ["records", domain, IpOption, addresses];
        try
        {
            await new DnsCommands().RunAsync(context, records, cancellationToken);
        }
        catch (Exception e) when (e is CommandFailedException or UsageException)
        {
            // The set-up is done; only the records could not be worked out (e.g. no public address on this machine).
            context.WriteLine($"; cannot print the records yet: {e.Message}");
            context.WriteLine($"; run later: mailctl dns records {domain} --ip YOUR.PUBLIC.ADDRESS");
        }
    }
}
