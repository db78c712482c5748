using MailAppliance.Dns;
using MailAppliance.DnsCheck;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.DnsCheck;

/// <summary>
/// <c>tls.certificate</c> against the real relay's <c>/admin/tls</c> (loopback only): its self-signed fallback is a
/// warning; a certificate for the host name put in <c>config/certs/</c> passes; one for another name is an error.
/// </summary>
public sealed class RelayCertificateCheckTests
{
    private const string HostName = "mail.certcheck.test";

    [Fact]
    public async Task The_check_reads_what_the_relay_serves()
    {
        await using var relay = await RelayProcess.StartAsync(new RelaySetup { Hostname = HostName });
        using var http = new HttpClient();
        var source = new HttpRelayCertificateSource(http, relay.AdminUri.AbsoluteUri);

        var fallback = await source.GetAsync();
        Assert.True(fallback.Certificate is not null, fallback.Problem);
        Assert.True(fallback.Certificate.SelfSigned);
        Assert.Contains(HostName, fallback.Certificate.DnsNames);
        var check = await CheckAsync(source);
        Assert.Equal(CheckStatus.Warning, check.Status);
        Assert.Equal($"the relay serves its self-signed fallback certificate for {HostName}", check.Detail);

        using var issued = TestCertificates.Create(HostName, TimeSpan.FromDays(60));
        TestCertificates.Write(Path.Combine(relay.Certs, HostName), issued);
        await WaitForAsync(source, c => !c.SelfSigned);
        check = await CheckAsync(source);
        Assert.True(check.Status == CheckStatus.Ok, check.ToString());
        Assert.StartsWith($"the relay serves a certificate for {HostName}, valid until ", check.Detail, StringComparison.Ordinal);

        using var other = TestCertificates.Create("other.certcheck.test", TimeSpan.FromDays(60));
        TestCertificates.Write(Path.Combine(relay.Certs, HostName), other);
        await WaitForAsync(source, c => c.DnsNames.Contains("other.certcheck.test"));
        check = await CheckAsync(source);
        Assert.Equal(CheckStatus.Error, check.Status);
        Assert.Equal($"Have CertManager obtain a certificate for {HostName} (the Hostname setting) into config/certs/.", check.Instruction);
    }

    private static async Task<CheckResult> CheckAsync(IRelayCertificateSource source)
    {
        // Only the certificate matters here; the fake DNS is empty and no DNSBL is asked.
        var target = new DnsCheckTarget(HostName, [System.Net.IPAddress.Parse("203.0.113.7")], []);
        var report = await new DnsChecker(new FakeDnsResolver(), new DnsCheckOptions { Dnsbls = string.Empty }, relayCertificate: source).RunAsync(target);
        return report.Results.Single(r => r.Id == CheckIds.Certificate);
    }

    private static async Task WaitForAsync(IRelayCertificateSource source, Func<RelayCertificate, bool> served)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var fetch = await source.GetAsync();
            if (fetch.Certificate is { } certificate && served(certificate))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the relay did not serve the new certificate: {fetch.Certificate} {fetch.Problem}");
            }

            await Task.Delay(100);
        }
    }
}
