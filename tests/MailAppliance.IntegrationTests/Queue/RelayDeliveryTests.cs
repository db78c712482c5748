using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailAppliance.Dkim;
using MailAppliance.IntegrationTests.Dkim;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Network;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailAppliance.IntegrationTests.Queue;

/// <summary>
/// The whole outbound path with real peers: a client submits with AUTH on 587, the relay's queue resolves the MX
/// through bind9 on the test internet and delivers to aiosmtpd sinks in their own namespaces over IPv4 and IPv6.
/// Bounces come back as DSNs into the sender's local Maildir, where the test reads them.
/// </summary>
public sealed class RelayDeliveryTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>, IAsyncLifetime
{
    private const string Sender = "alice@example.test";
    private const string Password = "delivery-password";
    private readonly List<RelayProcess> _relays = [];
    private readonly Dictionary<string, string> _dkimZone = new(StringComparer.Ordinal);

    private TestInternet Net => fixture.Net;

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 disposes test classes through IAsyncLifetime (not IAsyncDisposable): every relay a test started stops here.
    public async Task DisposeAsync()
    {
        foreach (var relay in _relays)
        {
            await relay.DisposeAsync();
        }
    }

    [NetFact]
    public async Task A_submitted_message_reaches_the_mx_with_rsa_and_ed25519_signatures_that_dkimpy_and_opendkim_verify()
    {
        var sink = await Net.AddSmtpSinkAsync("q-sign-mx");
        await Net.Dns.SetZoneAsync("sign.test", "@ MX 10 mx\n" + sink.Host.AddressRecords("mx"));
        var relay = await StartRelayAsync(withKeys: true);

        await SubmitAsync(relay, "bob@sign.test", "Signed and delivered");

        var received = Assert.Single(await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(Sender, received.Sender);
        Assert.Equal(["bob@sign.test"], received.Recipients);
        Assert.Contains("a=rsa-sha256", received.Text, StringComparison.Ordinal);
        Assert.Contains("a=ed25519-sha256", received.Text, StringComparison.Ordinal);
        string scratch = Directory.CreateTempSubdirectory("mailappliance-delivered-").FullName;
        var (message, zone) = DkimVerifierTools.Write(scratch, "delivered", received.Data, _dkimZone);
        var dkimpy = await DkimVerifierTools.DkimpyVerifyAsync(message, zone);
        Assert.True(dkimpy.ExitCode == 0, dkimpy.ToString());
        Assert.Equal("pass pass", dkimpy.StdOut.Trim());
        var opendkim = await DkimVerifierTools.OpenDkimVerifyAsync(message, zone);
        Assert.True(opendkim.ExitCode == 0, opendkim.ToString());

        // Delivered means gone from the queue, and the mail log says where it went.
        await WaitUntilAsync(() => !Directory.EnumerateFiles(relay.Queue, "*.msg").Any(), "the queue to empty");
        string log = await File.ReadAllTextAsync(Path.Combine(relay.State, "log", "mail.log"));
        Assert.Contains("delivered", log, StringComparison.Ordinal);
        Assert.Contains("mx.sign.test", log, StringComparison.Ordinal);
    }

    [NetFact]
    public async Task When_the_first_mx_refuses_connections_the_second_receives()
    {
        var dead = await Net.AddHostAsync("q-fb-dead"); // a host with nothing listening: connection refused
        var sink = await Net.AddSmtpSinkAsync("q-fb-mx2");
        await Net.Dns.SetZoneAsync("fallback.test", "@ MX 10 mx1\n@ MX 20 mx2\n" + dead.AddressRecords("mx1") + sink.Host.AddressRecords("mx2"));
        var relay = await StartRelayAsync();

        await SubmitAsync(relay, "bob@fallback.test", "Fallback");

        var received = Assert.Single(await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(["bob@fallback.test"], received.Recipients);
    }

    [NetFact]
    public async Task IPv6_only_and_IPv4_only_destinations_are_both_reached_over_their_family()
    {
        var sink = await Net.AddSmtpSinkAsync("q-fam-mx");
        await Net.Dns.SetZoneAsync("v6only.test", $"@ MX 10 mx\nmx AAAA {sink.Host.IPv6}\n");
        await Net.Dns.SetZoneAsync("v4only.test", $"@ MX 10 mx\nmx A {sink.Host.IPv4}\n");
        var relay = await StartRelayAsync();

        await SubmitAsync(relay, ["six@v6only.test", "four@v4only.test"], "Both families");

        var received = await sink.WaitForMessagesAsync(2, TimeSpan.FromSeconds(60));
        Assert.Equal(Net.RootIPv6.ToString(), Assert.Single(received, m => m.Recipients.Contains("six@v6only.test")).Peer);
        Assert.Equal(Net.RootIPv4.ToString(), Assert.Single(received, m => m.Recipients.Contains("four@v4only.test")).Peer);
    }

    [NetFact]
    public async Task A_null_mx_domain_bounces_at_once_with_a_dsn_to_the_sender()
    {
        await Net.Dns.SetZoneAsync("nullmx.test", "@ MX 0 .\n");
        var relay = await StartRelayAsync();

        await SubmitAsync(relay, "nobody@nullmx.test", "To a domain that takes no mail");

        var dsn = await WaitForDsnAsync(relay);
        var status = DeliveryStatus(dsn);
        Assert.Contains("Final-Recipient: rfc822; nobody@nullmx.test", status, StringComparison.Ordinal);
        Assert.Contains("Action: failed", status, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.2", status, StringComparison.Ordinal);
        Assert.Equal(1, dsn.Attempts); // no retry for a null MX
    }

    [NetFact]
    public async Task A_message_deferred_with_4xx_is_retried_and_delivered_once_the_server_recovers()
    {
        var sink = await Net.AddSmtpSinkAsync("q-retry-mx", new SmtpSinkOptions { Behavior = new SinkBehavior { Rcpt = "451 4.7.1 greylisted, come back later" } });
        await Net.Dns.SetZoneAsync("retry.test", "@ MX 10 mx\n" + sink.Host.AddressRecords("mx"));
        var relay = await StartRelayAsync();

        await SubmitAsync(relay, "bob@retry.test", "Greylisted at first");
        await WaitUntilAsync(() => sink.Transcript.Split('\n').Count(l => l.Contains("451 4.7.1", StringComparison.Ordinal)) >= 2, "two deferred attempts");
        Assert.Empty(sink.Messages);
        await sink.SetBehaviorAsync(SinkBehavior.AcceptAll);

        var received = Assert.Single(await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(["bob@retry.test"], received.Recipients);
        await WaitUntilAsync(() => !Directory.EnumerateFiles(relay.Queue, "*.msg").Any(), "the queue to empty");
        Assert.Single(sink.Messages);
        Assert.Empty(Dsns(relay));
    }

    [NetFact]
    public async Task A_550_for_one_of_two_recipients_bounces_that_one_and_delivers_the_other()
    {
        var sink = await Net.AddSmtpSinkAsync("q-split-mx", new SmtpSinkOptions
        {
            Behavior = new SinkBehavior { RcptByAddress = { ["gone@split.test"] = "550 5.1.1 no such mailbox here" } },
        });
        await Net.Dns.SetZoneAsync("split.test", "@ MX 10 mx\n" + sink.Host.AddressRecords("mx"));
        var relay = await StartRelayAsync();

        await SubmitAsync(relay, ["here@split.test", "gone@split.test"], "One of two");

        var received = Assert.Single(await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(["here@split.test"], received.Recipients);
        var dsn = await WaitForDsnAsync(relay);
        string status = DeliveryStatus(dsn);
        Assert.Contains("Final-Recipient: rfc822; gone@split.test", status, StringComparison.Ordinal);
        Assert.DoesNotContain("here@split.test", status, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", status, StringComparison.Ordinal);
        Assert.Contains("Remote-MTA: dns; mx.split.test", status, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 no such mailbox here", status, StringComparison.Ordinal);
        Assert.Equal(Sender, dsn.Message.To.Mailboxes.Single().Address);
        Assert.Contains("Subject: One of two", dsn.Message.ToString(), StringComparison.Ordinal); // the original headers
    }

    [NetFact]
    public async Task Messages_queued_before_a_restart_are_delivered_after_it_and_none_twice()
    {
        var sink = await Net.AddSmtpSinkAsync("q-restart-mx", new SmtpSinkOptions { Behavior = new SinkBehavior { Connect = "421 4.3.2 not now" } });
        await Net.Dns.SetZoneAsync("restart.test", "@ MX 10 mx\n" + sink.Host.AddressRecords("mx"));
        var relay = await StartRelayAsync();
        for (int i = 0; i < 3; i++)
        {
            await SubmitAsync(relay, $"bob{i}@restart.test", $"Queued {i}");
        }

        await WaitUntilAsync(() => Directory.EnumerateFiles(relay.Queue, "*.state").Count() == 3, "three deferred messages");
        Assert.Equal(0, await relay.StopAsync());
        await sink.SetBehaviorAsync(SinkBehavior.AcceptAll);
        await relay.StartAsync();

        var received = await sink.WaitForMessagesAsync(3, TimeSpan.FromSeconds(60));
        await WaitUntilAsync(() => !Directory.EnumerateFiles(relay.Queue, "*.msg").Any(), "the queue to empty");
        await Task.Delay(TimeSpan.FromSeconds(3)); // any duplicate would arrive now
        Assert.Equal(3, sink.Messages.Count);
        Assert.Equal(3, sink.Messages.Select(m => m.Header("Message-ID")).Distinct().Count());
    }

    [NetFact]
    public async Task With_an_mta_sts_enforce_policy_a_certificate_that_does_not_match_is_not_delivered_to_and_the_failure_is_reported()
    {
        string scratch = Directory.CreateTempSubdirectory("mailappliance-sts-").FullName;
        using var ca = CreateCa();
        // The MX presents a certificate for another name: valid chain, wrong host.
        using var wrong = Issue(ca, "not-the-mx.sts.test");
        WritePem(scratch, "mx", wrong);
        var sink = await Net.AddSmtpSinkAsync("q-sts-mx", new SmtpSinkOptions
        {
            CertificatePath = Path.Combine(scratch, "mx.crt"), KeyPath = Path.Combine(scratch, "mx.key"),
        });
        using var web = Issue(ca, "mta-sts.sts.test");
        WritePem(scratch, "web", web);
        await File.WriteAllTextAsync(Path.Combine(scratch, "mta-sts.txt"), "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 86400\r\n");
        var webHost = await Net.AddHostAsync("q-sts-web");
        await using var server = webHost.Start(TestInternet.Python, Path.Combine(Repo.Root, "tests", "scripts", "netns", "https_file_server.py"),
            Path.Combine(scratch, "web.crt"), Path.Combine(scratch, "web.key"), Path.Combine(scratch, "mta-sts.txt"));
        await Net.Dns.SetZoneAsync("sts.test", "@ MX 10 mx\n" + sink.Host.AddressRecords("mx") + webHost.AddressRecords("mta-sts")
            + "_mta-sts TXT \"v=STSv1; id=20261127\"\n");
        await File.WriteAllTextAsync(Path.Combine(scratch, "ca.pem"), ca.ExportCertificatePem());

        var relay = await StartRelayAsync(settings: new() { ["Delivery__TrustedRootsFile"] = Path.Combine(scratch, "ca.pem") });
        string id = await SubmitAsync(relay, "bob@sts.test", "Only over verified TLS");

        var state = await WaitForStateAsync(relay, id, s => s.GetProperty("recipients")[0].GetProperty("attempts").GetInt32() >= 1);
        var recipient = state.GetProperty("recipients")[0];
        Assert.Equal("Pending", recipient.GetProperty("status").GetString());
        string result = recipient.GetProperty("lastResult").GetString()!;
        Assert.Contains("did not verify", result, StringComparison.Ordinal);
        Assert.Contains("TLS policy", result, StringComparison.Ordinal);
        Assert.Empty(sink.Messages);
        string log = await File.ReadAllTextAsync(Path.Combine(relay.State, "log", "mail.log"));
        Assert.Contains("deferred", log, StringComparison.Ordinal);
        Assert.Contains("did not verify", log, StringComparison.Ordinal);
        Directory.Delete(scratch, recursive: true);
    }

    private async Task<RelayProcess> StartRelayAsync(bool withKeys = false, Dictionary<string, string>? settings = null)
    {
        var setup = new RelaySetup().WithUser(Sender, Password).DeliveringThrough(Net.Dns.Servers);
        setup.Settings["Delivery__ConnectTimeout"] = "00:00:05";
        setup.Settings["Delivery__GreetingTimeout"] = "00:00:15";
        foreach (var (key, value) in settings ?? [])
        {
            setup.Settings[key] = value;
        }

        var relay = await RelayProcess.CreateAsync(setup);
        _relays.Add(relay);
        if (withKeys)
        {
            string keys = Path.Combine(relay.DomainDirectory("example.test"), DkimKeyDirectory.DirectoryName);
            DkimKeyGenerator.CreateKeyFile(keys, "example.test", "r1", DkimKeyType.Rsa).Dispose();
            DkimKeyGenerator.CreateKeyFile(keys, "example.test", "e1", DkimKeyType.Ed25519).Dispose();
            foreach (var key in DkimKeyDirectory.Load(keys, "example.test"))
            {
                using (key)
                {
                    _dkimZone[$"{key.Selector}._domainkey.example.test"] = key.Record().ToString();
                }
            }
        }

        await relay.StartAsync();
        return relay;
    }

    private static Task<string> SubmitAsync(RelayProcess relay, string recipient, string subject) => SubmitAsync(relay, [recipient], subject);

    private static async Task<string> SubmitAsync(RelayProcess relay, string[] recipients, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Sender));
        foreach (string recipient in recipients)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello,\n\n.a line starting with a dot\nand ünïcödé.\n" };
        using var client = new SmtpClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", relay.SubmissionPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(Sender, Password);
        string response = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
        return SpoolFiles.QueueIdIn(response);
    }

    private sealed record Dsn(MimeMessage Message, int Attempts);

    private static IEnumerable<string> Dsns(RelayProcess relay)
    {
        string maildir = Path.Combine(relay.State, "mailboxes", "example.test", "alice", "new");
        return Directory.Exists(maildir) ? Directory.EnumerateFiles(maildir) : [];
    }

    /// <summary>Waits for the DSN in the sender's Maildir and reads how many attempts the queue had made.</summary>
    private static async Task<Dsn> WaitForDsnAsync(RelayProcess relay)
    {
        await WaitUntilAsync(() => Dsns(relay).Any(), "a DSN in the sender's mailbox");
        var message = await MimeMessage.LoadAsync(Dsns(relay).First());
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.IsType<MultipartReport>(message.Body);
        string log = await File.ReadAllTextAsync(Path.Combine(relay.State, "log", "mail.log"));
        int attempts = log.Split('\n').Count(l => l.Contains(" bounced ", StringComparison.Ordinal) || l.Contains(" deferred ", StringComparison.Ordinal));
        return new Dsn(message, attempts);
    }

    private static string DeliveryStatus(Dsn dsn)
    {
        var part = dsn.Message.BodyParts.OfType<MessageDeliveryStatus>().Single();
        using var text = new MemoryStream();
        (part.Content ?? throw new InvalidOperationException("empty delivery-status part")).DecodeTo(text);
        return System.Text.Encoding.UTF8.GetString(text.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static async Task<JsonElement> WaitForStateAsync(RelayProcess relay, string id, Func<JsonElement, bool> condition)
    {
        JsonElement state = default;
        await WaitUntilAsync(() =>
        {
            using var response = relay.Admin.GetAsync($"admin/queue/{id}").GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            state = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.GetProperty("state").Clone();
            return condition(state);
        }, $"the queue state of {id}");
        return state;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what} after {seconds} s");
            }

            await Task.Delay(200);
        }
    }

    private static X509Certificate2 CreateCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=MailAppliance test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + hostname, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static void WritePem(string directory, string name, X509Certificate2 certificate)
    {
        File.WriteAllText(Path.Combine(directory, name + ".crt"), certificate.ExportCertificatePem() + "\n");
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no ECDSA key");
        File.WriteAllText(Path.Combine(directory, name + ".key"), key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
