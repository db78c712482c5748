using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MailAppliance.MailCtl.Cli;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailAppliance.MailCtl.Commands;

/// <summary>
/// <c>mailctl send --server HOST:PORT --user U --to ADDRESS</c>: a test message through submission, as a mail client
/// sends it, with a short transcript of what an operator checks: TLS, the certificate, AUTH, the queue id.
/// </summary>
public sealed partial class SendCommand : ICommandGroup
{
    /// <summary>The environment variable a script can give the password in (not visible in the process list).</summary>
    public const string PasswordVariable = "MAILCTL_PASSWORD";

    private const string ServerOption = "--server";
    private const string UserOption = "--user";
    private const string ToOption = "--to";
    private const string FromOption = "--from";
    private const string ImplicitTlsFlag = "--implicit-tls";
    private const string InsecureFlag = "--insecure";
    private const string Usage =
        "usage: mailctl send --server HOST:PORT --user U [--password P] --to ADDRESS [--from ADDR] [--implicit-tls] [--insecure]";

    /// <inheritdoc />
    public string Name => "send";

    /// <inheritdoc />
    public string Summary => "send a test message through submission (587 STARTTLS or 465 implicit TLS) and show TLS, AUTH and the queue id";

    /// <inheritdoc />
    public string Help =>
        Usage + "\n\n" +
        "Connects as a mail client does: STARTTLS (RFC 3207) unless --implicit-tls (RFC 8314 §3.3, port 465), then\n" +
        "AUTH, then one short message from --from (default: the --user address) to --to. Prints the TLS version and\n" +
        "cipher, the server certificate (subject, issuer, expiry, whether it verified), the AUTH result and the queue\n" +
        "id of the relay's 250 reply. The certificate must verify unless --insecure (e.g. a self-signed one).\n" +
        $"The password comes from --password, else {PasswordVariable}, else the terminal or one line of standard input.\n" +
        "Exit 1 on any failure, with the reason (connection refused, TLS, authentication, rejected).\n";

    /// <inheritdoc />
    public async Task<int> RunAsync(CommandContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        if (arguments.Any(CommandGroup.IsHelpOption))
        {
            context.Console.Output.Write(Help);
            return ExitCode.Ok;
        }

        var parsed = ArgumentParser.Parse(arguments, [ServerOption, UserOption, PasswordInput.Option, ToOption, FromOption], [ImplicitTlsFlag, InsecureFlag]);
        if (parsed.Positional.Count != 0)
        {
            throw new UsageException(Usage);
        }

        var (host, port) = ParseServer(parsed.Option(ServerOption) ?? throw new UsageException(Usage));
        string user = parsed.Option(UserOption) ?? throw new UsageException(Usage);
        var to = AddressArgument.Account(parsed.Option(ToOption) ?? throw new UsageException(Usage));
        var from = AddressArgument.Account(parsed.Option(FromOption) ?? user);
        string password = parsed.Option(PasswordInput.Option)
            ?? Environment.GetEnvironmentVariable(PasswordVariable)
            ?? PasswordInput.ReadExisting(context, parsed);
        bool implicitTls = parsed.Options.ContainsKey(ImplicitTlsFlag);
        bool insecure = parsed.Options.ContainsKey(InsecureFlag);

        var certificate = new CertificateSeen();
        using var client = new SmtpClient { Timeout = 30_000 };
        client.ServerCertificateValidationCallback = (_, cert, _, errors) =>
        {
            certificate.Record(cert, errors);
            return errors == SslPolicyErrors.None || insecure;
        };

        var security = implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
        context.WriteLine($"connecting to {host}:{port.ToString(CultureInfo.InvariantCulture)} ({(implicitTls ? "implicit TLS" : "STARTTLS")})");
        try
        {
            await client.ConnectAsync(host, port, security, cancellationToken);
        }
        catch (SocketException e)
        {
            throw new CommandFailedException($"cannot connect to {host}:{port}: {e.Message}");
        }
        catch (Exception e) when (e is SslHandshakeException or System.Security.Authentication.AuthenticationException or IOException)
        {
            PrintCertificate(context, certificate);
            string hint = certificate.Errors is { } errors && errors != SslPolicyErrors.None
                ? $" (certificate: {errors}; --insecure accepts it, e.g. a self-signed certificate)"
                : implicitTls ? string.Empty : " (is this an implicit-TLS port? then use --implicit-tls)";
            throw new CommandFailedException($"TLS failed with {host}:{port}: {FirstLine(e.Message)}{hint}");
        }
        catch (Exception e) when (e is SmtpProtocolException or SmtpCommandException or NotSupportedException)
        {
            throw new CommandFailedException($"{host}:{port} did not set up TLS: {FirstLine(e.Message)}");
        }

        context.WriteLine($"TLS: {client.SslProtocol}, cipher {client.SslCipherSuite?.ToString() ?? "unknown"}");
        PrintCertificate(context, certificate);

        try
        {
            await client.AuthenticateAsync(user, password, cancellationToken);
        }
        catch (MailKit.Security.AuthenticationException e)
        {
            throw new CommandFailedException($"AUTH failed for {user}: {FirstLine(e.Message)}");
        }

        context.WriteLine($"AUTH: ok as {user}");

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from.ToString()));
        message.To.Add(MailboxAddress.Parse(to.ToString()));
        message.Subject = $"mailctl test message from {host}";
        message.Body = new TextPart("plain")
        {
            Text = $"This is a test message sent by mailctl send through {host}:{port} at {DateTimeOffset.UtcNow:u}.\n",
        };

        string reply;
        try
        {
            reply = await client.SendAsync(message, cancellationToken);
        }
        catch (SmtpCommandException e)
        {
            throw new CommandFailedException($"the server refused the message ({(int)e.StatusCode} {e.ErrorCode}): {FirstLine(e.Message)}");
        }

        context.WriteLine($"250 reply: {reply}");
        context.WriteLine(QueuedAs().Match(reply) is { Success: true } match
            ? $"queue id: {match.Groups[1].Value}"
            : "queue id: not in the reply");
        await client.DisconnectAsync(quit: true, cancellationToken);
        return ExitCode.Ok;
    }

    private static (string Host, int Port) ParseServer(string server)
    {
        int colon = server.LastIndexOf(':');
        string host = colon > 0 ? server[..colon].Trim('[', ']') : string.Empty;
        return colon > 0 && host.Length > 0 &&
            int.TryParse(server[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? (host, port)
            : throw new UsageException($"{ServerOption} {server}: give HOST:PORT, e.g. mail.example.com:587");
    }

    private static void PrintCertificate(CommandContext context, CertificateSeen certificate)
    {
        if (certificate.Certificate is not { } cert)
        {
            return;
        }

        context.WriteLine($"certificate: subject {cert.Subject}; issuer {cert.Issuer}; expires {cert.NotAfter.ToUniversalTime():u}");
        context.WriteLine(certificate.Errors == SslPolicyErrors.None
            ? "certificate verified: yes"
            : $"certificate verified: no ({certificate.Errors})");
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    // What the relay answers to the end of DATA: "250 2.0.0 OK queued as ID" (as Postfix does).
    [GeneratedRegex(@"queued as (\S+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QueuedAs();

    /// <summary>The certificate the server showed and what was wrong with it, kept from the validation callback.</summary>
    private sealed class CertificateSeen
    {
        public X509Certificate2? Certificate { get; private set; }

        public SslPolicyErrors? Errors { get; private set; }

        public void Record(X509Certificate? certificate, SslPolicyErrors errors)
        {
            Certificate = certificate is null ? null : new X509Certificate2(certificate);
            Errors = errors;
        }
    }
}
