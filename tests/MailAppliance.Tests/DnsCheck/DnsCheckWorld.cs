using System.Net;
using MailAppliance.Dkim;
using MailAppliance.Dns;
using MailAppliance.DnsCheck;
using MailAppliance.DnsRecords;

namespace MailAppliance.Tests.DnsCheck;

/// <summary>
/// A domain whose DNS (a <see cref="FakeDnsResolver"/>) holds exactly what <see cref="ExpectedRecords"/> prints, plus
/// the PTRs, a served MTA-STS policy and a relay certificate; each test breaks one thing.
/// </summary>
internal sealed class DnsCheckWorld
{
    public const string Domain = "example.com";
    public const string Host = "mail.example.com";

    public static readonly IPAddress V4 = IPAddress.Parse("192.0.2.10");
    public static readonly IPAddress V6 = IPAddress.Parse("2001:db8::25");

    public DnsCheckWorld()
    {
        using var key = DkimKeyGenerator.Generate(DkimKeyType.Ed25519);
        DkimKey = new DkimSelectorRecord("s1", DkimKeyRecord.For(key));
        Expected = ExpectedRecords.For(Domain, Host, [V4, V6], [DkimKey]);
        foreach (var record in Expected.Records)
        {
            Add(record);
        }

        Policy = new FakePolicySource { Text = Expected.MtaStsPolicy.ToString() };
    }

    public FakeDnsResolver Dns { get; } = new();

    public ExpectedRecords Expected { get; }

    public DkimSelectorRecord DkimKey { get; }

    public DnsCheckOptions Options { get; } = new() { Dnsbls = "bl.example.net" };

    public FakePolicySource Policy { get; }

    public FakeCertificateSource Certificate { get; } = new()
    {
        Certificate = new RelayCertificate("CN=" + Host, [Host], Now.AddDays(-10), Now.AddDays(80), SelfSigned: false),
    };

    public static DateTimeOffset Now { get; } = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    public DnsCheckTarget Target => new(Host, [V4, V6], [new DomainCheckTarget(Domain, [DkimKey])]);

    public ZoneRecord Record(string name, string type) => Expected.Records.Single(r => r.Name == name && r.Type == type);

    public void Add(ZoneRecord record)
    {
        switch (record.Type)
        {
            case "MX":
                var mx = MxRecordSpec.Parse(record.Name, record.Data[0]);
                Dns.AddMx(record.Name, mx.Preference, mx.Exchange);
                break;
            case "TXT":
                Dns.AddTxt(record.Name, [.. record.Data]);
                break;
            case "A":
            case "AAAA":
                Dns.AddAddress(record.Name, IPAddress.Parse(record.Data[0]));
                break;
            case "CAA":
                var caa = CaaRecordSpec.Parse(record.Name, record.Data[0]);
                Dns.AddCaa(record.Name, caa.Flags, caa.Tag, caa.Value);
                break;
            case "PTR":
                // The reverse name back to the address: the world has only the two addresses.
                var address = new[] { V4, V6 }.Single(a => PtrRecordSpec.Reverse(a) == record.Name);
                Dns.AddPtr(address, record.Data[0]);
                break;
            default:
                throw new InvalidOperationException(record.Type);
        }
    }

    public Task<DnsCheckReport> RunAsync() =>
        new DnsChecker(Dns, Options, new SpfPassEvaluator(Dns), Policy, Certificate, new FixedTime(Now)).RunAsync(Target);

    internal sealed class FakePolicySource : IMtaStsPolicySource
    {
        public string? Text { get; set; }

        public Task<MtaStsPolicyFetch> FetchAsync(string domain, CancellationToken cancellationToken = default) =>
            Task.FromResult(new MtaStsPolicyFetch(MtaStsPolicy.Url(domain), Text, Text is null ? "Connection refused" : null));
    }

    internal sealed class FakeCertificateSource : IRelayCertificateSource
    {
        public RelayCertificate? Certificate { get; set; }

        public Task<RelayCertificateFetch> GetAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new RelayCertificateFetch("http://127.0.0.1:8025/admin/tls", Certificate, Certificate is null ? "Connection refused" : null));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
