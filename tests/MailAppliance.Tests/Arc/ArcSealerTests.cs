using System.Text;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.Dns;
using MailAppliance.Tests.Dkim;

namespace MailAppliance.Tests.Arc;

/// <summary>Sealing and validating our own chains: instance numbering, cv, byte-exactness, tampering, limits.</summary>
public sealed class ArcSealerTests
{
    private const string Message =
        "From: Alice <alice@origin.test>\r\n" +
        "To: list@forwarder.test\r\n" +
        "Subject: ARC test\r\n" +
        "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n" +
        "Message-ID: <arc-test@origin.test>\r\n" +
        "\r\n" +
        "Hello,\r\nthis message is forwarded.\r\n";

    [Theory]
    [InlineData(DkimKeyType.Rsa)]
    [InlineData(DkimKeyType.Ed25519)]
    public async Task A_first_seal_is_instance_1_with_cv_none_and_validates(DkimKeyType type)
    {
        var key = DkimTestKeys.Signing(type, "arc1", "forwarder.test");
        var verifier = new ArcVerifier(DkimTestKeys.Locator(key));
        byte[] message = Encoding.ASCII.GetBytes(Message);

        var result = await new ArcSealer(key).SealMessageAsync(message, "mx.forwarder.test", "spf=pass smtp.mailfrom=origin.test", verifier);

        Assert.True(result.Sealed, result.ToString());
        Assert.Equal(1, result.Instance);
        Assert.Equal(ArcChainStatus.None, result.ChainStatus);
        var fields = DkimHeaderSection.Parse(result.Fields);
        Assert.Equal([ArcHeaderNames.Seal, ArcHeaderNames.MessageSignature, ArcHeaderNames.AuthenticationResults], fields.Select(f => f.Name));
        Assert.All(fields, f => Assert.All(f.ToString().Split("\r\n"), line => Assert.True(line.Length <= 78, line)));
        var seal = ArcSeal.Parse(fields[0]);
        Assert.Equal((1, ArcChainStatus.None, "forwarder.test", "arc1"), (seal.Instance, seal.ChainStatus, seal.Domain, seal.Selector));
        Assert.Equal("i=1; mx.forwarder.test; arc=none; spf=pass smtp.mailfrom=origin.test",
            string.Join(' ', fields[2].RawValueText.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)));

        byte[] sealed_ = [.. result.Fields, .. message];
        Assert.True(sealed_.AsSpan(result.Fields.Length).SequenceEqual(message), "the message itself is unchanged");
        var validation = await verifier.VerifyMessageAsync(sealed_);
        Assert.Equal(ArcChainStatus.Pass, validation.Status);
        Assert.Equal(1, validation.Instance);
        Assert.Equal(0, validation.OldestPass);
    }

    [Fact]
    public async Task A_second_hop_seals_instance_2_with_cv_pass()
    {
        var first = DkimTestKeys.Signing(DkimKeyType.Rsa, "one", "first.test");
        var second = DkimTestKeys.Signing(DkimKeyType.Ed25519, "two", "second.test");
        var verifier = new ArcVerifier(DkimTestKeys.Locator(first, second));
        byte[] message = Encoding.ASCII.GetBytes(Message);

        var hop1 = await new ArcSealer(first).SealMessageAsync(message, "mx.first.test", "dkim=none", verifier);
        byte[] afterHop1 = [.. Encoding.ASCII.GetBytes("Received: by mx.first.test; Fri, 27 Nov 2026 12:00:01 +0000\r\n"), .. hop1.Fields, .. message];
        var hop2 = await new ArcSealer(second).SealMessageAsync(afterHop1, "mx.second.test", "arc=pass header.oldest-pass=0", verifier);

        Assert.Equal((2, ArcChainStatus.Pass), (hop2.Instance, hop2.ChainStatus));
        var validation = await verifier.VerifyMessageAsync((byte[])[.. hop2.Fields, .. afterHop1]);
        Assert.Equal(ArcChainStatus.Pass, validation.Status);
        Assert.Equal(2, validation.Instance);
        Assert.Equal([1, 2], validation.Chain.Sets.Select(s => s.Instance));
        Assert.Equal("mx.second.test", validation.Chain.Sets[1].AuthenticationResults.AuthServId);
    }

    [Fact]
    public async Task A_body_changed_after_sealing_fails_and_oldest_pass_tracks_older_hops()
    {
        var first = DkimTestKeys.Signing(DkimKeyType.Rsa, "one", "first.test");
        var second = DkimTestKeys.Signing(DkimKeyType.Rsa, "two", "second.test");
        var verifier = new ArcVerifier(DkimTestKeys.Locator(first, second));
        byte[] message = Encoding.ASCII.GetBytes(Message);
        var hop1 = await new ArcSealer(first).SealMessageAsync(message, "mx.first.test", "spf=pass", verifier);

        // A mailing list validates the chain on arrival, then adds a footer and seals what it sends: the chain passes,
        // AMS(1) no longer verifies, so oldest-pass is 2.
        var onArrival = await verifier.VerifyMessageAsync((byte[])[.. hop1.Fields, .. message]);
        byte[] changed = Encoding.ASCII.GetBytes(Message.Replace("forwarded.", "forwarded.\r\n-- \r\nlist footer", StringComparison.Ordinal));
        byte[] afterHop1 = [.. hop1.Fields, .. changed];
        var hop2 = new ArcSealer(second).SealMessage(afterHop1, "mx.second.test", "spf=pass", onArrival);
        Assert.Equal(ArcChainStatus.Pass, hop2.ChainStatus);
        var validation = await verifier.VerifyMessageAsync((byte[])[.. hop2.Fields, .. afterHop1]);
        Assert.Equal(ArcChainStatus.Pass, validation.Status);
        Assert.Equal(2, validation.OldestPass);

        // A change after the last seal breaks the newest AMS: fail.
        var broken = await verifier.VerifyMessageAsync((byte[])[.. hop1.Fields, .. changed]);
        Assert.Equal(ArcChainStatus.Fail, broken.Status);
        Assert.Equal(1, broken.FailedInstance);
        Assert.Contains("body hash", broken.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_seal_or_aar_fails()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Rsa, "arc", "forwarder.test");
        var verifier = new ArcVerifier(DkimTestKeys.Locator(key));
        byte[] message = Encoding.ASCII.GetBytes(Message);
        var result = await new ArcSealer(key).SealMessageAsync(message, "mx.forwarder.test", "spf=pass", verifier);

        string text = result.FieldsText;
        var forgedAar = await verifier.VerifyMessageAsync(Encoding.ASCII.GetBytes(text.Replace("spf=pass", "spf=fail", StringComparison.Ordinal) + Message));
        Assert.Equal(ArcChainStatus.Fail, forgedAar.Status);
        Assert.Contains("ARC-Seal i=1", forgedAar.Reason, StringComparison.Ordinal);

        var removedSeal = await verifier.VerifyMessageAsync(Encoding.ASCII.GetBytes(text[text.IndexOf("ARC-Message-Signature", StringComparison.Ordinal)..] + Message));
        Assert.Equal(ArcChainStatus.Fail, removedSeal.Status);
        Assert.Contains("no ARC-Seal", removedSeal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_chain_is_sealed_once_with_cv_fail_and_never_again()
    {
        var first = DkimTestKeys.Signing(DkimKeyType.Rsa, "one", "first.test");
        var second = DkimTestKeys.Signing(DkimKeyType.Rsa, "two", "second.test");
        var verifier = new ArcVerifier(DkimTestKeys.Locator(first, second));
        var hop1 = await new ArcSealer(first).SealMessageAsync(Encoding.ASCII.GetBytes(Message), "mx.first.test", "spf=pass", verifier);
        byte[] tampered = [.. hop1.Fields, .. Encoding.ASCII.GetBytes(Message.Replace("Hello", "Goodbye", StringComparison.Ordinal))];

        var hop2 = await new ArcSealer(second).SealMessageAsync(tampered, "mx.second.test", "spf=pass", verifier);
        Assert.Equal((2, ArcChainStatus.Fail), (hop2.Instance, hop2.ChainStatus));
        Assert.Contains("arc=fail", hop2.FieldsText, StringComparison.Ordinal);
        byte[] afterHop2 = [.. hop2.Fields, .. tampered];
        var validation = await verifier.VerifyMessageAsync(afterHop2);
        Assert.Equal(ArcChainStatus.Fail, validation.Status);
        Assert.Contains("cv=fail", validation.Reason, StringComparison.Ordinal);

        var hop3 = await new ArcSealer(first).SealMessageAsync(afterHop2, "mx.third.test", "spf=pass", verifier);
        Assert.False(hop3.Sealed);
        Assert.Empty(hop3.Fields);
        Assert.Contains("cv=fail", hop3.SkippedReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifty_sets_validate_and_a_fifty_first_is_not_added()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Ed25519, "arc", "forwarder.test");
        var verifier = new ArcVerifier(DkimTestKeys.Locator(key), new ArcVerifierOptions { ComputeOldestPass = false });
        var sealer = new ArcSealer(key);
        byte[] message = Encoding.ASCII.GetBytes(Message);
        for (int i = 1; i <= 50; i++)
        {
            var result = await sealer.SealMessageAsync(message, "mx.forwarder.test", "spf=pass", verifier);
            Assert.True(result.Sealed, $"hop {i}: {result}");
            message = [.. result.Fields, .. message];
        }

        Assert.Equal(ArcChainStatus.Pass, (await verifier.VerifyMessageAsync(message)).Status);
        var fiftyFirst = await sealer.SealMessageAsync(message, "mx.forwarder.test", "spf=pass", verifier);
        Assert.False(fiftyFirst.Sealed);
        Assert.Contains("50", fiftyFirst.SkippedReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streams_give_the_same_result_as_memory()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Rsa, "arc", "forwarder.test");
        var verifier = new ArcVerifier(DkimTestKeys.Locator(key));
        byte[] message = Encoding.ASCII.GetBytes(Message);
        var chain = await verifier.VerifyMessageAsync(new MemoryStream(message));
        var start = DkimMessageReader.Split(message);

        var result = await new ArcSealer(key).SealAsync(start.HeaderSection, new MemoryStream(start.BodyStart.ToArray()), "mx.forwarder.test", "spf=pass", chain);

        Assert.Equal(ArcChainStatus.Pass, (await verifier.VerifyMessageAsync(new MemoryStream([.. result.Fields, .. message]))).Status);
    }

    [Fact]
    public async Task No_arc_fields_is_none()
    {
        var result = await new ArcVerifier(new StaticDkimKeyLocator()).VerifyMessageAsync(Encoding.ASCII.GetBytes(Message));

        Assert.Equal(ArcChainStatus.None, result.Status);
        Assert.Equal("arc=none", result.AuthenticationResult);
        Assert.Equal(0, result.Instance);
    }

    [Fact]
    public async Task Keys_come_from_dns_and_a_temporary_dns_failure_is_marked_temporary()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Rsa, "arc", "forwarder.test");
        var dns = new FakeDnsResolver().AddTxt("arc._domainkey.forwarder.test", key.Record().ToString());
        var verifier = new ArcVerifier(new DnsDkimKeyLocator(dns));
        byte[] message = Encoding.ASCII.GetBytes(Message);
        var result = await new ArcSealer(key).SealMessageAsync(message, "mx.forwarder.test", "spf=pass", verifier);
        byte[] sealed_ = [.. result.Fields, .. message];

        Assert.Equal(ArcChainStatus.Pass, (await verifier.VerifyMessageAsync(sealed_)).Status);
        Assert.Contains(dns.Queries, q => q.Name == "arc._domainkey.forwarder.test" && q.Type == DnsQueryType.Txt);

        var failing = new ArcVerifier(new DnsDkimKeyLocator(new FakeDnsResolver().Fail("arc._domainkey.forwarder.test")));
        var temporary = await failing.VerifyMessageAsync(sealed_);
        Assert.Equal(ArcChainStatus.Fail, temporary.Status);
        Assert.True(temporary.IsTemporary);

        var missing = await new ArcVerifier(new DnsDkimKeyLocator(new FakeDnsResolver())).VerifyMessageAsync(sealed_);
        Assert.Equal(ArcChainStatus.Fail, missing.Status);
        Assert.False(missing.IsTemporary);
    }

    [Fact]
    public void The_preferred_sealing_key_is_rsa_when_the_domain_has_one()
    {
        var ed25519 = DkimTestKeys.Signing(DkimKeyType.Ed25519, "ed", "forwarder.test");
        var rsa = DkimTestKeys.Signing(DkimKeyType.Rsa, "rsa", "forwarder.test");

        Assert.Same(rsa, ArcSealer.PreferredKey([ed25519, rsa]));
        Assert.Same(ed25519, ArcSealer.PreferredKey([ed25519]));
        Assert.Null(ArcSealer.PreferredKey([]));
    }

    [Fact]
    public void Consolidate_copies_our_results_in_order_and_ignores_other_authserv_ids()
    {
        var fields = DkimHeaderSection.Parse(Encoding.ASCII.GetBytes(
            "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=a.test;\r\n dkim=pass (good; 2048-bit) header.d=a.test\r\n" +
            "Authentication-Results: other.example; dkim=fail\r\n" +
            "Authentication-Results: MX.example.net 1; dmarc=pass header.from=a.test\r\n" +
            "Authentication-Results: mx.example.net; none\r\n"));

        var results = ArcAuthenticationResults.Consolidate(fields, "mx.example.net");

        Assert.Equal(["spf=pass smtp.mailfrom=a.test", "dkim=pass (good; 2048-bit) header.d=a.test", "dmarc=pass header.from=a.test"], results);
    }
}
