using MailAppliance.Dkim;

namespace MailAppliance.Tests.Dkim;

/// <summary>Key records (RFC 6376 §3.6.1): parsed from DNS, and formatted for publishing by the same type.</summary>
public sealed class DkimKeyRecordTests
{
    [Theory]
    [InlineData(DkimKeyType.Rsa)]
    [InlineData(DkimKeyType.Ed25519)]
    public void A_generated_record_parses_back_to_the_same_key(DkimKeyType type)
    {
        var key = type == DkimKeyType.Rsa ? DkimTestKeys.RsaKey : DkimTestKeys.Ed25519Key;
        var record = DkimKeyRecord.For(key);
        var parsed = DkimKeyRecord.Parse(record.ToString());

        Assert.StartsWith($"v=DKIM1; k={type.TagValue()}; p=", record.ToString(), StringComparison.Ordinal);
        Assert.Equal(type, parsed.KeyType);
        Assert.Equal(key.PublicKeyData(), parsed.PublicKey);
        Assert.Equal(record.ToString(), parsed.ToString());
        Assert.False(parsed.IsRevoked);
    }

    [Fact]
    public void Every_tag_round_trips()
    {
        var record = DkimKeyRecord.Parse("v=DKIM1; k=rsa; h=sha256; s=email; t=y:s; n=a note; p=" + Convert.ToBase64String(DkimTestKeys.RsaKey.PublicKeyData()));

        Assert.Equal(["sha256"], record.HashAlgorithms);
        Assert.Equal(["email"], record.ServiceTypes);
        Assert.True(record.IsTesting);
        Assert.True(record.IsStrict);
        Assert.Equal("a note", record.Notes);
        Assert.Equal(record.ToString(), DkimKeyRecord.Parse(record.ToString()).ToString());
    }

    [Fact]
    public void Txt_strings_are_at_most_255_octets_and_join_to_the_record()
    {
        using var rsa4096 = DkimKeyGenerator.Generate(DkimKeyType.Rsa, 4096);
        var record = DkimKeyRecord.For(rsa4096);
        var strings = record.TxtStrings();

        Assert.All(strings, s => Assert.InRange(s.Length, 1, 255));
        Assert.Equal("v=DKIM1; k=rsa; ", strings[0]);
        Assert.True(strings.Count >= 4);
        Assert.Equal(record.ToString(), string.Concat(strings));
    }

    [Fact]
    public void The_zone_file_line_is_ready_to_paste()
    {
        var record = DkimKeyRecord.Parse("v=DKIM1; k=ed25519; p=" + DkimTestKeys.Rfc8463PublicKey);

        Assert.Equal(
            $"brisbane._domainkey.example.com. IN TXT ( \"v=DKIM1; k=ed25519; \" \"p={DkimTestKeys.Rfc8463PublicKey}\" )",
            record.ToZoneFileLine("brisbane", "example.com"));
    }

    [Fact]
    public void Defaults_apply_when_tags_are_absent()
    {
        var record = DkimKeyRecord.Parse("p=" + DkimTestKeys.Rfc8463PublicKey);

        Assert.Null(record.Version);
        Assert.Equal(DkimKeyType.Rsa, record.KeyType);
        Assert.Empty(record.Flags);
        Assert.True(record.Accepts(DkimAlgorithm.RsaSha256, out _));
    }

    [Fact]
    public void An_empty_p_means_revoked()
    {
        var record = DkimKeyRecord.Parse("k=rsa; t=y; p=");

        Assert.True(record.IsRevoked);
        Assert.Throws<DkimFormatException>(() => DkimPublicKey.FromRecord(record));
    }

    [Theory]
    [InlineData("v=DKIM2; p=AAAA", "v=DKIM2")]
    [InlineData("k=rsa; v=DKIM1; p=AAAA", "first tag")]
    [InlineData("v=DKIM1; k=rsa", "no p=")]
    [InlineData("v=DKIM1; p=not base64!", "base64")]
    [InlineData("v=DKIM1; p=AAAA; p=AAAA", "twice")]
    [InlineData("v=DKIM1;; p=AAAA", "empty tag")]
    [InlineData("v=DKIM1: g=*; k=rsa; p=AAAA", "DKIM1")]
    public void Broken_records_are_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<DkimFormatException>(() => DkimKeyRecord.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=DKIM1; k=ed25519-sha256; p=AAAA", DkimAlgorithm.RsaSha256, "unknown key type")]
    [InlineData("v=DKIM1; k=rsa; p=AAAA", DkimAlgorithm.Ed25519Sha256, "k=rsa")]
    [InlineData("v=DKIM1; h=sha1; p=AAAA", DkimAlgorithm.RsaSha256, "h=sha1")]
    [InlineData("v=DKIM1; s=tlsrpt; p=AAAA", DkimAlgorithm.RsaSha256, "s=tlsrpt")]
    public void Unsuitable_records_say_why(string text, DkimAlgorithm algorithm, string reason)
    {
        Assert.False(DkimKeyRecord.Parse(text).Accepts(algorithm, out string? problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [ConformanceTheory]
    [InlineData("test.txt", true)]
    [InlineData("test2.txt", true)]
    [InlineData("test_tlsrpt.txt", false)]
    [InlineData("badk.txt", false)]
    public void Dkimpy_key_records(string file, bool usableForEmail)
    {
        var record = DkimKeyRecord.Parse(File.ReadAllText(DkimConformanceData.PathOf("dkimpy-data", file)).Trim());

        Assert.Equal(usableForEmail, record.Accepts(DkimAlgorithm.RsaSha256, out _));
    }

    [ConformanceFact]
    public void Dkimpy_bad_version_record_is_refused()
    {
        Assert.Throws<DkimFormatException>(() => DkimKeyRecord.Parse(File.ReadAllText(DkimConformanceData.PathOf("dkimpy-data", "badversion.txt")).Trim()));
    }
}
