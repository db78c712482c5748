using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MailAppliance.Acme;
using MailAppliance.Acme.Dns01;

namespace MailAppliance.Tests.Acme;

public sealed class DnsUpdateMessageTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void AnUnsignedUpdateHasTheRfc2136Layout()
    {
        var (message, mac) = DnsUpdateMessage.Encode(0x1234, "example.test",
            [DnsUpdate.AddTxt("_acme-challenge.mail.example.test", "abc", 60)], key: null, Time);
        Assert.Empty(mac);

        byte[] expected =
        [
            0x12, 0x34, 0x28, 0x00, 0, 1, 0, 0, 0, 1, 0, 0,           // id, opcode UPDATE (5 << 11), ZO=1 PR=0 UP=1 AD=0
            7, .. "example"u8, 4, .. "test"u8, 0, 0, 6, 0, 1,          // zone: example.test SOA IN
            15, .. "_acme-challenge"u8, 4, .. "mail"u8, 7, .. "example"u8, 4, .. "test"u8, 0,
            0, 16, 0, 1, 0, 0, 0, 60, 0, 4, 3, .. "abc"u8,             // TXT IN TTL 60, RDATA "abc"
        ];
        Assert.Equal(expected, message);
    }

    [Fact]
    public void DeletingOneRecordUsesClassNoneAndTtlZero()
    {
        var delete = DnsUpdate.DeleteTxt("x.example.test", "v");
        Assert.Equal(DnsUpdate.ClassNone, delete.Class); // RFC 2136 §2.5.4.
        Assert.Equal(0u, delete.Ttl);
        Assert.Equal([1, (byte)'v'], delete.Rdata);
    }

    [Fact]
    public void LongTxtValuesAreSplitIntoCharacterStrings()
    {
        var update = DnsUpdate.AddTxt("x.test", new string('a', 300), 60);
        Assert.Equal(255, update.Rdata[0]);
        Assert.Equal(45, update.Rdata[256]);
        Assert.Equal(302, update.Rdata.Length);
    }

    [Fact]
    public void TheTsigRecordCarriesAnHmacOverMessageAndVariables()
    {
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        var key = new TsigKey("acme-key.", "HMAC-SHA256", secret);
        var updates = new[] { DnsUpdate.AddTxt("_acme-challenge.mail.example.test", "value", 60) };
        var (signed, mac) = DnsUpdateMessage.Encode(7, "example.test", updates, key, Time, fudge: 300);
        var (unsigned, _) = DnsUpdateMessage.Encode(7, "example.test", updates, key: null, Time);

        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(signed.AsSpan(10))); // ARCOUNT now 1.
        Assert.Equal(unsigned.AsSpan(12).ToArray(), signed.AsSpan(12, unsigned.Length - 12).ToArray());

        // RFC 8945 §4.3.3, built by hand: message, key name, class ANY, TTL 0, algorithm, time (48 bits), fudge, error, other len.
        var variables = new List<byte>();
        variables.AddRange([8, .. "acme-key"u8, 0, 0, 255, 0, 0, 0, 0, 11, .. "hmac-sha256"u8, 0]);
        byte[] time = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, 1_800_000_000);
        variables.AddRange(time.AsSpan(2).ToArray());
        variables.AddRange([0x01, 0x2C, 0, 0, 0, 0]);
        byte[] expectedMac = HMACSHA256.HashData(secret, (byte[])[.. unsigned, .. variables]);
        Assert.Equal(expectedMac, mac);

        // The TSIG RR at the end: owner, TYPE 250, CLASS ANY, TTL 0, then RDATA with the MAC and the original id.
        byte[] tail = [8, .. "acme-key"u8, 0, 0, 250, 0, 255, 0, 0, 0, 0];
        Assert.Equal(tail, signed.AsSpan(unsigned.Length, tail.Length).ToArray());
        Assert.True(signed.AsSpan().IndexOf(expectedMac) > unsigned.Length);
        Assert.Equal([0, 7, 0, 0, 0, 0], signed.AsSpan(signed.Length - 6).ToArray());
    }

    [Fact]
    public void UnknownTsigAlgorithmsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new TsigKey("k", "hmac-md5", [1]));
    }

    [Fact]
    public void TheDns01RecordIsTheBase64UrlSha256OfTheKeyAuthorization()
    {
        // RFC 8555 §8.4.
        string keyAuthorization = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ";
        string expected = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        Assert.Equal(expected, Dns01ChallengeResponder.RecordValue(keyAuthorization));
        Assert.Equal("_acme-challenge.example.org", Dns01ChallengeResponder.RecordName(AcmeIdentifier.Dns("example.org")));
    }
}
