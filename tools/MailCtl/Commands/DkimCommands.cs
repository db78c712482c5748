using System.Globalization;
using MailAppliance.Dkim;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl dkim ...</c>: the DKIM keys in <c>config/domains/&lt;domain&gt;/dkim/&lt;selector&gt;.pem</c>.</summary>
public sealed class DkimCommands : CommandGroup
{
    private const string SelectorOption = "--selector";
    private const string AlgorithmOption = "--algorithm";
    private const string BitsOption = "--bits";

    /// <inheritdoc />
    public override string Name => "dkim";

    /// <inheritdoc />
    public override string Summary => "make and list DKIM signing keys and their DNS records (domains/<domain>/dkim)";

    /// <inheritdoc />
    protected override string Description =>
        "Every key in domains/<domain>/dkim/ signs the domain's outgoing mail, so RSA and Ed25519 keys can sign side\n" +
        "by side and rotating is: make a key with a new selector, publish its record, wait for DNS, remove the old\n" +
        "file. The records are printed in zone-file form, ready to paste. Keys are written mode 0600; an existing\n" +
        "selector is never overwritten. The default selector is the date and r (RSA) or e (Ed25519): 20250131r.\n" +
        $"RSA keys have {DkimKeyGenerator.DefaultRsaKeySize} bits unless --bits says otherwise (1024 to 4096).";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("keygen", "DOMAIN [--selector S] [--algorithm rsa|ed25519] [--bits N]",
            "make a key (default rsa) and print the TXT record to publish", KeygenAsync)
        {
            MinArguments = 1, MaxArguments = 1, ValueOptions = [SelectorOption, AlgorithmOption, BitsOption],
        },
        new("list", "DOMAIN", "the domain's selectors, their algorithms and the records to publish", ListAsync)
        {
            MinArguments = 1, MaxArguments = 1,
        },
    ];

    private static Task<int> KeygenAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        string domain = AddressArgument.Domain(arguments.Positional[0]);
        var keyType = arguments.Option(AlgorithmOption) switch
        {
            null or "rsa" => DkimKeyType.Rsa,
            "ed25519" => DkimKeyType.Ed25519,
            string other => throw new UsageException($"unknown algorithm '{other}': use rsa or ed25519"),
        };
        int bits = DkimKeyGenerator.DefaultRsaKeySize;
        if (arguments.Option(BitsOption) is string bitsText)
        {
            if (keyType != DkimKeyType.Rsa)
            {
                throw new UsageException("--bits is for rsa keys only (an Ed25519 key has 256 bits)");
            }

            if (!int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out bits) || bits is < 1024 or > 4096)
            {
                throw new UsageException($"--bits {bitsText}: an RSA DKIM key has 1024 to 4096 bits (RFC 8301 §3.2; 2048 recommended)");
            }
        }

        string selector = arguments.Option(SelectorOption) ?? DkimKeyGenerator.DefaultSelector(keyType, DateTimeOffset.UtcNow);
        if (!DkimNames.IsSelector(selector))
        {
            throw new UsageException($"'{selector}' is not a valid selector: dot-separated labels of letters, digits, '-' and '_'");
        }

        string directory = DkimKeyDirectory.For(context.Directories, domain);
        string path = DkimKeyDirectory.KeyFile(directory, selector);
        if (File.Exists(path))
        {
            throw new CommandFailedException(
                $"the selector {selector} of {domain} already has a key ({path}); keys are never overwritten: choose another selector with {SelectorOption}");
        }

        using var key = DkimKeyGenerator.CreateKeyFile(directory, domain, selector, keyType, bits);
        context.WriteLine($"; wrote {path} ({Describe(key)}); publish this record in the {domain} zone:");
        context.WriteLine(key.Record().ToZoneFileLine(selector, domain));
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> ListAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        string domain = AddressArgument.Domain(arguments.Positional[0]);
        string directory = DkimKeyDirectory.For(context.Directories, domain);

        // A broken key file stops here with the file named (ConfigurationFileException), as it stops the relay.
        var keys = DkimKeyDirectory.Load(directory, domain);
        try
        {
            if (keys.Count == 0)
            {
                context.WriteLine($"; no DKIM keys for {domain} in {directory}: its mail is not signed; make one with: mailctl dkim keygen {domain}");
                return Task.FromResult(ExitCode.Ok);
            }

            foreach (var key in keys)
            {
                context.WriteLine($"; {key.Selector}: {Describe(key)}, {DkimKeyDirectory.KeyFile(directory, key.Selector)}");
                context.WriteLine(key.Record().ToZoneFileLine(key.Selector, domain));
            }

            return Task.FromResult(ExitCode.Ok);
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    private static string Describe(DkimSigningKey key) =>
        $"{key.Algorithm.TagValue()}, {key.PrivateKey.KeySize.ToString(CultureInfo.InvariantCulture)} bits";
}
