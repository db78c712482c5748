using MailAppliance.Dkim;
using MailAppliance.IntegrationTests.Dkim;
using MailAppliance.IntegrationTests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailAppliance.IntegrationTests.Relay;

/// <summary>
/// DKIM signing at submission, end to end: keys made the way an operator makes them, a real client submits on
/// 587, and the spooled message — exactly the bytes that will be delivered — is verified by dkimpy and
/// opendkim-testmsg for both the RSA and the Ed25519 signature.
/// </summary>
public sealed class SubmissionSigningTests : IAsyncLifetime
{
    private const string Password = "signing-password";
    private RelayProcess _relay = null!;
    private readonly Dictionary<string, string> _zone = new(StringComparer.Ordinal);
    private readonly string _scratch = Directory.CreateTempSubdirectory("mailappliance-signing-").FullName;

    public async Task InitializeAsync()
    {
        var setup = new RelaySetup()
            .WithUser("alice@example.test", Password)
            .WithUser("carol@nokeys.test", Password);
        setup.Settings["Smtp__AuthFailureDelay"] = "00:00:00";
        _relay = await RelayProcess.CreateAsync(setup);
        string keys = Path.Combine(_relay.DomainDirectory("example.test"), DkimKeyDirectory.DirectoryName);
        DkimKeyGenerator.CreateKeyFile(keys, "example.test", "r1", DkimKeyType.Rsa).Dispose();
        DkimKeyGenerator.CreateKeyFile(keys, "example.test", "e1", DkimKeyType.Ed25519).Dispose();
        foreach (var key in DkimKeyDirectory.Load(keys, "example.test"))
        {
            using (key)
            {
                _zone[$"{key.Selector}._domainkey.example.test"] = key.Record().ToString();
            }
        }

        await _relay.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _relay.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task A_submission_from_a_local_domain_is_signed_with_rsa_and_ed25519_and_independent_verifiers_pass_both()
    {
        var spooled = await SubmitAsync("alice@example.test", "Alice <alice@example.test>", "Signed at submission");
        string text = SpoolFiles.Text(spooled);
        Assert.Equal(2, CountFields(text, "DKIM-Signature"));
        Assert.Contains("a=rsa-sha256", text, StringComparison.Ordinal);
        Assert.Contains("a=ed25519-sha256", text, StringComparison.Ordinal);

        var (message, zone) = DkimVerifierTools.Write(_scratch, "submission", Bytes(spooled), _zone);
        var dkimpy = await DkimVerifierTools.DkimpyVerifyAsync(message, zone);
        Assert.True(dkimpy.ExitCode == 0, dkimpy.ToString());
        Assert.Equal("pass pass", dkimpy.StdOut.Trim());
        var opendkim = await DkimVerifierTools.OpenDkimVerifyAsync(message, zone);
        Assert.True(opendkim.ExitCode == 0, opendkim.ToString());
    }

    [Fact]
    public async Task The_signature_covers_the_date_and_message_id_the_relay_added()
    {
        var message = NewMessage("Alice <alice@example.test>", "No Date, no Message-ID");
        message.Headers.Remove(HeaderId.Date);
        message.Headers.Remove(HeaderId.MessageId);
        var spooled = await SubmitAsync("alice@example.test", message);
        string text = SpoolFiles.Text(spooled);
        Assert.Equal(1, CountFields(text, "Message-ID"));
        Assert.Equal(1, CountFields(text, "Date"));

        var (path, zone) = DkimVerifierTools.Write(_scratch, "added-fields", Bytes(spooled), _zone);
        var dkimpy = await DkimVerifierTools.DkimpyVerifyAsync(path, zone);
        Assert.True(dkimpy.ExitCode == 0, dkimpy.ToString());

        // Changing a field the relay added must break the signature: it was signed.
        byte[] tampered = System.Text.Encoding.UTF8.GetBytes(text.Replace("Message-ID: <", "Message-ID: <x", StringComparison.Ordinal));
        var (tamperedPath, _) = DkimVerifierTools.Write(_scratch, "tampered", tampered, _zone);
        var broken = await DkimVerifierTools.DkimpyVerifyAsync(tamperedPath, zone);
        Assert.NotEqual(0, broken.ExitCode);
    }

    [Fact]
    public async Task A_from_domain_without_keys_is_not_signed()
    {
        var spooled = await SubmitAsync("carol@nokeys.test", "Carol <carol@nokeys.test>", "No keys here");
        Assert.Equal(0, CountFields(SpoolFiles.Text(spooled), "DKIM-Signature"));
    }

    [Fact]
    public async Task Mail_received_on_port_25_is_not_signed()
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _relay.MxPort, SecureSocketOptions.None);
        string response = await client.SendAsync(NewMessage("Someone <someone@outside.test>", "Inbound"),
            new MailboxAddress(null, "someone@outside.test"), [new MailboxAddress(null, "alice@example.test")]);
        await client.DisconnectAsync(quit: true);
        var spooled = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(response));
        Assert.Equal(0, CountFields(SpoolFiles.Text(spooled), "DKIM-Signature"));
    }

    private Task<MailAppliance.Spool.SpooledMessage> SubmitAsync(string account, string from, string subject) =>
        SubmitAsync(account, NewMessage(from, subject));

    private async Task<MailAppliance.Spool.SpooledMessage> SubmitAsync(string account, MimeMessage message)
    {
        using var client = new SmtpClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", _relay.SubmissionPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(account, Password);
        string response = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
        return SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(response));
    }

    private static MimeMessage NewMessage(string from, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("Bob <bob@outside.test>"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello Bob,\n\n.a line starting with a dot\nand ünïcödé.\n" };
        return message;
    }

    private static byte[] Bytes(MailAppliance.Spool.SpooledMessage spooled)
    {
        using var stream = spooled.OpenMessage();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int CountFields(string message, string name)
    {
        string headers = message[..message.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        return headers.Split("\r\n").Count(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
    }
}
