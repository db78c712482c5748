using System.Text;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.Inbound;
using MailAppliance.Srs;

namespace MailAppliance.Tests.Inbound;

/// <summary>Forwarding preparation: SRS envelope sender, our ARC set over the byte-exact message, bounce routing and loops.</summary>
public sealed class ForwarderTests
{
    private const string OurDomain = "ours.test";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly Lazy<DkimPrivateKey> RsaKey = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));

    private const string Message =
        "Authentication-Results: mx.ours.test; spf=pass smtp.mailfrom=bounce@sender.test\r\n" +
        "Received: from mail.sender.test by mx.ours.test; Fri, 27 Nov 2026 12:00:00 +0000\r\n" +
        "From: Alice <alice@sender.test>\r\nTo: catchall@ours.test\r\nSubject: forward me\r\n" +
        "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMessage-ID: <fwd@sender.test>\r\n\r\nHello  there.\r\n";

    [Fact]
    public async Task A_forwarded_copy_gets_an_srs0_sender_and_an_arc_set_that_validates_and_keeps_the_original_signature()
    {
        var theirs = new DkimSigningKey("sender.test", "s1", RsaKey.Value);
        var ours = new DkimSigningKey(OurDomain, "arc", RsaKey.Value);
        var locator = Locator(theirs, ours);
        byte[] message = Signed(new DkimSigner([theirs]), Encoding.ASCII.GetBytes(Message));
        var arrival = await new ArcVerifier(locator).VerifyMessageAsync(message);

        var copy = Forwarder().Prepare("bounce@sender.test", OurDomain, "catchall@ours.test", message, arrival,
                                       " mx.ours.test; spf=pass smtp.mailfrom=bounce@sender.test", [ours]);
        byte[] forwarded = copy.Apply(message);

        Assert.Equal(SrsForwardStatus.Rewritten, copy.SenderRewrite);
        Assert.StartsWith("SRS0=", copy.EnvelopeSender, StringComparison.Ordinal);
        Assert.EndsWith("=sender.test=bounce@ours.test", copy.EnvelopeSender, StringComparison.Ordinal);
        Assert.True(copy.Sealed, copy.ToString());
        Assert.Equal(1, copy.ArcInstance);
        Assert.Equal("X-MailAppliance-Forwarded-For: catchall@ours.test\r\n", copy.ForwardedForField);
        Assert.Equal(message, forwarded[^message.Length..]);
        var chain = await new ArcVerifier(locator).VerifyMessageAsync(forwarded);
        Assert.True(chain.Status == ArcChainStatus.Pass, chain.ToString());
        Assert.Equal(1, chain.Instance);
        var dkim = await new DkimVerifier(locator).VerifyMessageAsync(forwarded);
        Assert.Equal(DkimResult.Pass, Assert.Single(dkim).Result);
        Assert.Contains("ARC-Authentication-Results: i=1; mx.ours.test;", Encoding.ASCII.GetString(copy.ArcFields), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_overload_gives_the_same_fields_as_the_memory_one()
    {
        var ours = new DkimSigningKey(OurDomain, "arc", RsaKey.Value);
        byte[] message = Encoding.ASCII.GetBytes(Message);
        var arrival = await new ArcVerifier(Locator(ours)).VerifyMessageAsync(message);

        var fromMemory = Forwarder().Prepare("bounce@sender.test", OurDomain, "a@ours.test", message, arrival, "spf=pass", [ours]);
        using var stream = new MemoryStream(message);
        var fromStream = await Forwarder().PrepareAsync("bounce@sender.test", OurDomain, "a@ours.test", stream, arrival, "spf=pass", [ours]);

        Assert.True(fromStream.Sealed, fromStream.ToString());
        Assert.Equal(Encoding.ASCII.GetString(fromMemory.FieldsToPrepend), Encoding.ASCII.GetString(fromStream.FieldsToPrepend));
        Assert.Equal(fromMemory.EnvelopeSender, fromStream.EnvelopeSender);
        Assert.Equal(ArcChainStatus.Pass, (await new ArcVerifier(Locator(ours)).VerifyMessageAsync(fromStream.Apply(message))).Status);
    }

    [Fact]
    public async Task A_second_pass_through_another_forwarder_seals_instance_two()
    {
        var ours = new DkimSigningKey(OurDomain, "arc", RsaKey.Value);
        var next = new DkimSigningKey("next.test", "arc", RsaKey.Value);
        var locator = Locator(ours, next);
        byte[] message = Encoding.ASCII.GetBytes(Message);
        var first = Forwarder().Prepare("bounce@sender.test", OurDomain, "a@ours.test", message,
                                        await new ArcVerifier(locator).VerifyMessageAsync(message), "spf=pass", [ours]);
        byte[] hop1 = first.Apply(message);

        var second = Forwarder().Prepare(first.EnvelopeSender, "next.test", "b@next.test", hop1,
                                         await new ArcVerifier(locator).VerifyMessageAsync(hop1), "arc=pass", [next]);

        Assert.Equal(2, second.ArcInstance);
        Assert.StartsWith("SRS1=", second.EnvelopeSender, StringComparison.Ordinal);
        Assert.Equal(ArcChainStatus.Pass, (await new ArcVerifier(locator).VerifyMessageAsync(second.Apply(hop1))).Status);
    }

    [Fact]
    public async Task The_null_sender_stays_null_and_without_a_key_nothing_is_sealed()
    {
        byte[] message = Encoding.ASCII.GetBytes(Message);
        var arrival = await new ArcVerifier(new StaticDkimKeyLocator()).VerifyMessageAsync(message);

        var copy = Forwarder().Prepare(string.Empty, OurDomain, "a@ours.test", message, arrival, "spf=none", []);

        Assert.Equal(string.Empty, copy.EnvelopeSender);
        Assert.Equal(SrsForwardStatus.NotNeeded, copy.SenderRewrite);
        Assert.False(copy.Sealed);
        Assert.Contains(OurDomain, copy.ArcSkippedReason, StringComparison.Ordinal);
        Assert.Equal([.. Encoding.ASCII.GetBytes(copy.ForwardedForField), .. message], copy.Apply(message));
    }

    [Fact]
    public void A_bounce_to_our_srs_address_goes_back_to_the_original_sender()
    {
        var forwarder = Forwarder();
        string srs = Srs(new MovableTime(Now)).Forward("alice@sender.test", OurDomain).Address;

        var route = forwarder.ReverseBounce(srs);

        Assert.True(route.IsOk);
        Assert.Equal("alice@sender.test", route.OriginalAddress);
        Assert.Null(route.Reply);
    }

    [Fact]
    public void Forged_and_expired_srs_addresses_are_refused_with_550_5_1_1_and_others_are_not_srs()
    {
        var time = new MovableTime(Now);
        var forwarder = Forwarder(time);
        string srs = Srs(time).Forward("alice@sender.test", OurDomain).Address;
        string forged = "SRS0=AAAA" + srs[9..];
        Assert.NotEqual(srs, forged);

        var forgedRoute = forwarder.ReverseBounce(forged);
        time.Now = Now.AddDays(30);
        var expiredRoute = forwarder.ReverseBounce(srs);

        Assert.Equal(SrsReverseStatus.Forged, forgedRoute.Status);
        Assert.Equal((550, "5.1.1"), (forgedRoute.Reply!.Code, forgedRoute.Reply.EnhancedCode));
        Assert.Equal(SrsReverseStatus.Expired, expiredRoute.Status);
        Assert.Equal((550, "5.1.1"), (expiredRoute.Reply!.Code, expiredRoute.Reply.EnhancedCode));
        Assert.Contains("expired", expiredRoute.Reply.Text, StringComparison.Ordinal);
        Assert.True(forgedRoute.IsRefused && expiredRoute.IsRefused);
        var ordinary = forwarder.ReverseBounce("bob@ours.test");
        Assert.Equal(SrsReverseStatus.NotSrs, ordinary.Status);
        Assert.Null(ordinary.Reply);
    }

    [Fact]
    public void A_message_already_forwarded_for_the_same_recipient_loops_another_recipient_does_not()
    {
        var forwarder = Forwarder();
        byte[] message = Encoding.ASCII.GetBytes("X-MailAppliance-Forwarded-For: Catchall@ours.test\r\n" + Message);

        var same = forwarder.CheckLoop(message, "catchall@ours.test");
        var other = forwarder.CheckLoop(message, "other@ours.test");

        Assert.Equal(LoopStatus.AlreadyForwarded, same.Status);
        Assert.Equal((554, "5.4.6"), (same.Reply!.Code, same.Reply.EnhancedCode));
        Assert.False(other.IsLoop);
        Assert.Equal(1, other.ReceivedCount);
    }

    [Fact]
    public void Too_many_received_fields_is_a_loop()
    {
        var forwarder = new Forwarder(Srs(TimeProvider.System), new InboundOptions { AuthservId = "mx.ours.test", MaxReceivedHeaders = 4 });
        string received = string.Concat(Enumerable.Repeat("Received: from a by b; Fri, 27 Nov 2026 12:00:00 +0000\r\n", 3));

        Assert.False(forwarder.CheckLoop(Encoding.ASCII.GetBytes(received + Message), "a@ours.test").IsLoop);
        var loop = forwarder.CheckLoop(Encoding.ASCII.GetBytes(received + received + Message), "a@ours.test");
        Assert.Equal((LoopStatus.TooManyHops, 7), (loop.Status, loop.ReceivedCount));
    }

    private static Forwarder Forwarder(TimeProvider? time = null) =>
        new(Srs(time ?? new MovableTime(Now)), new InboundOptions { AuthservId = "mx.ours.test" }, timeProvider: time ?? new MovableTime(Now));

    private static SrsRewriter Srs(TimeProvider time) => new(SrsSecrets.FromLines(["forwarder secret"]), null, time);

    /// <summary>The signer returns the DKIM-Signature field(s) to prepend, not the message.</summary>
    private static byte[] Signed(DkimSigner signer, byte[] message) => [.. signer.SignMessage(message), .. message];

    private static StaticDkimKeyLocator Locator(params DkimSigningKey[] keys)
    {
        var locator = new StaticDkimKeyLocator();
        foreach (var key in keys)
        {
            locator.Add(key.Selector, key.Domain, key.Record().ToString());
        }

        return locator;
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
