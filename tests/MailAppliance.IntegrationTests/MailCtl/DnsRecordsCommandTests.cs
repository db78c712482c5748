using System.Reflection;
using System.Text.Json.Nodes;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.MailCtl;

/// <summary>
/// <c>mailctl dns records</c> run as the real program against a config with a Hostname and DKIM keys made by
/// <c>mailctl dkim keygen</c>: every printed line parses back with the typed records, and bind9's named-checkzone
/// accepts a zone made of the output.
/// </summary>
public sealed class DnsRecordsCommandTests : IDisposable
{
    private readonly MailCtlFixture mailctl = new();

    public void Dispose() => mailctl.Dispose();

    // This project does not reference MailAppliance.DnsRecords (only mailctl's build output holds it), so the record
    // types are loaded from mailctl's directory: the same assembly mailctl printed with.
    private static readonly Lazy<Assembly> DnsRecords = new(() =>
        Assembly.LoadFrom(Path.Combine(Path.GetDirectoryName(Repo.MailCtl)!, "MailAppliance.DnsRecords.dll")));

    [Fact]
    public async Task Prints_zone_lines_that_parse_back_and_named_checkzone_accepts()
    {
        await Configure();
        var result = await Succeeds("dns", "records", "Example.COM", "--ip", "192.0.2.10,2001:db8::25");

        string[] lines = result.StdOut.Split('\n');
        var records = lines.Where(l => l.Length > 0 && !l.StartsWith(';')).ToArray();
        Assert.Equal(10, records.Length);
        // Each record line follows its one-line comment.
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length > 0 && !lines[i].StartsWith(';'))
            {
                Assert.StartsWith("; ", lines[i - 1], StringComparison.Ordinal);
            }
        }

        var parsed = records.Select(l => (Name: Get<string>(Zone(l), "Name"), Type: Get<string>(Zone(l), "Type"), Text: Get<string>(Zone(l), "Text"), Data: Get<IReadOnlyList<string>>(Zone(l), "Data"))).ToArray();
        Assert.Equal(
            ["example.com MX", "example.com TXT", "s1._domainkey.example.com TXT", "s2._domainkey.example.com TXT", "_dmarc.example.com TXT",
             "_mta-sts.example.com TXT", "_smtp._tls.example.com TXT", "example.com CAA", "mail.example.com A", "mail.example.com AAAA"],
            parsed.Select(p => $"{p.Name} {p.Type}"));

        Assert.Equal("v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::25 -all", Parse("SpfRecord", parsed[1].Text).ToString());
        Assert.Equal(1, Get<int>(Parse("SpfRecord", parsed[1].Text), "DnsQueryingTermCount"));
        Assert.True(parsed[2].Data.Count > 1, "the RSA key record is split into strings of at most 255 octets");
        Assert.All(parsed.SelectMany(p => p.Data), s => Assert.True(s.Length <= 255));
        Assert.Equal("v=DMARC1; p=none", Parse("DmarcRecord", parsed[4].Text).ToString());
        Parse("MtaStsRecord", parsed[5].Text);
        Parse("TlsRptRecord", parsed[6].Text);
        Invoke("MxRecordSpec", "Parse", parsed[0].Name, parsed[0].Data[0]);
        Invoke("CaaRecordSpec", "Parse", parsed[7].Name, parsed[7].Data[0]);
        Invoke("AddressRecordSpec", "Parse", parsed[8].Name, "A", parsed[8].Data[0]);
        Invoke("AddressRecordSpec", "Parse", parsed[9].Name, "AAAA", parsed[9].Data[0]);

        // The policy to serve, as comment lines, parses as an MTA-STS policy.
        string policy = string.Join('\n', lines.Where(l => l.StartsWith(";   ", StringComparison.Ordinal) && !l.Contains(" PTR ", StringComparison.Ordinal)).Select(l => l[4..]));
        Assert.Equal("version: STSv1\r\nmode: testing\r\nmx: mail.example.com\r\nmax_age: 604800\r\n", Parse("MtaStsPolicy", policy).ToString());

        // The PTR lines for the hosting provider.
        var ptr = lines.Where(l => l.Contains(" IN PTR ", StringComparison.Ordinal)).Select(l => l.TrimStart(';', ' ')).ToArray();
        Assert.Equal(
            ["10.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.com.",
             "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR mail.example.com."],
            ptr);

        // bind9 accepts the block as the body of the example.com zone.
        string zoneFile = Path.Combine(mailctl.Root, "example.com.zone");
        await File.WriteAllTextAsync(zoneFile,
            "$ORIGIN example.com.\n$TTL 3600\n" +
            "@ IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600\n" +
            "@ IN NS ns1.example.com.\nns1 IN A 192.0.2.53\n" + result.StdOut);
        var check = await Repo.RunAsync("named-checkzone", ["-k", "fail", "-n", "fail", "example.com", zoneFile]);
        Assert.True(check.ExitCode == 0, $"named-checkzone: {check.StdOut} {check.StdErr}");
        Assert.Contains("OK", check.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_lists_the_records_the_policy_and_the_ptr_records()
    {
        await Configure();
        var result = await Succeeds("dns", "records", "example.com", "--json", "--ip", "192.0.2.10");

        var json = JsonNode.Parse(result.StdOut)!;
        Assert.Equal("mail.example.com", (string?)json["hostname"]);
        var records = json["records"]!.AsArray();
        Assert.Equal(9, records.Count);
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty((string?)r!["comment"])));
        Assert.Equal("v=spf1 mx ip4:192.0.2.10 -all", (string?)records[1]!["value"]);
        Assert.Equal("10.2.0.192.in-addr.arpa", (string?)json["ptr"]![0]!["name"]);
        Assert.Equal("https://mta-sts.example.com/.well-known/mta-sts.txt", (string?)json["mtaSts"]!["url"]);
    }

    [Fact]
    public async Task Addresses_come_from_the_setting_when_no_option_is_given()
    {
        await Configure(""", "Dns": { "PublicAddresses": "198.51.100.7, 2001:db8::7" }""");
        var result = await Succeeds("dns", "records", "example.com");
        Assert.Contains("example.com. 3600 IN TXT \"v=spf1 mx ip4:198.51.100.7 ip6:2001:db8::7 -all\"", result.Lines);
    }

    [Fact]
    public async Task Errors_name_the_problem()
    {
        var noHostname = await mailctl.RunAsync(["dns", "records", "example.com", "--ip", "192.0.2.1"]);
        Assert.Equal(1, noHostname.ExitCode);
        Assert.Contains("unknown domain example.com", noHostname.StdErr, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(mailctl.Config, "domains", "example.com"));
        var missing = await mailctl.RunAsync(["dns", "records", "example.com", "--ip", "192.0.2.1"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no Hostname", missing.StdErr, StringComparison.Ordinal);

        await Configure();
        var badIp = await mailctl.RunAsync(["dns", "records", "example.com", "--ip", "192.0.2"]);
        Assert.Equal(2, badIp.ExitCode);
        Assert.Contains("'192.0.2' is not an IPv4 or IPv6 address", badIp.StdErr, StringComparison.Ordinal);

        var badDomain = await mailctl.RunAsync(["dns", "records", "exa mple.com"]);
        Assert.Equal(2, badDomain.ExitCode);
    }

    private async Task Configure(string extraSettings = "")
    {
        await File.WriteAllTextAsync(Path.Combine(mailctl.Config, "appliance.json"), $$"""{ "Hostname": "mail.example.com"{{extraSettings}} }""");
        if (!Directory.Exists(Path.Combine(mailctl.Config, "domains", "example.com", "dkim")))
        {
            await Succeeds("dkim", "keygen", "example.com", "--selector", "s1");
            await Succeeds("dkim", "keygen", "example.com", "--selector", "s2", "--algorithm", "ed25519");
        }
    }

    private async Task<MailCtlResult> Succeeds(params string[] arguments)
    {
        var result = await mailctl.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static object Zone(string line) => Invoke("ZoneRecord", "ParseZoneFileLine", line, string.Empty);

    private static object Parse(string type, string text) => Invoke(type, "Parse", text);

    private static T Get<T>(object target, string property) =>
        (T)target.GetType().GetProperty(property)!.GetValue(target)!;

    private static object Invoke(string type, string method, params object[] arguments)
    {
        var t = DnsRecords.Value.GetType("MailAppliance.DnsRecords." + type, throwOnError: true)!;
        var m = t.GetMethod(method, BindingFlags.Public | BindingFlags.Static, arguments.Select(a => a.GetType()).ToArray())!;
        try
        {
            return m.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
