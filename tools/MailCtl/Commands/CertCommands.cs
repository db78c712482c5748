using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailAppliance.Acme;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl cert status</c>: the certificates in <c>config/certs/</c> and CertManager's view of them.</summary>
public sealed class CertCommands : CommandGroup
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <inheritdoc />
    public override string Name => "cert";

    /// <inheritdoc />
    public override string Summary => "show the certificates in config/certs and when CertManager renews them";

    /// <inheritdoc />
    protected override string Description =>
        "Reads config/certs/<name>/fullchain.pem and CertManager's state/acme/<name>.json directly, so it works\n" +
        "whether CertManager runs or not. Next renewal is CertManager's plan (ARI window or a third of the\n" +
        "lifetime left); without its state it is computed from CertManager:RenewBefore.";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("status", "[--json]", "each certificate: names, issuer, serial, expiry, next renewal, last error", StatusAsync)
        {
            MaxArguments = 0, Flags = ["--json"],
        },
    ];

    private static Task<int> StatusAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        double renewBefore = double.TryParse(context.Configuration["CertManager:RenewBefore"], NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction)
            ? fraction
            : RenewalPolicy.Default.RenewBefore;
        var statuses = Read(context.Directories.Certs, context.Directories.Acme, new RenewalPolicy(renewBefore));
        if (arguments.Options.ContainsKey("--json"))
        {
            context.WriteLine(JsonSerializer.Serialize(statuses, Indented));
            return Task.FromResult(ExitCode.Ok);
        }

        if (statuses.Count == 0)
        {
            context.WriteLine($"no certificates in {context.Directories.Certs}; the relay serves its self-signed fallback");
            return Task.FromResult(ExitCode.Ok);
        }

        foreach (var status in statuses)
        {
            context.WriteLine($"{status.Name}:");
            if (status.Problem is not null)
            {
                context.WriteLine($"  problem:      {status.Problem}");
            }

            if (status.Serial is not null)
            {
                context.WriteLine($"  names:        {string.Join(", ", status.Names)}");
                context.WriteLine($"  issuer:       {status.Issuer}{(status.Placeholder ? " (self-signed placeholder)" : string.Empty)}");
                context.WriteLine($"  serial:       {status.Serial}");
                context.WriteLine($"  expires:      {status.NotAfter:u} ({Days(status.NotAfter!.Value)})");
            }

            if (status.NextRenewal is { } next)
            {
                context.WriteLine($"  next renewal: {next:u} ({status.RenewalSource ?? "lifetime"})");
            }

            if (status.LastError is not null)
            {
                context.WriteLine($"  last error:   {status.LastError} ({status.ConsecutiveFailures} failure(s) in a row; next attempt {status.NextAttempt:u})");
            }
        }

        return Task.FromResult(ExitCode.Ok);
    }

    /// <summary>The status of every certificate directory.</summary>
    internal static List<CertificateStatusLine> Read(string certsDirectory, string acmeDirectory, RenewalPolicy policy)
    {
        var lines = new List<CertificateStatusLine>();
        if (!Directory.Exists(certsDirectory))
        {
            return lines;
        }

        foreach (string directory in Directory.EnumerateDirectories(certsDirectory).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(directory);
            var state = CertificateRenewalState.Load(CertificateRenewalState.PathFor(acmeDirectory, name));
            var line = new CertificateStatusLine { Name = name };
            try
            {
                using var leaf = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, "fullchain.pem")));
                var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
                var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
                bool sameAsState = state?.Serial is { } serial && string.Equals(serial, leaf.SerialNumber, StringComparison.OrdinalIgnoreCase);
                line = line with
                {
                    Names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList(),
                    Issuer = leaf.Issuer,
                    Serial = leaf.SerialNumber,
                    NotAfter = notAfter,
                    Placeholder = leaf.Subject.Contains("O=MailAppliance placeholder", StringComparison.Ordinal),
                    NextRenewal = sameAsState && state!.NextRenewal is { } planned ? planned : policy.RenewalTime(notBefore, notAfter),
                    RenewalSource = sameAsState ? state!.RenewalSource : "lifetime",
                };
            }
            catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
            {
                line = line with { Problem = $"fullchain.pem cannot be read: {e.Message}" };
            }

            if (state is not null)
            {
                line = line with
                {
                    LastError = state.LastError,
                    ConsecutiveFailures = state.ConsecutiveFailures,
                    NextAttempt = state.NextAttempt,
                    LastSuccess = state.LastSuccess,
                    RelayConfirmed = state.RelayConfirmed,
                };
            }

            lines.Add(line);
        }

        return lines;
    }

    private static string Days(DateTimeOffset notAfter)
    {
        double days = (notAfter - DateTimeOffset.UtcNow).TotalDays;
        return days >= 0 ? $"in {days.ToString("0.#", CultureInfo.InvariantCulture)} days" : "EXPIRED";
    }
}

/// <summary>One certificate as <c>mailctl cert status</c> reports it.</summary>
public sealed record CertificateStatusLine
{
    /// <summary>Directory name under config/certs.</summary>
    public required string Name { get; init; }

    /// <summary>DNS names of the certificate.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Issuer distinguished name.</summary>
    public string? Issuer { get; init; }

    /// <summary>Hex serial.</summary>
    public string? Serial { get; init; }

    /// <summary>Expiry.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>True for CertManager's self-signed placeholder.</summary>
    public bool Placeholder { get; init; }

    /// <summary>When CertManager renews it.</summary>
    public DateTimeOffset? NextRenewal { get; init; }

    /// <summary><c>ari</c>, <c>lifetime</c> or <c>external</c>.</summary>
    public string? RenewalSource { get; init; }

    /// <summary>When the current certificate was obtained.</summary>
    public DateTimeOffset? LastSuccess { get; init; }

    /// <summary>The last attempt's failure.</summary>
    public string? LastError { get; init; }

    /// <summary>Failures in a row.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Next attempt after a failure.</summary>
    public DateTimeOffset? NextAttempt { get; init; }

    /// <summary>Whether the relay reported serving the serial after the last write.</summary>
    public bool RelayConfirmed { get; init; }

    /// <summary>Why the files cannot be read.</summary>
    public string? Problem { get; init; }
}
