using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailAppliance.Dkim;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.Inbound;

/// <summary>
/// The seed's last step with real peers on the test internet: a Postfix "outside sender" delivers mail signed by its
/// domain (dkimpy) through the MX records to the relay; the catch-all of our domain forwards it to a second domain's MX
/// (aiosmtpd, standing in for Gmail). The outside mailbox's tools then judge the copy: dkimpy verifies the original
/// signature, dkimpy's arc_verify our ARC set, pyspf the SRS envelope sender for our IPv4 and IPv6 addresses. Bounces to
/// the SRS address go back to the original sender; forged SRS addresses and DMARC p=reject failures are refused.
/// </summary>
public sealed class ForwardingEndToEndTests(ForwardingWorld world) : IClassFixture<ForwardingWorld>
{
    private const string Outside = ForwardingWorld.Outside;
    private const string Strict = ForwardingWorld.Strict;
    private const string Ours = ForwardingWorld.Ours;
    private const string OurHost = ForwardingWorld.OurHost;
    private const string Mailbox = ForwardingWorld.Mailbox;

    private static DkimPrivateKey OutsideKey => ForwardingWorld.OutsideKey.Value;

    private TestInternet Net => world.Net;

    private RelayProcess Relay => world.Relay;

    private static string Script(string concern, string name) => ForwardingWorld.Script(concern, name);

    [NetFact]
    public async Task Catch_all_mail_from_postfix_reaches_the_outside_mailbox_with_dkim_arc_and_spf_passing()
    {
        world.Gmail!.Clear();
        byte[] signed = await DkimpySignAsync("catchall", OriginalMessage("catchall", "anything@" + Ours));

        await SubmitToPostfixAsync("alice@" + Outside, "anything@" + Ours, signed);

        var copy = Assert.Single(await WaitForCopyAsync());
        Assert.Equal([Mailbox], copy.Recipients);
        Assert.Matches(new Regex("^SRS0=[^=]+=[^=]+=" + Regex.Escape(Outside) + "=alice@" + Regex.Escape(Ours) + "$"), copy.Sender);
        Assert.Contains(copy.Peer, new[] { Net.RootIPv4.ToString(), Net.RootIPv6.ToString() });

        // Byte-exact: what Postfix delivered to us (its Received on top of the signed message) ends the copy unchanged.
        Assert.Equal(signed, copy.Data[^signed.Length..]);
        string header = copy.Text[..copy.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.Contains($"Authentication-Results: {OurHost};", header, StringComparison.Ordinal);
        foreach (string result in new[] { "spf=pass", "dkim=pass", "dmarc=pass" })
        {
            Assert.Contains(result, header, StringComparison.Ordinal);
        }

        Assert.Contains("X-MailAppliance-Forwarded-For: anything@" + Ours, header, StringComparison.Ordinal);

        // The outside mailbox's judgement, from a host that asks the test bind9.
        var judge = await Net.AddHostAsync("fwd-judge");
        string copyPath = Path.Combine(world.Directory, "copy.eml");
        await File.WriteAllBytesAsync(copyPath, copy.Data);
        var dkim = await judge.RunAsync(TestInternet.Python, Script("Inbound", "dkimpy_inbound.py"), "verify", copyPath);
        Assert.True(dkim.Succeeded && dkim.StdOut.StartsWith("pass", StringComparison.Ordinal), "original DKIM: " + dkim);
        var arc = await judge.RunAsync(TestInternet.Python, Script("Arc", "dkimpy_arc.py"), "verify", copyPath);
        Assert.True(arc.Succeeded && arc.StdOut.StartsWith("pass", StringComparison.Ordinal), "ARC: " + arc + "\n" + header);

        string cases = Path.Combine(world.Directory, "spf.json");
        await File.WriteAllTextAsync(cases, JsonSerializer.Serialize(new[]
        {
            new[] { copy.Peer!, copy.Sender, OurHost },
            new[] { Net.RootIPv4.ToString(), copy.Sender, OurHost },
            new[] { Net.RootIPv6.ToString(), copy.Sender, OurHost },
            new[] { judge.IPv4.ToString(), copy.Sender, OurHost },
        }));
        var pyspf = await judge.RunAsync(TestInternet.Python, Script("Spf", "pyspf_check.py"), cases);
        Assert.True(pyspf.Succeeded, pyspf.ToString());
        Assert.Equal(["pass", "pass", "pass", "fail"], JsonSerializer.Deserialize<string?[][]>(pyspf.StdOut)!.Select(r => r[0]));

        string log = await MailLogAsync();
        Assert.Contains(" authenticated id=", log, StringComparison.Ordinal);
        Assert.Matches(new Regex(@" forwarded .*alias=anything@" + Regex.Escape(Ours)), log);
    }

    [NetFact]
    public async Task A_bounce_to_the_srs_address_reaches_the_original_sender_and_a_forged_one_is_refused()
    {
        world.Gmail!.Clear();
        world.Origin!.Clear();
        byte[] signed = await DkimpySignAsync("bounce", OriginalMessage("bounce", "bounce-me@" + Ours));
        await SubmitToPostfixAsync("alice@" + Outside, "bounce-me@" + Ours, signed);
        var copy = Assert.Single(await WaitForCopyAsync());
        string srs = copy.Sender;

        // The outside mailbox bounces: a DSN from <> to the SRS address, sent to our MX like any bounce.
        var hash = srs.Split('=')[1];
        string forged = srs.Replace("=" + hash + "=", "=" + (hash == "AAAA" ? "BBBB" : "AAAA") + "=", StringComparison.Ordinal);
        await using (var gmail = await RawSmtpClient.ConnectAsync(Net.RootIPv4, Relay.MxPort))
        {
            await gmail.ExpectAsync("EHLO mx.fwd-gmail.test", 250);
            await gmail.ExpectAsync("MAIL FROM:<>", 250);
            var refused = await gmail.CommandAsync($"RCPT TO:<{forged}>");
            Assert.Equal((550, "5.1.1"), (refused.Code, refused.Enhanced));
            await gmail.ExpectAsync($"RCPT TO:<{srs}>", 250);
            var accepted = await gmail.DataAsync(
                $"From: Mail Delivery Subsystem <mailer-daemon@fwd-gmail.test>\r\nTo: {srs}\r\nSubject: Delivery Status Notification (Failure)\r\n" +
                "Message-ID: <dsn-1@fwd-gmail.test>\r\nDate: Sat, 28 Nov 2026 00:00:00 +0000\r\n\r\nThe mailbox is full.\r\n");
            Assert.Equal(250, accepted.Code);
        }

        var bounce = Assert.Single(await world.Origin!.WaitForMessagesAsync(1, TimeSpan.FromSeconds(90)));
        Assert.Equal(["alice@" + Outside], bounce.Recipients);
        Assert.Equal(string.Empty, bounce.Sender);
        Assert.Contains("The mailbox is full.", bounce.Text, StringComparison.Ordinal);
    }

    [NetFact]
    public async Task A_message_failing_dmarc_of_a_p_reject_domain_is_refused_at_the_end_of_data()
    {
        world.Gmail!.Clear();
        // Postfix's address is not in fwd-strict.test's SPF and the message is not signed: DMARC fails.
        string message = $"From: Boss <boss@{Strict}>\r\nTo: anything@{Ours}\r\nSubject: wire the money\r\n" +
            $"Message-ID: <spoof@{Strict}>\r\nDate: Sat, 28 Nov 2026 00:00:00 +0000\r\n\r\nNow.\r\n";
        await SubmitToPostfixAsync("boss@" + Strict, "anything@" + Ours, Encoding.ASCII.GetBytes(message));

        string log = await WaitForAsync(() => world.Postfix!.Log, l => l.Contains("status=bounced", StringComparison.Ordinal), "Postfix to give up");
        Assert.Contains("550 5.7.1", log, StringComparison.Ordinal);
        Assert.Contains("DMARC reject policy", log, StringComparison.Ordinal);
        string mailLog = await MailLogAsync();
        Assert.Matches(new Regex(@" rejected reason=dmarc"), mailLog);
        Assert.Empty(world.Gmail!.Messages);
    }

    /// <summary>Waits for the forwarded copy; a timeout names what Postfix and the relay logged.</summary>
    private async Task<IReadOnlyList<ReceivedMessage>> WaitForCopyAsync()
    {
        try
        {
            return await world.Gmail!.WaitForMessagesAsync(1, TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException e)
        {
            string log = File.Exists(Path.Combine(Relay.State, "log", "mail.log")) ? await MailLogAsync() : "(no mail log)";
            throw new TimeoutException($"{e.Message}\n--- postfix ---\n{world.Postfix!.Log}\n--- mail.log ---\n{log}\n--- relay ---\n{Relay.Output}", e);
        }
    }

    private async Task SubmitToPostfixAsync(string sender, string recipient, byte[] message)
    {
        await using var client = await RawSmtpClient.ConnectAsync(world.Postfix!.Host.IPv4, 25);
        await client.ExpectAsync("EHLO test-client.test", 250);
        await client.ExpectAsync($"MAIL FROM:<{sender}>", 250);
        await client.ExpectAsync($"RCPT TO:<{recipient}>", 250);
        var reply = await client.DataAsync(Encoding.ASCII.GetString(message));
        Assert.True(reply.Code == 250, "Postfix refused the submission: " + reply);
    }

    private async Task<string> MailLogAsync() => await File.ReadAllTextAsync(Path.Combine(Relay.State, "log", "mail.log"));

    private static async Task<string> WaitForAsync(Func<string> read, Func<string, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            string text = read();
            if (done(text))
            {
                return text;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}:\n{text}");
            }

            await Task.Delay(200);
        }
    }

    private static string OriginalMessage(string id, string to) =>
        $"From: Alice <alice@{Outside}>\r\nTo: {to}\r\nSubject: forwarded {id}\r\n" +
        $"Date: Sat, 28 Nov 2026 00:00:00 +0000\r\nMessage-ID: <{id}@{Outside}>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\nsigned by dkimpy, relayed by Postfix, forwarded byte for byte.\r\n";

    /// <summary>Signs as the outside domain's own signer would, with dkimpy.</summary>
    private async Task<byte[]> DkimpySignAsync(string name, string message)
    {
        string messagePath = Path.Combine(world.Directory, name + ".eml");
        string keyPath = Path.Combine(world.Directory, name + ".pem");
        string output = messagePath + ".signed";
        await File.WriteAllTextAsync(messagePath, message);
        await File.WriteAllTextAsync(keyPath, OutsideKey.ExportPkcs8Pem());
        var (exitCode, _, stderr) = await Repo.RunAsync("/bin/sh",
            ["-c", "\"$0\" \"$1\" sign \"$2\" \"$3\" \"$4\" \"$5\" > \"$6\"", TestInternet.Python, Script("Inbound", "dkimpy_inbound.py"),
             messagePath, "s2026", Outside, keyPath, output]);
        Assert.True(exitCode == 0, "dkimpy sign failed: " + stderr);
        return await File.ReadAllBytesAsync(output);
    }
}

/// <summary>
/// The world of <see cref="ForwardingEndToEndTests"/>, built once for the class: its own test internet, the relay with
/// our domain's catch-all, the Postfix outside sender, the outside domain's MX and the "Gmail" MX.
/// </summary>
public sealed class ForwardingWorld : IAsyncLifetime
{
    public const string Outside = "fwd-sender.test";
    public const string Strict = "fwd-strict.test";
    public const string Ours = "fwd-ours.test";
    public const string OurHost = "mx.fwd-ours.test";
    public const string Mailbox = "someone@fwd-gmail.test";

    public static readonly Lazy<DkimPrivateKey> OutsideKey = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));

    private TestInternet? _net;
    private RelayProcess? _relay;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mailappliance-forwarding-").FullName;

    public TestInternet Net => _net ?? throw new InvalidOperationException("the test internet is unavailable: " + TestInternet.Unavailable);

    public RelayProcess Relay => _relay ?? throw new InvalidOperationException("the relay did not start");

    public SmtpSink? Gmail { get; private set; }

    public SmtpSink? Origin { get; private set; }

    public PostfixMx? Postfix { get; private set; }

    public static string Script(string concern, string name) => Path.Combine(Repo.Root, "tests", "MailAppliance.IntegrationTests", concern, name);

    public async Task InitializeAsync()
    {
        if (TestInternet.Unavailable is not null)
        {
            return;
        }

        _net = await TestInternet.StartAsync();

        Gmail = await Net.AddSmtpSinkAsync("fwd-gmail");
        Origin = await Net.AddSmtpSinkAsync("fwd-origin");
        var setup = new RelaySetup { Hostname = OurHost }.WithDomain(Ours).WithAlias(Ours, "*: " + Mailbox).DeliveringThrough(Net.Dns.Servers);
        _relay = await RelayProcess.CreateAsync(setup);

        // The MX listens where the outside world reaches it: the test process's addresses on the test LAN.
        _relay.Setup.Settings["Smtp__Listeners__mx__Addresses"] = $"127.0.0.1, ::1, {Net.RootIPv4}, {Net.RootIPv6}";
        string keys = Path.Combine(_relay.DomainDirectory(Ours), DkimKeyDirectory.DirectoryName);
        DkimKeyGenerator.CreateKeyFile(keys, Ours, "arc1", DkimKeyType.Rsa).Dispose();
        string ourKeyRecord;
        using (var key = DkimKeyDirectory.Load(keys, Ours).Single())
        {
            ourKeyRecord = key.Record().ToZoneFileLine(key.Selector, key.Domain);
        }

        await Net.Dns.SetZoneAsync(Ours,
            "@ MX 10 mx\n" +
            $"mx A {Net.RootIPv4}\nmx AAAA {Net.RootIPv6}\n" +
            $"@ TXT \"v=spf1 ip4:{Net.RootIPv4} ip6:{Net.RootIPv6} -all\"\n" +
            ourKeyRecord + "\n");
        await Net.Dns.SetZoneAsync("fwd-gmail.test", "@ MX 10 mx\n" + Gmail.Host.AddressRecords("mx"));

        // The outside sender: Postfix relays for the test process, finds our MX through DNS and uses our listener's port.
        Postfix = await Net.AddPostfixAsync("fwd-postfix", new PostfixOptions
        {
            Domains = ["fwd-postfix-local.test"],
            ExtraMainCf =
            [
                $"mynetworks = 127.0.0.0/8 {Net.RootIPv4}/32 [{Net.RootIPv6}]/128",
                // Without brackets the next hop is still found through the MX records of fwd-ours.test (transport(5)).
                $"transport_maps = inline:{{{Ours}=smtp:{Ours}:{_relay.MxPort}}}",
                "smtp_tls_security_level = may",
            ],
        });
        var key2 = new DkimSigningKey(Outside, "s2026", OutsideKey.Value);
        await Net.Dns.SetZoneAsync(Outside,
            $"@ TXT \"v=spf1 ip4:{Postfix.Host.IPv4} ip6:{Postfix.Host.IPv6} -all\"\n" +
            "_dmarc TXT \"v=DMARC1; p=reject\"\n" +
            "@ MX 10 mx\n" + Origin.Host.AddressRecords("mx") +
            key2.Record().ToZoneFileLine(key2.Selector, key2.Domain) + "\n");
        await Net.Dns.SetZoneAsync(Strict, "@ TXT \"v=spf1 -all\"\n_dmarc TXT \"v=DMARC1; p=reject\"\n");
        await _relay.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        if (Postfix is not null)
        {
            await Postfix.StopAsync();
        }

        if (_net is not null)
        {
            await _net.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
