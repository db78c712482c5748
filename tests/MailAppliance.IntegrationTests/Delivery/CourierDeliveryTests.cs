using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailAppliance.Delivery;
using MailAppliance.IntegrationTests.Network;
using MailAppliance.Spool;

namespace MailAppliance.IntegrationTests.Delivery;

/// <summary>
/// MxResolver and SmtpCourierClient against the test internet: bind9 serving the MX, aiosmtpd sinks on IPv4 and IPv6.
/// </summary>
public sealed class CourierDeliveryTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>
{
    // A leading dot, a lone dot line, 8-bit octets and a long line: all must arrive exactly as given.
    private static readonly byte[] Content = [.. Encoding.UTF8.GetBytes(
        "From: a@src.test\r\nTo: b@dest.test\r\nSubject: courier test\r\n\r\n.starts with a dot\r\n.\r\nh\u00e9llo 8bit\r\n" +
        new string('x', 900) + "\r\nlast line\r\n")];

    private TestInternet Net => fixture.Net;

    private static Envelope Envelope(params string[] recipients) => new()
    {
        Id = "q-courier",
        MailFrom = "a@src.test",
        Recipients = recipients.Select(r => new EnvelopeRecipient { Address = r }).ToArray(),
        ReceivedAt = DateTimeOffset.UtcNow,
        Body = "8BITMIME",
    };

    private static SmtpCourierClient Client(int port = 25) =>
        new(new SmtpCourierOptions { HeloName = "relay.src.test", Port = port, ConnectTimeout = TimeSpan.FromSeconds(10), GreetingTimeout = TimeSpan.FromSeconds(20) });

    private static Task<CourierResult> Deliver(MxTarget target, IPAddress address, Envelope envelope) =>
        Client().DeliverAsync(target.Host, address, envelope, envelope.Recipients, new MemoryStream(Content));

    [NetFact]
    public async Task MxFoundThroughBindReceivesByteExactContentOverIPv4AndIPv6()
    {
        var sink = await Net.AddSmtpSinkAsync("dlv-mx1");
        await sink.SetBehaviorAsync(SinkBehavior.AcceptAll);
        await Net.Dns.SetZoneAsync("dlv.test", "@ MX 10 mx1\n" + sink.Host.AddressRecords("mx1"));
        var resolution = await new MxResolver(Net.Dns.CreateResolver()).ResolveAsync("dlv.test");
        var target = Assert.Single(resolution.Targets);
        Assert.Equal("mx1.dlv.test", target.Host);
        Assert.Equal([sink.Host.IPv6, sink.Host.IPv4], target.Addresses); // IPv6 first by default

        foreach (var address in target.Addresses)
        {
            sink.Clear();
            var result = await Deliver(target, address, Envelope("b@dlv.test"));

            Assert.True(result.AllDelivered, string.Join("; ", result.Recipients) + "\n" + sink.Transcript);
            var message = Assert.Single(await sink.WaitForMessagesAsync(1));
            Assert.Equal(Content, message.Data);
            Assert.Equal("a@src.test", message.Sender);
            Assert.Equal(["b@dlv.test"], message.Recipients);
            Assert.Equal("relay.src.test", message.Helo);
            Assert.Equal(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Net.RootIPv6.ToString() : Net.RootIPv4.ToString(), message.Peer);
            Assert.Equal(250, result.Recipients[0].Reply!.Code);
        }
    }

    [NetFact]
    public async Task EachRecipientGetsItsOwnResult()
    {
        var sink = await Net.AddSmtpSinkAsync("dlv-mx2");
        await sink.SetBehaviorAsync(new SinkBehavior
        {
            RcptByAddress = { ["nobody@dlv2.test"] = "550 5.1.1 no such user", ["busy@dlv2.test"] = "451 4.2.1 mailbox busy" },
        });
        sink.Clear();
        var envelope = Envelope("ok@dlv2.test", "nobody@dlv2.test", "busy@dlv2.test");

        var result = await Client().DeliverAsync("mx2.dlv2.test", sink.Host.IPv4, envelope, envelope.Recipients, new MemoryStream(Content));

        Assert.Equal([DeliveryStatus.Delivered, DeliveryStatus.PermanentFailure, DeliveryStatus.TemporaryFailure], result.Recipients.Select(r => r.Status));
        Assert.Equal("550 5.1.1 no such user", result.Recipients[1].Reply!.ToString());
        Assert.Equal("4.2.1", result.Recipients[2].Reply!.EnhancedCode);
        var message = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Equal(["ok@dlv2.test"], message.Recipients);
        Assert.Equal(Content, message.Data);
    }

    [NetFact]
    public async Task TemporaryRcptReplyIsTemporary()
    {
        var sink = await Net.AddSmtpSinkAsync("dlv-mx3");
        await sink.SetBehaviorAsync(new SinkBehavior { Rcpt = "451 4.3.0 try again later" });
        sink.Clear();
        var envelope = Envelope("x@dlv3.test");

        var result = await Client().DeliverAsync("mx3.dlv3.test", sink.Host.IPv6, envelope, envelope.Recipients, new MemoryStream(Content));

        var recipient = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryStatus.TemporaryFailure, recipient.Status);
        Assert.Equal(451, recipient.Reply!.Code);
        Assert.Empty(sink.Messages);
    }

    [NetFact]
    public async Task PermanentDataReplyFailsTheAcceptedRecipients()
    {
        var sink = await Net.AddSmtpSinkAsync("dlv-mx4");
        await sink.SetBehaviorAsync(new SinkBehavior { Data = "554 5.6.0 message refused" });
        sink.Clear();
        var envelope = Envelope("x@dlv4.test", "y@dlv4.test");

        var result = await Client().DeliverAsync("mx4.dlv4.test", sink.Host.IPv4, envelope, envelope.Recipients, new MemoryStream(Content));

        Assert.All(result.Recipients, r => Assert.Equal(DeliveryStatus.PermanentFailure, r.Status));
        Assert.All(result.Recipients, r => Assert.Equal("5.6.0", r.Reply!.EnhancedCode));
    }

    [NetFact]
    public async Task ClosedPortIsTemporaryForEveryRecipient()
    {
        var host = await Net.AddHostAsync("dlv-down");
        var envelope = Envelope("x@down.test", "y@down.test");

        foreach (var address in new[] { host.IPv4, host.IPv6 })
        {
            var result = await Client().DeliverAsync("down.test", address, envelope, envelope.Recipients, new MemoryStream(Content));

            Assert.True(result.ConnectionFailed);
            Assert.All(result.Recipients, r => Assert.Equal(DeliveryStatus.TemporaryFailure, r.Status));
            Assert.All(result.Recipients, r => Assert.Null(r.Reply));
        }
    }

    [NetFact]
    public async Task TemporaryGreetingIsTemporaryForEveryRecipient()
    {
        var sink = await Net.AddSmtpSinkAsync("dlv-busy");
        await sink.SetBehaviorAsync(new SinkBehavior { Connect = "421 4.3.2 busy" });
        var envelope = Envelope("x@busy.test", "y@busy.test");

        var result = await Client().DeliverAsync("busy.test", sink.Host.IPv4, envelope, envelope.Recipients, new MemoryStream(Content));

        Assert.True(result.ConnectionFailed);
        Assert.All(result.Recipients, r => Assert.Equal(DeliveryStatus.TemporaryFailure, r.Status));
    }

    [NetFact]
    public async Task StartTlsIsUsedWhenOffered()
    {
        string dir = Path.Combine(Net.Directory, "dlv-tls");
        Directory.CreateDirectory(dir);
        string certPath = Path.Combine(dir, "cert.pem");
        string keyPath = Path.Combine(dir, "key.pem");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=mx.tls.test", key, HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        var sink = await Net.AddSmtpSinkAsync("dlv-tls", new SmtpSinkOptions { CertificatePath = certPath, KeyPath = keyPath });
        sink.Clear();
        var envelope = Envelope("x@tls.test");

        var result = await Client().DeliverAsync("mx.tls.test", sink.Host.IPv6, envelope, envelope.Recipients, new MemoryStream(Content));

        Assert.True(result.AllDelivered, string.Join("; ", result.Recipients) + "\n" + sink.Transcript);
        Assert.NotNull(result.Tls);
        Assert.False(result.Tls.CertificateVerified); // self-signed: accepted (opportunistic), recorded as unverified
        Assert.NotNull(result.Tls.CertificateErrors);
        var message = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.True(message.Tls);
        Assert.Equal(Content, message.Data);

        // Requiring a valid certificate turns the self-signed one into a (temporary) connection failure.
        var strict = new SmtpCourierClient(new SmtpCourierOptions { HeloName = "relay.src.test", RequireValidCertificate = true });
        var refused = await strict.DeliverAsync("mx.tls.test", sink.Host.IPv4, envelope, envelope.Recipients, new MemoryStream(Content));
        Assert.Equal(DeliveryStatus.TemporaryFailure, Assert.Single(refused.Recipients).Status);
    }

    [NetFact]
    public async Task NullMxAndNxDomainArePermanentAndBrokenZoneIsTemporary()
    {
        await Net.Dns.SetZoneAsync("nomail-dlv.test", "@ MX 0 .\n@ A 198.51.100.250\n");
        await Net.Dns.SetZoneAsync("broken-dlv.test", "@ MX 10 mx\nmx A 198.51.100.250\n");
        await Net.Dns.BreakZoneAsync("broken-dlv.test");
        var resolver = new MxResolver(Net.Dns.CreateResolver());

        Assert.Equal(MxResolutionStatus.PermanentFailure, (await resolver.ResolveAsync("nomail-dlv.test")).Status);
        Assert.Equal(MxResolutionStatus.PermanentFailure, (await resolver.ResolveAsync("missing-dlv.test")).Status);
        Assert.Equal(MxResolutionStatus.TemporaryFailure, (await resolver.ResolveAsync("broken-dlv.test")).Status);
    }

    [NetFact]
    public async Task SpooledMessageLeavesWithItsPrependedFieldsByteExact()
    {
        var sink = await Net.AddSmtpSinkAsync("dlv-spool");
        await sink.SetBehaviorAsync(SinkBehavior.AcceptAll);
        sink.Clear();
        string dir = Path.Combine(Net.Directory, "dlv-spool-queue");
        byte[] prefix = Encoding.ASCII.GetBytes("Received: from client.src.test by relay.src.test; Fri, 27 Nov 2026 22:00:00 +0000\r\n");
        SpooledMessage spooled;
        using (var store = new SpoolStore(dir))
        {
            await using var writer = store.Create();
            writer.Write(Content);
            await writer.CommitAsync(prefix, Envelope("b@spool.test"));
            spooled = store.Find(writer.Id)!;
        }

        var result = await Client().DeliverAsync("mx.spool.test", sink.Host.IPv4, spooled, spooled.Envelope.Recipients);

        Assert.True(result.AllDelivered, string.Join("; ", result.Recipients) + "\n" + sink.Transcript);
        var message = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Equal([.. prefix, .. Content], message.Data);
        Assert.Contains($"SIZE={prefix.Length + Content.Length}", sink.Transcript, StringComparison.Ordinal);
    }
}
