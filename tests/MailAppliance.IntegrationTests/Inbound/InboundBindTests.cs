using System.Text;
using System.Text.Json;
using MailAppliance.Dkim;
using MailAppliance.Inbound;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Network;
using MailAppliance.Srs;

namespace MailAppliance.IntegrationTests.Inbound;

/// <summary>
/// The inbound verdict and the forwarding preparation on the test internet: bind9 serves SPF, DKIM keys and DMARC
/// records of an outside domain whose mail dkimpy signed, and our own domain's SPF and ARC key. The forwarded copy is
/// then judged by the outside world's tools, run in a test host against the same bind9: pyspf for the SRS sender from
/// our IPv4 and IPv6 addresses, dkimpy's arc_verify for our ARC set, dkimpy's verify for the original signature.
/// </summary>
public sealed class InboundBindTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>, IDisposable
{
    private const string Outside = "inbound-sender.test";
    private const string OurDomain = "inbound-ours.test";
    private const string OurHost = "mx.inbound-ours.test";

    private static readonly Lazy<DkimPrivateKey> OutsideKey = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));
    // Shared across tests and never disposed: a DkimSigningKey over them is not disposed either.
    private static readonly Lazy<DkimPrivateKey> OurKey = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));

    private readonly string directory = Directory.CreateTempSubdirectory("mailappliance-inbound-").FullName;

    private TestInternet Net => fixture.Net;

    private static string Script(string concern, string name) => Path.Combine(Repo.Root, "tests", "MailAppliance.IntegrationTests", concern, name);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [NetFact]
    public async Task A_dkimpy_signed_message_passes_and_a_failing_one_under_p_reject_is_refused()
    {
        var sender = await Net.AddHostAsync("inb-sender");
        var spoofer = await Net.AddHostAsync("inb-spoofer");
        await PublishOutsideAsync(sender, "p=reject");
        var authenticator = InboundAuthenticator.Create(Net.Dns.CreateResolver(), new InboundOptions { AuthservId = OurHost });
        byte[] signed = await DkimpySignAsync("pass", OriginalMessage("pass"));

        var passing = await authenticator.AuthenticateAsync(new InboundEnvelope(sender.IPv4, "mail." + Outside, "bounce@" + Outside), signed);

        Assert.True(passing.Action == InboundAction.Accept, passing.ToString() + "\n" + passing.AuthenticationResultsField);
        foreach (string expected in new[] { "spf=pass", "dkim=pass", "dmarc=pass", "header.d=" + Outside, "header.from=" + Outside })
        {
            Assert.Contains(expected, passing.AuthenticationResults, StringComparison.Ordinal);
        }

        // The same signature over a changed body, sent from an address the SPF record does not list: no aligned pass.
        byte[] tampered = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(signed).Replace("Hello Bob", "Hello Eve", StringComparison.Ordinal));
        var failing = await authenticator.AuthenticateAsync(new InboundEnvelope(spoofer.IPv6, "spoofer.example", "bounce@" + Outside), tampered);

        Assert.Equal(InboundAction.Reject, failing.Action);
        Assert.Equal("550 5.7.1", $"{failing.RejectReply!.Code} {failing.RejectReply.EnhancedCode}");
        Assert.Contains("spf=fail", failing.AuthenticationResults, StringComparison.Ordinal);
        Assert.Contains("dkim=fail", failing.AuthenticationResults, StringComparison.Ordinal);
        Assert.Contains("dmarc=fail", failing.AuthenticationResults, StringComparison.Ordinal);
    }

    [NetFact]
    public async Task A_forwarded_copy_passes_pyspf_arc_verify_and_keeps_the_original_dkim_signature()
    {
        var sender = await Net.AddHostAsync("inb-origin");
        var ours = await Net.AddHostAsync("inb-mx");
        var stranger = await Net.AddHostAsync("inb-other");
        await PublishOutsideAsync(sender, "p=reject");
        var ourKey = new DkimSigningKey(OurDomain, "arc2026", OurKey.Value);
        await Net.Dns.SetZoneAsync(OurDomain,
            $"@ IN TXT \"v=spf1 ip4:{ours.IPv4} ip6:{ours.IPv6} -all\"\n" + ours.AddressRecords("mx") +
            ourKey.Record().ToZoneFileLine(ourKey.Selector, ourKey.Domain) + "\n");
        var dns = Net.Dns.CreateResolver();
        var options = new InboundOptions { AuthservId = OurHost };
        var authenticator = InboundAuthenticator.Create(dns, options);
        var time = new MovableTime(DateTimeOffset.UtcNow);
        var forwarder = new Forwarder(new SrsRewriter(SrsSecrets.FromLines(["inbound integration secret"]), null, time), options);
        byte[] received = await DkimpySignAsync("forward", OriginalMessage("forward"));

        var verdict = await authenticator.AuthenticateAsync(new InboundEnvelope(sender.IPv4, "mail." + Outside, "alice@" + Outside), received);
        Assert.Equal(InboundAction.Accept, verdict.Action);
        byte[] stored = verdict.Apply(received);
        Assert.False(forwarder.CheckLoop(stored, "catchall@" + OurDomain).IsLoop);
        var copy = forwarder.Prepare("alice@" + Outside, OurDomain, "catchall@" + OurDomain, stored, verdict.Arc,
                                     verdict.AuthenticationResults, [ourKey]);
        byte[] forwarded = copy.Apply(stored);

        Assert.True(copy.Sealed, copy.ToString());
        Assert.Equal(1, copy.ArcInstance);
        Assert.StartsWith("SRS0=", copy.EnvelopeSender, StringComparison.Ordinal);
        Assert.Equal(received, forwarded[^received.Length..]);
        Assert.Equal(LoopStatus.AlreadyForwarded, forwarder.CheckLoop(forwarded, "catchall@" + OurDomain).Status);

        // The outside mailbox's view, from a host whose resolver is the test bind9.
        string casesPath = Path.Combine(directory, "spf-cases.json");
        await File.WriteAllTextAsync(casesPath, JsonSerializer.Serialize(new[]
        {
            new[] { ours.IPv4.ToString(), copy.EnvelopeSender, OurHost },
            new[] { ours.IPv6.ToString(), copy.EnvelopeSender, OurHost },
            new[] { stranger.IPv4.ToString(), copy.EnvelopeSender, OurHost },
        }));
        var pyspf = await stranger.RunAsync(TestInternet.Python, Script("Spf", "pyspf_check.py"), casesPath);
        Assert.True(pyspf.Succeeded, pyspf.ToString());
        var spf = JsonSerializer.Deserialize<string?[][]>(pyspf.StdOut)!;
        Assert.Equal(["pass", "pass", "fail"], spf.Select(r => r[0]));

        string forwardedPath = Path.Combine(directory, "forwarded.eml");
        await File.WriteAllBytesAsync(forwardedPath, forwarded);
        var arc = await stranger.RunAsync(TestInternet.Python, Script("Arc", "dkimpy_arc.py"), "verify", forwardedPath);
        Assert.True(arc.Succeeded && arc.StdOut.StartsWith("pass", StringComparison.Ordinal), arc + "\n--- named ---\n" + Net.Dns.Log);
        var dkim = await stranger.RunAsync(TestInternet.Python, Script("Inbound", "dkimpy_inbound.py"), "verify", forwardedPath);
        Assert.True(dkim.Succeeded && dkim.StdOut.StartsWith("pass", StringComparison.Ordinal), dkim.ToString());

        // A bounce to the SRS sender goes back to the original sender; a forged or expired one is refused.
        var bounce = forwarder.ReverseBounce(copy.EnvelopeSender);
        Assert.Equal(("alice@" + Outside), bounce.OriginalAddress);
        var forged = forwarder.ReverseBounce(copy.EnvelopeSender.Replace("SRS0=", "SRS0=x", StringComparison.Ordinal));
        Assert.Equal((SrsReverseStatus.Forged, 550), (forged.Status, forged.Reply!.Code));
        time.Now = time.Now.AddDays(60);
        var expired = forwarder.ReverseBounce(copy.EnvelopeSender);
        Assert.Equal((SrsReverseStatus.Expired, "5.1.1"), (expired.Status, expired.Reply!.EnhancedCode));
    }

    private async Task PublishOutsideAsync(NetHost sender, string policy)
    {
        var key = new DkimSigningKey(Outside, "s2026", OutsideKey.Value);
        await Net.Dns.SetZoneAsync(Outside,
            $"@ IN TXT \"v=spf1 ip4:{sender.IPv4} ip6:{sender.IPv6} -all\"\n" +
            $"_dmarc IN TXT \"v=DMARC1; {policy}\"\n" +
            sender.AddressRecords("mail") +
            key.Record().ToZoneFileLine(key.Selector, key.Domain) + "\n");
    }

    private static string OriginalMessage(string id) =>
        $"From: Alice <alice@{Outside}>\r\nTo: catchall@{OurDomain}\r\nSubject: inbound {id}\r\n" +
        $"Date: Sat, 28 Nov 2026 00:00:00 +0000\r\nMessage-ID: <{id}@{Outside}>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello Bob,\r\n\r\nsigned by dkimpy,  forwarded byte for byte.  \r\n";

    /// <summary>Signs as the outside domain's own MTA would, with dkimpy.</summary>
    private async Task<byte[]> DkimpySignAsync(string name, string message)
    {
        string messagePath = Path.Combine(directory, name + ".eml");
        string keyPath = Path.Combine(directory, name + ".pem");
        string output = messagePath + ".signed";
        await File.WriteAllTextAsync(messagePath, message);
        await File.WriteAllTextAsync(keyPath, OutsideKey.Value.ExportPkcs8Pem());
        var (exitCode, _, stderr) = await Repo.RunAsync("/bin/sh",
            ["-c", "\"$0\" \"$1\" sign \"$2\" \"$3\" \"$4\" \"$5\" > \"$6\"", TestInternet.Python, Script("Inbound", "dkimpy_inbound.py"),
             messagePath, "s2026", Outside, keyPath, output]);
        Assert.True(exitCode == 0, "dkimpy sign failed: " + stderr);
        return await File.ReadAllBytesAsync(output);
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
