using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailAppliance.Dns;
using MailAppliance.IntegrationTests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace MailAppliance.IntegrationTests.Network;

/// <summary>The test internet itself: hosts, addresses, DNS inside hosts, SMTP peers reached over IPv4 and IPv6.</summary>
public sealed class TestInternetTests(TestInternetFixture fixture, ITestOutputHelper output) : IClassFixture<TestInternetFixture>
{
    private TestInternet Net => fixture.Net;

    private static MimeMessage Message(string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.test"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello from the test process.\r\n" };
        return message;
    }

    private static async Task SendAsync(IPAddress address, MimeMessage message)
    {
        using var client = new SmtpClient { LocalDomain = "client.example.test", Timeout = 30_000 };
        await client.ConnectAsync(address.ToString(), 25, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }

    [NetFact]
    public async Task TheSinkReceivesOverIPv4AndIPv6()
    {
        var sink = await Net.AddSmtpSinkAsync("sink1");
        sink.Clear();

        await SendAsync(sink.Host.IPv4, Message("alice@dest.test", "over IPv4"));
        await SendAsync(sink.Host.IPv6, Message("bob@dest.test", "over IPv6"));

        var messages = await sink.WaitForMessagesAsync(2);
        Assert.Equal("sender@example.test", messages[0].Sender);
        Assert.Equal(["alice@dest.test"], messages[0].Recipients);
        Assert.Equal("over IPv4", messages[0].Header("Subject"));
        Assert.Equal(Net.RootIPv4.ToString(), messages[0].Peer);
        Assert.Equal("client.example.test", messages[0].Helo);
        Assert.Equal(["bob@dest.test"], messages[1].Recipients);
        Assert.Equal(Net.RootIPv6.ToString(), messages[1].Peer);
    }

    [NetFact]
    public async Task TheSinkKeepsTheMessageByteExact()
    {
        var sink = await Net.AddSmtpSinkAsync("sink1");
        sink.Clear();
        string content = "Subject: exact\r\nX-Odd:   spaces\tand tab  \r\n\r\n.leading dot\r\nlast line";

        await using (var smtp = await RawSmtpClient.ConnectAsync(sink.Host.IPv4, 25))
        {
            await smtp.ExpectAsync("EHLO client.example.test", 250);
            await smtp.ExpectAsync("MAIL FROM:<>", 250);
            await smtp.ExpectAsync("RCPT TO:<postmaster@dest.test>", 250);
            Assert.Equal(250, (await smtp.DataAsync(content)).Code);
        }

        var message = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Equal(string.Empty, message.Sender);
        Assert.Equal(Encoding.ASCII.GetBytes(content + "\r\n"), message.Data);
    }

    [NetFact]
    public async Task TheSinkAnswersAsScripted()
    {
        var sink = await Net.AddSmtpSinkAsync("sink2", new SmtpSinkOptions
        {
            Behavior = new SinkBehavior { RcptByAddress = { ["nobody@dest.test"] = "550 5.1.1 no such user" }, Data = "451 4.3.0 try again later" },
        });
        sink.Clear();

        await using (var smtp = await RawSmtpClient.ConnectAsync(sink.Host.IPv6, 25))
        {
            await smtp.ExpectAsync("EHLO client.example.test", 250);
            await smtp.ExpectAsync("MAIL FROM:<a@example.test>", 250);
            var refused = await smtp.CommandAsync("RCPT TO:<nobody@dest.test>");
            Assert.Equal((550, "5.1.1"), (refused.Code, refused.Enhanced));
            await smtp.ExpectAsync("RCPT TO:<somebody@dest.test>", 250);
            Assert.Equal(451, (await smtp.DataAsync("Subject: x\r\n\r\nbody")).Code);
        }

        Assert.Empty(sink.Messages);
        Assert.Contains("RCPT nobody@dest.test -> 550 5.1.1 no such user", sink.Transcript, StringComparison.Ordinal);

        await sink.SetBehaviorAsync(new SinkBehavior { Connect = "421 4.3.2 too busy" });
        await using (var smtp = await RawSmtpClient.ConnectAsync(sink.Host.IPv4, 25))
        {
            Assert.Equal(421, smtp.Greeting.Code);
        }

        await sink.SetBehaviorAsync(SinkBehavior.AcceptAll);
        await SendAsync(sink.Host.IPv4, Message("x@dest.test", "accepted again"));
        Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.True(sink.Connections >= 3);
    }

    [NetFact]
    public async Task AStoppedPeerRefusesConnectionsAndAHostWithoutAListenerToo()
    {
        var sink = await Net.AddSmtpSinkAsync("sink3");
        await sink.StopAsync();
        var refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(sink.Host.IPv4));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(sink.Host.IPv6));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        await sink.StartAsync();
        await ConnectAsync(sink.Host.IPv4);

        var empty = await Net.AddHostAsync("empty");
        Assert.Equal(SocketError.ConnectionRefused, (await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(empty.IPv4))).SocketErrorCode);
    }

    [NetFact]
    public async Task AHostWithItsLinkDownIsUnreachable()
    {
        var down = await Net.AddHostAsync("down");
        await down.SetLinkAsync(false);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(down.IPv4, 25, cts.Token);
            });
        }
        finally
        {
            await down.SetLinkAsync(true);
        }
    }

    [NetFact]
    public async Task PostfixReceivesOverIPv4AndIPv6()
    {
        var postfix = await Net.AddPostfixAsync("pfmx", new PostfixOptions { Domains = ["dest.test", "other.test"] });

        await SendAsync(postfix.Host.IPv4, Message("carol@dest.test", "to Postfix over IPv4"));
        await SendAsync(postfix.Host.IPv6, Message("dave@other.test", "to Postfix over IPv6"));

        var messages = await postfix.WaitForMessagesAsync(2);
        var v4 = Assert.Single(messages, m => m.Header("Subject") == "to Postfix over IPv4");
        Assert.Equal(["carol@dest.test"], v4.Recipients);
        Assert.Equal("sender@example.test", v4.Sender);
        Assert.Contains(Net.RootIPv4.ToString(), v4.Header("Received"), StringComparison.Ordinal);
        var v6 = Assert.Single(messages, m => m.Header("Subject") == "to Postfix over IPv6");
        Assert.Equal(["dave@other.test"], v6.Recipients);
        Assert.Contains(Net.RootIPv6.ToString(), v6.Header("Received"), StringComparison.OrdinalIgnoreCase);

        // Not one of its domains: Postfix refuses to relay.
        using var client = new SmtpClient { LocalDomain = "client.example.test" };
        await client.ConnectAsync(postfix.Host.IPv4.ToString(), 25, SecureSocketOptions.None);
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("eve@elsewhere.test", "relay?")));
        Assert.Equal(554, (int)e.StatusCode);
    }

    [NetFact]
    public async Task TheMxFoundThroughTheTestDnsReceivesTheMessage()
    {
        var sink = await Net.AddSmtpSinkAsync("mx-primary");
        sink.Clear();
        await Net.Dns.SetZoneAsync("mxroute.test", "@ IN MX 10 mx\n" + sink.Host.AddressRecords("mx"));

        // What the courier will do: MX, then addresses, then connect (IPv6 first).
        var resolver = Net.Dns.CreateResolver();
        var mx = Assert.Single((await resolver.LookupMxAsync("mxroute.test")).Records);
        var addresses = await resolver.LookupAddressesAsync(mx.Host);
        Assert.Equal([sink.Host.IPv6, sink.Host.IPv4], addresses.Records);
        await SendAsync(addresses.Records[0], Message("user@mxroute.test", "found by MX"));

        Assert.Equal(["user@mxroute.test"], Assert.Single(await sink.WaitForMessagesAsync(1)).Recipients);
    }

    [NetFact]
    public async Task ProgramsInAHostResolveThroughTheTestDnsAndReachOtherHosts()
    {
        var sink = await Net.AddSmtpSinkAsync("inner-mx");
        sink.Clear();
        await Net.Dns.SetZoneAsync("inner.test", "@ IN MX 10 mx\n" + sink.Host.AddressRecords("mx"));
        var client = await Net.AddHostAsync("client");

        // No @server: the host's /etc/resolv.conf names the test DNS.
        var dig = await client.RunAsync("dig", "+short", "MX", "inner.test");
        Assert.Equal("10 mx.inner.test.", dig.StdOut.Trim());

        // glibc's resolver in the host finds the MX host by name, and the host reaches the other host directly.
        var swaks = await client.RunAsync("swaks", "--server", "mx.inner.test", "--port", "25", "--to", "someone@inner.test",
            "--from", "client@example.test", "--helo", "client.example.test", "--timeout", "20");
        Assert.True(swaks.Succeeded, swaks.ToString());
        var message = Assert.Single(await sink.WaitForMessagesAsync(1));
        Assert.Contains(message.Peer, new[] { client.IPv4.ToString(), client.IPv6.ToString() });
    }

    [NetFact]
    public async Task ASecondInstanceGetsItsOwnSlotAndLeavesNothingBehind()
    {
        var started = Stopwatch.StartNew();
        var second = await TestInternet.StartAsync();
        output.WriteLine($"a second test internet (bind9 included) started in {started.ElapsedMilliseconds} ms, slot {second.Slot}");
        int slot = second.Slot;
        string prefix = second.Prefix;
        Assert.NotEqual(Net.Slot, slot);
        Assert.NotEqual(Net.RootIPv4, second.RootIPv4);
        await second.AddSmtpSinkAsync("mx");
        await second.DisposeAsync();

        Assert.DoesNotContain(prefix + "-", (await Command.RunAsync("ip", ["netns", "list"])).StdOut, StringComparison.Ordinal);
        Assert.False((await Command.RunAsync("ip", ["link", "show", prefix])).Succeeded);
        Assert.False(Directory.Exists(second.Directory));
        Assert.False(Directory.Exists("/etc/netns/" + prefix + "-mx"));

        // A crashed run's leftovers in a free slot (a namespace with a process in it) are removed when the slot is taken.
        string leftover = prefix + "-leftover";
        await Command.RunCheckedAsync("ip", "netns", "add", leftover);
        var sleeper = HostProcess.Start("ip", ["netns", "exec", leftover, "sleep", "600"]);
        try
        {
            await using var third = await TestInternet.StartAsync();
            if (third.Slot == slot)
            {
                Assert.DoesNotContain(leftover, (await Command.RunAsync("ip", ["netns", "list"])).StdOut, StringComparison.Ordinal);
                await Task.Delay(200);
                Assert.False(sleeper.IsRunning);
            }
        }
        finally
        {
            await sleeper.DisposeAsync();
            await Command.RunAsync("ip", ["netns", "delete", leftover]);
        }
    }

    [NetFact]
    public async Task PeersOfferStartTlsWhenGivenACertificate()
    {
        string dir = Path.Combine(Net.Directory, "tls");
        Directory.CreateDirectory(dir);
        string certPath = Path.Combine(dir, "cert.pem");
        string keyPath = Path.Combine(dir, "key.pem");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=tls-mx.test", key, HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        var sink = await Net.AddSmtpSinkAsync("tls-sink", new SmtpSinkOptions { CertificatePath = certPath, KeyPath = keyPath });
        sink.Clear();
        var postfix = await Net.AddPostfixAsync("tls-postfix", new PostfixOptions { CertificatePath = certPath, KeyPath = keyPath });

        foreach (var address in new[] { sink.Host.IPv6, postfix.Host.IPv4 })
        {
            using var client = new SmtpClient { LocalDomain = "client.example.test", Timeout = 30_000 };
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync(address.ToString(), 25, SecureSocketOptions.StartTls);
            Assert.True(client.IsSecure);
            await client.SendAsync(Message("tls@dest.test", "over STARTTLS"));
            await client.DisconnectAsync(quit: true);
        }

        Assert.True(Assert.Single(await sink.WaitForMessagesAsync(1)).Tls);
        var delivered = Assert.Single(await postfix.WaitForMessagesAsync(1), m => m.Header("Subject") == "over STARTTLS");
        Assert.Contains("ESMTPS", delivered.Header("Received"), StringComparison.Ordinal);
    }

    [NetFact]
    public async Task PostfixCanSendThroughTheTestDnsToAnotherHost()
    {
        // Postfix as the remote sender of inbound tests: it relays for the test process and finds the MX itself.
        var sink = await Net.AddSmtpSinkAsync("inbound-mx");
        sink.Clear();
        await Net.Dns.SetZoneAsync("inbound.test", "@ IN MX 10 mx\n" + sink.Host.AddressRecords("mx"));
        var sender = await Net.AddPostfixAsync("sender-mta", new PostfixOptions
        {
            Domains = ["sender.test"],
            ExtraMainCf = [$"mynetworks = 127.0.0.0/8 {Net.RootIPv4}/32 [{Net.RootIPv6}]/128"],
        });

        await SendAsync(sender.Host.IPv4, Message("someone@inbound.test", "relayed by Postfix"));

        var message = Assert.Single(await sink.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(["someone@inbound.test"], message.Recipients);
        Assert.Contains(message.Peer, new[] { sender.Host.IPv4.ToString(), sender.Host.IPv6.ToString() });
        Assert.Equal("sender-mta.test", message.Helo);
    }

    [NetFact]
    public async Task ASinkCanBeSlowToGreet()
    {
        var sink = await Net.AddSmtpSinkAsync("slow", new SmtpSinkOptions { Behavior = new SinkBehavior { ConnectDelay = TimeSpan.FromSeconds(1.5) } });
        var started = Stopwatch.StartNew();
        await using (var smtp = await RawSmtpClient.ConnectAsync(sink.Host.IPv4, 25))
        {
            Assert.Equal(220, smtp.Greeting.Code);
        }

        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(1.4), $"greeted after {started.Elapsed}");
    }

    private static async Task ConnectAsync(IPAddress address)
    {
        using var tcp = new TcpClient(address.AddressFamily);
        await tcp.ConnectAsync(address, 25);
    }
}
