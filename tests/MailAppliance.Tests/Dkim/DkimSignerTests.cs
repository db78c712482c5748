using System.Text;
using MailAppliance.Dkim;

namespace MailAppliance.Tests.Dkim;

/// <summary>Signing (RFC 6376 §5), checked by our verifier: round trips, tampering, the h= list, folding.</summary>
public sealed class DkimSignerTests
{
    private const string Message =
        "From: Alice <alice@example.com>\r\n" +
        "To: Bob <bob@example.net>\r\n" +
        "Subject: Lunch?\r\n" +
        "Date: Fri, 31 Jan 2025 12:00:00 +0000\r\n" +
        "Message-ID: <lunch@example.com>\r\n" +
        "Received: from somewhere\r\n" +
        "\r\n" +
        "Shall we  meet at noon?\r\n" +
        "\r\n";

    private static readonly DateTimeOffset Now = new(2025, 1, 31, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(DkimKeyType.Rsa)]
    [InlineData(DkimKeyType.Ed25519)]
    public async Task A_signed_message_verifies(DkimKeyType type)
    {
        var key = DkimTestKeys.Signing(type, "sel");
        byte[] signed = Sign(new DkimSigner([key], timeProvider: new FixedTime(Now)), Message);

        var result = Assert.Single(await Verify(signed, key));
        Assert.True(result.Result == DkimResult.Pass, result.ToString());
        Assert.Equal(type.SigningAlgorithm(), result.Signature!.Algorithm);
        Assert.Equal(Now, result.Signature.Timestamp);
    }

    [Fact]
    public async Task Every_key_signs_side_by_side()
    {
        var rsa = DkimTestKeys.Signing(DkimKeyType.Rsa, "r");
        var ed = DkimTestKeys.Signing(DkimKeyType.Ed25519, "e");
        byte[] signed = Sign(new DkimSigner([ed, rsa]), Message);

        var results = await Verify(signed, rsa, ed);
        Assert.Equal([DkimResult.Pass, DkimResult.Pass], results.Select(r => r.Result));
        Assert.Equal(["e", "r"], results.Select(r => r.Selector));
    }

    [Theory]
    [InlineData("relaxed/relaxed")]
    [InlineData("simple/simple")]
    [InlineData("relaxed/simple")]
    [InlineData("simple/relaxed")]
    public async Task Every_canonicalization_round_trips(string c)
    {
        Assert.True(DkimCanonicalization.TryParse(c, out var canonicalization));
        var key = DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel");
        byte[] signed = Sign(new DkimSigner([key], new DkimSignerOptions { Canonicalization = canonicalization }), Message);

        Assert.Contains($"c={c};", Encoding.ASCII.GetString(signed), StringComparison.Ordinal);
        Assert.Equal(DkimResult.Pass, Assert.Single(await Verify(signed, key)).Result);
    }

    [Theory]
    [InlineData("Shall we  meet at noon?", "Shall we  meet at one?", "body hash did not verify")]
    [InlineData("Subject: Lunch?", "Subject: Dinner?", "signature did not verify")]
    [InlineData("To: Bob <bob@example.net>\r\n", "To: Bob <bob@example.net>\r\nFrom: Mallory <m@evil.example>\r\n", "From fields")]
    public async Task Tampering_fails(string original, string replacement, string reason)
    {
        foreach (var type in (DkimKeyType[])[DkimKeyType.Rsa, DkimKeyType.Ed25519])
        {
            var key = DkimTestKeys.Signing(type, "sel");
            string signed = Encoding.ASCII.GetString(Sign(new DkimSigner([key]), Message));
            byte[] tampered = Encoding.ASCII.GetBytes(signed.Replace(original, replacement, StringComparison.Ordinal));

            var result = Assert.Single(await Verify(tampered, key));
            Assert.NotEqual(DkimResult.Pass, result.Result);
            Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Changes_relaxed_canonicalization_tolerates_still_verify()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Rsa, "sel");
        string signed = Encoding.ASCII.GetString(Sign(new DkimSigner([key]), Message));
        string refolded = signed
            .Replace("Subject: Lunch?", "SUBJECT:   Lunch?  ", StringComparison.Ordinal)
            .Replace("Shall we  meet", "Shall we meet", StringComparison.Ordinal)
            + "\r\n\r\n";

        Assert.Equal(DkimResult.Pass, Assert.Single(await Verify(Encoding.ASCII.GetBytes(refolded), key)).Result);
    }

    [Fact]
    public async Task A_signature_for_a_missing_or_wrong_key_does_not_pass()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel");
        byte[] signed = Sign(new DkimSigner([key]), Message);

        var missing = Assert.Single(await new DkimVerifier(new StaticDkimKeyLocator()).VerifyMessageAsync(signed));
        Assert.Equal(DkimResult.PermError, missing.Result);
        Assert.Contains("no key record at sel._domainkey.example.com", missing.Reason, StringComparison.Ordinal);

        using var other = DkimKeyGenerator.Generate(DkimKeyType.Ed25519);
        var wrongLocator = new StaticDkimKeyLocator().Add("sel", "example.com", DkimKeyRecord.For(other).ToString());
        Assert.Equal(DkimResult.Fail, Assert.Single(await new DkimVerifier(wrongLocator).VerifyMessageAsync(signed)).Result);

        var dnsDown = new StaticDkimKeyLocator().Fail("sel._domainkey.example.com", temporary: true);
        Assert.Equal(DkimResult.TempError, Assert.Single(await new DkimVerifier(dnsDown).VerifyMessageAsync(signed)).Result);
    }

    [Fact]
    public void The_h_list_signs_the_fields_present_and_oversigns_from()
    {
        const string headers =
            "From: a@example.com\r\nTo: b@example.net\r\nTo: c@example.net\r\nX-Other: 1\r\nList-Id: <l.example.com>\r\n" +
            "list-unsubscribe: <mailto:u@example.com>\r\nReceived: x\r\nContent-Type: text/plain\r\n";
        var signer = new DkimSigner([DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel")]);

        var names = signer.SignedHeaderNames(DkimHeaderSection.Parse(Encoding.ASCII.GetBytes(headers)));

        Assert.Equal(["from", "from", "to", "to", "content-type", "list-id", "list-unsubscribe"], names);
    }

    [Theory]
    [InlineData("To: b@example.net\r\nSubject: no sender\r\n\r\nbody\r\n", "no From")]
    [InlineData("From: a@example.com\r\nFrom: b@example.com\r\n\r\nbody\r\n", "2 From fields")]
    public void A_message_without_exactly_one_from_is_not_signed(string message, string reason)
    {
        var signer = new DkimSigner([DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel")]);

        var error = Assert.Throws<DkimFormatException>(() => signer.SignMessage(Encoding.ASCII.GetBytes(message)));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_field_is_folded_at_78_columns_with_b_last()
    {
        var signer = new DkimSigner([DkimTestKeys.Signing(DkimKeyType.Rsa, "sel"), DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel2")]);
        string fields = Encoding.ASCII.GetString(signer.SignMessage(Encoding.ASCII.GetBytes(Message)));

        Assert.EndsWith("\r\n", fields, StringComparison.Ordinal);
        string[] lines = fields[..^2].Split("\r\n");
        Assert.True(lines.All(l => l.Length > 0), fields);
        Assert.All(lines, line => Assert.InRange(line.Length, 1, 78));
        Assert.All(lines.Where(l => !l.StartsWith("DKIM-Signature:", StringComparison.Ordinal)), l => Assert.StartsWith(" ", l, StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.StartsWith("DKIM-Signature: v=1; a=", StringComparison.Ordinal)));
        foreach (var field in DkimHeaderSection.Parse(Encoding.ASCII.GetBytes(fields)))
        {
            var signature = DkimSignature.Parse(field);
            Assert.Equal("b", signature.Tags.Tags[^1].Name);
            Assert.DoesNotContain(signature.Tags.Tags, t => t.Name is "l" or "i" or "x");
        }
    }

    [Fact]
    public async Task The_stream_overloads_sign_the_same_bytes_as_the_in_memory_one()
    {
        var time = new FixedTime(Now);
        var signer = new DkimSigner([DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel")], timeProvider: time);
        byte[] message = Encoding.ASCII.GetBytes(Message);
        byte[] inMemory = signer.SignMessage(message);

        using var whole = new MemoryStream(message);
        Assert.Equal(inMemory, await signer.SignMessageAsync(whole));
        var start = DkimMessageReader.Split(message);
        using var body = new MemoryStream(start.BodyStart.ToArray());
        Assert.Equal(inMemory, await signer.SignAsync(start.HeaderSection, body));
    }

    [Fact]
    public async Task An_expired_signature_is_refused()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel");
        byte[] signed = Sign(new DkimSigner([key], new DkimSignerOptions { Expiration = TimeSpan.FromDays(1) }, new FixedTime(Now)), Message);

        var fresh = new DkimVerifier(DkimTestKeys.Locator(key), timeProvider: new FixedTime(Now.AddHours(1)));
        Assert.Equal(DkimResult.Pass, Assert.Single(await fresh.VerifyMessageAsync(signed)).Result);
        var late = new DkimVerifier(DkimTestKeys.Locator(key), timeProvider: new FixedTime(Now.AddDays(2)));
        Assert.Equal(DkimResult.PermError, Assert.Single(await late.VerifyMessageAsync(signed)).Result);
    }

    [ConformanceTheory]
    [InlineData("test.message")]
    [InlineData("test2.message")]
    [InlineData("rfc6376.msg")]
    [InlineData("test_extra.message")]
    public async Task Dkimpy_messages_round_trip_with_dkimpy_and_rfc_8463_keys(string file)
    {
        byte[] message = DkimConformanceData.ReadCrlf(DkimConformanceData.PathOf("dkimpy-data", file));
        using var rsa = DkimPrivateKey.FromPem(File.ReadAllText(DkimConformanceData.PathOf("dkimpy-data", "test.private")));
        using var ed = DkimPrivateKey.FromEd25519Seed(DkimTestKeys.Rfc8463Seed);
        var rsaKey = new DkimSigningKey("football.example.com", "test", rsa);
        var edKey = new DkimSigningKey("football.example.com", "brisbane", ed);
        byte[] signed = Sign(new DkimSigner([rsaKey, edKey]), Encoding.Latin1.GetString(message));

        // The published records of RFC 8463 Appendix A.2, as the conformance data carries them.
        var locator = new StaticDkimKeyLocator()
            .Add("test", "football.example.com", File.ReadAllText(DkimConformanceData.PathOf("dkimpy-data", "test.txt")).Trim())
            .Add("brisbane", "football.example.com", "v=DKIM1; k=ed25519; p=" + DkimTestKeys.Rfc8463PublicKey);
        // Ours are the first two (test2.message also carries gmail.com's original signature, without its key here).
        var results = await new DkimVerifier(locator).VerifyMessageAsync(signed);
        Assert.Equal([DkimResult.Pass, DkimResult.Pass], results.Take(2).Select(r => r.Result));
    }

    [ConformanceFact]
    public void Dkimpy_message_without_from_cannot_be_signed()
    {
        byte[] message = DkimConformanceData.ReadCrlf(DkimConformanceData.PathOf("dkimpy-data", "test_nofrom.message"));
        var signer = new DkimSigner([DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel")]);

        Assert.Throws<DkimFormatException>(() => signer.SignMessage(message));
    }

    private static byte[] Sign(DkimSigner signer, string message)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(message);
        return [.. signer.SignMessage(bytes), .. bytes];
    }

    private static Task<IReadOnlyList<DkimSignatureResult>> Verify(byte[] message, params DkimSigningKey[] keys) =>
        new DkimVerifier(DkimTestKeys.Locator(keys)).VerifyMessageAsync(message);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
