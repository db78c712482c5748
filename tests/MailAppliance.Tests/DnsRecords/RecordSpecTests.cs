using System.Net;
using MailAppliance.DnsRecords;

namespace MailAppliance.Tests.DnsRecords;

/// <summary>MX, CAA, A/AAAA and PTR records, TXT string splitting, and zone-file lines.</summary>
public sealed class RecordSpecTests
{
    [Fact]
    public void Mx_formats_and_parses()
    {
        var mx = new MxRecordSpec("example.com", 10, "mail.example.com");
        Assert.Equal("example.com. 3600 IN MX 10 mail.example.com.", mx.ToZoneRecord("c").ToZoneFileLine());
        Assert.Equal(mx, MxRecordSpec.Parse("example.com", mx.Data));
        Assert.Throws<DnsRecordFormatException>(() => MxRecordSpec.Parse("example.com", "mail.example.com."));
        Assert.Throws<DnsRecordFormatException>(() => MxRecordSpec.Parse("example.com", "70000 mail.example.com."));
        Assert.Throws<DnsRecordFormatException>(() => MxRecordSpec.Parse("example.com", "10 -mail.example.com."));
    }

    [Theory]
    [InlineData("0 issue \"letsencrypt.org\"", 0, "issue", "letsencrypt.org")]
    [InlineData("0 issuewild \";\"", 0, "issuewild", ";")]
    [InlineData("128 issue \"ca.example.net; account=230123\"", 128, "issue", "ca.example.net; account=230123")]
    [InlineData("0 iodef \"mailto:security@example.com\"", 0, "iodef", "mailto:security@example.com")]
    public void Caa_parses_rfc_8659_examples_and_prints_back(string data, int flags, string tag, string value)
    {
        var caa = CaaRecordSpec.Parse("example.com", data);
        Assert.Equal(new CaaRecordSpec("example.com", (byte)flags, tag, value), caa);
        Assert.Equal(data, caa.Data);
    }

    [Theory]
    [InlineData("issue \"letsencrypt.org\"", "flags tag")]
    [InlineData("0 issue-x \"a\"", "1 to 15 letters")]
    [InlineData("0 issue \"not a domain\"", "domain name")]
    [InlineData("0 iodef \"ftp://x\"", "iodef")]
    [InlineData("256 issue \"a.example\"", "flags tag")]
    public void Bad_caa_is_refused(string data, string expected)
    {
        var e = Assert.Throws<DnsRecordFormatException>(() => CaaRecordSpec.Parse("example.com", data));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Address_records_pick_their_type_from_the_family()
    {
        Assert.Equal("mail.example.com. 3600 IN A 192.0.2.1", new AddressRecordSpec("mail.example.com", IPAddress.Parse("192.0.2.1")).ToZoneRecord("c").ToZoneFileLine());
        Assert.Equal("AAAA", new AddressRecordSpec("m.example", IPAddress.Parse("2001:db8::1")).Type);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), AddressRecordSpec.Parse("m.example", "AAAA", "2001:db8::1").Address);
        Assert.Throws<DnsRecordFormatException>(() => AddressRecordSpec.Parse("m.example", "A", "2001:db8::1"));
        Assert.Throws<DnsRecordFormatException>(() => AddressRecordSpec.Parse("m.example", "AAAA", "192.0.2.1"));
        Assert.Throws<DnsRecordFormatException>(() => AddressRecordSpec.Parse("m.example", "A", "192.0.2"));
    }

    [Fact]
    public void Ptr_names_follow_rfc_1035_and_rfc_3596()
    {
        Assert.Equal("4.3.2.1.in-addr.arpa", PtrRecordSpec.Reverse(IPAddress.Parse("1.2.3.4")));
        // RFC 3596 §2.5's example: 4321:0:1:2:3:4:567:89ab.
        Assert.Equal("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa",
            PtrRecordSpec.Reverse(IPAddress.Parse("4321:0:1:2:3:4:567:89ab")));
        var ptr = new PtrRecordSpec(IPAddress.Parse("192.0.2.1"), "mail.example.com");
        Assert.Equal("1.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.com.", ptr.ToZoneRecord("c").ToZoneFileLine());
        Assert.Equal(ptr, PtrRecordSpec.Parse(ptr.Address, "mail.example.com."));
        Assert.Throws<DnsRecordFormatException>(() => PtrRecordSpec.Parse(ptr.Address, "mail_.example.com."));
    }

    [Fact]
    public void Txt_strings_are_at_most_255_octets_and_join_back()
    {
        string text = "v=spf1 " + string.Join(' ', Enumerable.Range(1, 60).Select(i => $"ip4:192.0.2.{i}")) + " -all";
        var strings = TxtStrings.Split(text);
        Assert.True(strings.Count > 1);
        Assert.All(strings, s => Assert.True(System.Text.Encoding.UTF8.GetByteCount(s) <= 255));
        Assert.Equal(text, string.Concat(strings));
        Assert.Equal([string.Empty], TxtStrings.Split(string.Empty));
        // Never inside a UTF-8 sequence.
        var wide = TxtStrings.Split(new string('\u00e9', 200));
        Assert.Equal([254, 146], wide.Select(s => System.Text.Encoding.UTF8.GetByteCount(s)));
    }

    [Fact]
    public void Zone_lines_parse_back_with_quotes_and_escapes()
    {
        var record = new ZoneRecord("example.com", "TXT", ["a \"quoted\" \\ string", "two"], "comment");
        string line = record.ToZoneFileLine();
        Assert.Equal("example.com. 3600 IN TXT \"a \\\"quoted\\\" \\\\ string\" \"two\"", line);
        var back = ZoneRecord.ParseZoneFileLine(line);
        Assert.Equal(record.Data, back.Data);
        Assert.Equal("example.com", back.Name);

        var caa = ZoneRecord.ParseZoneFileLine("example.com. 60 IN CAA 0 issue \"letsencrypt.org\" ; comment");
        Assert.Equal(["0 issue \"letsencrypt.org\""], caa.Data);
        Assert.Equal(60, caa.Ttl);

        Assert.Throws<DnsRecordFormatException>(() => ZoneRecord.ParseZoneFileLine("example.com 3600 IN A 192.0.2.1"));
        Assert.Throws<DnsRecordFormatException>(() => ZoneRecord.ParseZoneFileLine("example.com. x IN A 192.0.2.1"));
        Assert.Throws<DnsRecordFormatException>(() => ZoneRecord.ParseZoneFileLine("example.com. 1 CH A 192.0.2.1"));
        Assert.Throws<DnsRecordFormatException>(() => ZoneRecord.ParseZoneFileLine("example.com. 1 IN TXT unquoted"));
        Assert.Throws<DnsRecordFormatException>(() => ZoneRecord.ParseZoneFileLine("example.com. 1 IN TXT \"open"));
    }

    [Fact]
    public void Json_has_name_type_ttl_value_strings_and_comment()
    {
        var json = new ZoneRecord("example.com", "TXT", ["a", "b"], "why").ToJson();
        Assert.Equal("""{"name":"example.com","type":"TXT","ttl":3600,"value":"ab","strings":["a","b"],"comment":"why"}""", json.ToJsonString());
    }
}
