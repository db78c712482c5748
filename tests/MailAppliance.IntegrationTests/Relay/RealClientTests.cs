using System.Text;
using System.Text.Json;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.Spool;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailAppliance.IntegrationTests.Relay;

/// <summary>A relay with one local domain: a sender account and a catch-all.</summary>
public sealed class RealClientRelay : RelayFixture
{
    public const string Domain = "example.test";
    public const string User = "alice@example.test";
    public const string Password = "secret-password";
    public const string CatchAllTarget = "someone@elsewhere.test";

    protected override RelaySetup CreateSetup() =>
        new RelaySetup().WithUser(User, Password).WithAlias(Domain, "*: " + CatchAllTarget);
}

/// <summary>
/// Real mail clients (swaks, Python's smtplib, msmtp, MailKit) against the running relay, as users would meet it:
/// submission with STARTTLS and AUTH, implicit TLS, plain MX delivery, IPv6 loopback. Each message carries a
/// unique marker and is then found, validated, in the spool with the envelope the session should have recorded.
/// </summary>
public sealed class RealClientTests(RealClientRelay fixture) : IClassFixture<RealClientRelay>
{
    private const string Outside = "bob@outside.test";
    private readonly RelayProcess _relay = fixture.Relay;

    [Fact]
    public async Task Swaks_StartTls_AuthPlain_OnSubmission_IsSpooled()
    {
        string marker = Marker();
        var result = await MailTools.SwaksAsync("127.0.0.1", _relay.SubmissionPort,
            "-tls", "--auth", "PLAIN", "--auth-user", RealClientRelay.User, "--auth-password", RealClientRelay.Password,
            "--from", RealClientRelay.User, "--to", Outside, "--body", marker);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("235 2.7.0", result.Output);
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(result.Output));
        AssertSubmission(message.Envelope, "submission", [Outside], "127.0.0.1");
        AssertContains(message, marker);
    }

    [Fact]
    public async Task Swaks_StartTls_AuthLogin_OnSubmission_IsSpooled()
    {
        string marker = Marker();
        var result = await MailTools.SwaksAsync("127.0.0.1", _relay.SubmissionPort,
            "-tls", "--auth", "LOGIN", "--auth-user", RealClientRelay.User, "--auth-password", RealClientRelay.Password,
            "--from", RealClientRelay.User, "--to", Outside, "--body", marker);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("334 VXNlcm5hbWU6", result.Output); // The LOGIN exchange really took place.
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(result.Output));
        AssertSubmission(message.Envelope, "submission", [Outside], "127.0.0.1");
        AssertContains(message, marker);
    }

    [Fact]
    public async Task Swaks_ImplicitTls_OnSubmissions_IsSpooled()
    {
        string marker = Marker();
        var result = await MailTools.SwaksAsync("127.0.0.1", _relay.SubmissionsPort,
            "--tlsc", "--auth", "PLAIN", "--auth-user", RealClientRelay.User, "--auth-password", RealClientRelay.Password,
            "--from", RealClientRelay.User, "--to", Outside + ",carol@outside.test", "--body", marker);

        Assert.True(result.ExitCode == 0, result.ToString());
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(result.Output));
        AssertSubmission(message.Envelope, "submissions", [Outside, "carol@outside.test"], "127.0.0.1");
        AssertContains(message, marker);
    }

    [Fact]
    public async Task Swaks_Plain_OnMx_ToCatchAll_IsSpooledUnauthenticated()
    {
        string marker = Marker();
        string recipient = "anything-" + marker[..8] + "@" + RealClientRelay.Domain;
        var result = await MailTools.SwaksAsync("127.0.0.1", _relay.MxPort,
            "--from", "sender@remote.test", "--to", recipient, "--body", marker);

        Assert.True(result.ExitCode == 0, result.ToString());
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(result.Output));
        var envelope = message.Envelope;
        Assert.Equal("sender@remote.test", envelope.MailFrom);
        Assert.Equal([recipient], envelope.Recipients.Select(r => r.Address));
        Assert.Null(envelope.AuthenticatedAs);
        Assert.Null(envelope.Tls);
        Assert.Equal("mx", envelope.Listener);
        Assert.Equal("127.0.0.1", envelope.ClientAddress);
        Assert.Equal("client.example.test", envelope.Helo);
        AssertContains(message, marker);
    }

    [Fact]
    public async Task Smtplib_Plain_OverIpv6Loopback_OnMx_RecordsIpv6Client()
    {
        // swaks needs IO::Socket::INET6 (libio-socket-inet6-perl) for IPv6, which tests/run.sh does not install;
        // smtplib and msmtp speak IPv6 out of the box.
        string marker = Marker();
        string recipient = "v6-" + marker[..8] + "@" + RealClientRelay.Domain;
        var result = await MailTools.SmtplibAsync("::1", _relay.MxPort, "plain", null, null, "sender@remote.test", recipient, "v6 " + marker, marker);

        Assert.True(result.ExitCode == 0, result.ToString());
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(ParseSmtplibReply(result).GetProperty("reply").GetString()!));
        Assert.Equal("::1", message.Envelope.ClientAddress);
        Assert.Equal("mx", message.Envelope.Listener);
        Assert.Equal([recipient], message.Envelope.Recipients.Select(r => r.Address));
        Assert.Contains("[::1]", SpoolFiles.Text(message)); // The Received field names the IPv6 client too.
        AssertContains(message, marker);
    }

    [Fact]
    public async Task Msmtp_StartTls_Auth_OverIpv6Loopback_OnSubmission_RecordsIpv6Client()
    {
        string marker = Marker();
        string content = $"From: <{RealClientRelay.User}>\nTo: <{Outside}>\nSubject: msmtp v6 {marker}\n\n{marker}\n";
        var result = await MailTools.MsmtpAsync("::1", _relay.SubmissionPort, RealClientRelay.User, RealClientRelay.Password,
            RealClientRelay.User, Outside, content);

        Assert.True(result.ExitCode == 0, result.ToString());
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(result.Output));
        AssertSubmission(message.Envelope, "submission", [Outside], "::1");
        AssertContains(message, marker);
    }

    [Fact]
    public async Task Smtplib_StartTls_Login_Sendmail_OnSubmission_IsSpooled()
    {
        string marker = Marker();
        var result = await MailTools.SmtplibAsync("127.0.0.1", _relay.SubmissionPort, "starttls", RealClientRelay.User, RealClientRelay.Password,
            RealClientRelay.User, Outside, "smtplib starttls " + marker, marker);

        Assert.True(result.ExitCode == 0, result.ToString());
        var reply = ParseSmtplibReply(result);
        Assert.Equal(250, reply.GetProperty("code").GetInt32());
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(reply.GetProperty("reply").GetString()!));
        AssertSubmission(message.Envelope, "submission", [Outside], "127.0.0.1");
        AssertContains(message, "Subject: smtplib starttls " + marker);
    }

    [Fact]
    public async Task Smtplib_Ssl_OnSubmissions_IsSpooled()
    {
        string marker = Marker();
        var result = await MailTools.SmtplibAsync("127.0.0.1", _relay.SubmissionsPort, "ssl", RealClientRelay.User, RealClientRelay.Password,
            RealClientRelay.User, Outside, "smtplib ssl " + marker, marker);

        Assert.True(result.ExitCode == 0, result.ToString());
        var reply = ParseSmtplibReply(result);
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(reply.GetProperty("reply").GetString()!));
        AssertSubmission(message.Envelope, "submissions", [Outside], "127.0.0.1");
        AssertContains(message, marker);
    }

    [Fact]
    public async Task Msmtp_StartTls_Auth_OnSubmission_IsSpooled()
    {
        string marker = Marker();
        string content = $"From: <{RealClientRelay.User}>\nTo: <{Outside}>\nSubject: msmtp {marker}\n\n{marker}\n";
        var result = await MailTools.MsmtpAsync("127.0.0.1", _relay.SubmissionPort, RealClientRelay.User, RealClientRelay.Password,
            RealClientRelay.User, Outside, content);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("STARTTLS", result.Output);
        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(result.Output));
        AssertSubmission(message.Envelope, "submission", [Outside], "127.0.0.1");
        Assert.Equal("client.example.test", message.Envelope.Helo);
        AssertContains(message, "Subject: msmtp " + marker + "\r\n"); // msmtp sends CRLF line ends.
    }

    [Fact]
    public async Task MailKit_StartTls_Data_OnSubmission_SpoolsTheExactBytes()
    {
        var message = NewMimeMessage("mailkit data");
        var log = new MemoryStream();
        using var client = new SmtpClient(new ProtocolLogger(log, leaveOpen: true));
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", _relay.SubmissionPort, SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking), "CHUNKING should be offered");
        await client.AuthenticateAsync(RealClientRelay.User, RealClientRelay.Password);
        string response = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        string transcript = Encoding.UTF8.GetString(log.ToArray());
        Assert.Contains("C: DATA", transcript);
        var spooled = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(response));
        AssertSubmission(spooled.Envelope, "submission", [Outside], "127.0.0.1");
        AssertSameMessage(message, spooled);
    }

    [Fact]
    public async Task MailKit_SslOnConnect_Bdat_OnSubmissions_SpoolsTheExactBytes()
    {
        var message = NewMimeMessage("mailkit bdat");
        var log = new MemoryStream();
        using var client = new ChunkingSmtpClient(new ProtocolLogger(log, leaveOpen: true));
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", _relay.SubmissionsPort, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(RealClientRelay.User, RealClientRelay.Password);
        string response = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        string transcript = Encoding.UTF8.GetString(log.ToArray());
        Assert.Contains("C: BDAT", transcript);
        Assert.DoesNotContain("C: DATA", transcript);
        var spooled = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(response));
        AssertSubmission(spooled.Envelope, "submissions", [Outside], "127.0.0.1");
        AssertSameMessage(message, spooled);
    }

    [Fact]
    public async Task WrongPassword_Is535_AndNothingIsSpooled()
    {
        string marker = Marker();
        int before = SpoolFiles.Paths(_relay.Queue).Length;
        var result = await MailTools.SwaksAsync("127.0.0.1", _relay.SubmissionPort,
            "-tls", "--auth", "PLAIN", "--auth-user", RealClientRelay.User, "--auth-password", "not-the-password",
            "--from", RealClientRelay.User, "--to", Outside, "--body", marker);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("535 5.7.8", result.Output);
        Assert.DoesNotContain("queued as", result.Output);
        Assert.Empty(SpoolFiles.WithMarker(_relay.Queue, marker));
        Assert.Equal(before, SpoolFiles.Paths(_relay.Queue).Length);

        // The same client with the right password gets through: the refusal was about the password.
        var retry = await MailTools.SwaksAsync("127.0.0.1", _relay.SubmissionPort,
            "-tls", "--auth", "PLAIN", "--auth-user", RealClientRelay.User, "--auth-password", RealClientRelay.Password,
            "--from", RealClientRelay.User, "--to", Outside, "--body", marker);
        Assert.True(retry.ExitCode == 0, retry.ToString());
    }

    internal static string Marker() => "marker-" + Guid.NewGuid().ToString("N");

    private static void AssertSubmission(MailAppliance.Spool.Envelope envelope, string listener, string[] recipients, string client)
    {
        Assert.Equal(RealClientRelay.User, envelope.MailFrom);
        Assert.Equal(recipients, envelope.Recipients.Select(r => r.Address));
        Assert.Equal(RealClientRelay.User, envelope.AuthenticatedAs);
        Assert.NotNull(envelope.Tls);
        Assert.StartsWith("TLSv1.", envelope.Tls);
        Assert.Equal(listener, envelope.Listener);
        Assert.Equal(client, envelope.ClientAddress);
    }

    private static void AssertContains(SpooledMessage message, string text)
    {
        string content = Encoding.UTF8.GetString(SpoolFiles.Content(message));
        Assert.True(content.Contains(text, StringComparison.Ordinal), $"'{text}' is not in the spooled content of {message.Id}:\n{content}");
    }

    private static MimeMessage NewMimeMessage(string subject)
    {
        string marker = Marker();
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(RealClientRelay.User));
        message.To.Add(MailboxAddress.Parse(Outside));
        message.Subject = subject + " " + marker;

        // A line starting with a dot (stuffed on the wire with DATA, not with BDAT) and a long body: both must
        // come out of the spool exactly as MailKit produced them.
        var body = new StringBuilder();
        body.Append(marker).Append("\r\n").Append(".a line that starts with a dot\r\n").Append("..two dots\r\n");
        for (int i = 0; i < 2000; i++)
        {
            body.Append("line ").Append(i).Append(" of a body long enough to need several reads\r\n");
        }

        message.Body = new TextPart("plain") { Text = body.ToString() };
        return message;
    }

    /// <summary>The spooled content is byte for byte what MailKit puts on the wire (before dot-stuffing).</summary>
    private static void AssertSameMessage(MimeMessage sent, SpooledMessage spooled)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var expected = new MemoryStream();
        sent.WriteTo(options, expected);
        byte[] content = SpoolFiles.Content(spooled);

        using var parsed = MimeMessage.Load(new MemoryStream(content));
        Assert.Equal(sent.Subject, parsed.Subject);
        Assert.Equal(sent.TextBody, parsed.TextBody);
        Assert.Equal(sent.MessageId, parsed.MessageId);
        Assert.Equal(Encoding.UTF8.GetString(expected.ToArray()), Encoding.UTF8.GetString(content));
        Assert.Equal(content.Length, spooled.Envelope.Size);
    }

    private static JsonElement ParseSmtplibReply(ToolResult result)
    {
        string line = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;
        try
        {
            return JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException("the smtplib script printed no JSON:\n" + result);
        }
    }

    /// <summary>MailKit uses BDAT only when asked to prefer it (or for binary content) even when CHUNKING is offered.</summary>
    private sealed class ChunkingSmtpClient(IProtocolLogger logger) : SmtpClient(logger)
    {
        protected override bool PreferSendAsBinaryData => true;
    }
}
