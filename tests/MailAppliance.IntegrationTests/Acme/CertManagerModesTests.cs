using System.Net;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Acme;

/// <summary>The CertManager process in its other modes: DNS-01 against bind9, and External (files from another tool).</summary>
public sealed class CertManagerModesTests
{
    private const string Hostname = "mail.example.test";

    [PebbleFact]
    public async Task IssuesAWildcardThroughDns01AgainstBind9_AndTheRelayServesIt()
    {
        await using var bind = await BindServer.StartAsync("example.test", "mail IN A 127.0.0.1");
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { DnsServer = bind.Server });
        await using var relay = await RelayProcess.StartAsync(new RelaySetup { Hostname = Hostname });
        var settings = CertManagerProcess.PebbleSettings(pebble, relay.AdminUri);
        settings["CertManager__Names__0"] = "*.example.test";
        settings["CertManager__Names__1"] = "example.test";
        settings["CertManager__Challenge"] = "dns-01";
        settings["CertManager__Dns01__Server"] = bind.Server;
        settings["CertManager__Dns01__Zone"] = "example.test";
        settings["CertManager__Dns01__TsigKeyName"] = bind.TsigKeyName;
        settings["CertManager__Dns01__TsigSecret"] = bind.TsigSecret;
        await using var certManager = await CertManagerProcess.StartAsync(relay.Config, relay.State, settings);

        await certManager.WaitForHealthAsync("Healthy", TimeSpan.FromSeconds(60));
        string chainPath = Path.Combine(relay.Certs, "_wildcard.example.test", "fullchain.pem");
        Assert.True(await pebble.ChainsToRootAsync(await File.ReadAllTextAsync(chainPath)));
        string serial = CertManagerPebbleTests.ReadSerial(chainPath);
        await CertManagerPebbleTests.WaitForServedSerialAsync(relay, s => s == serial, TimeSpan.FromSeconds(10), certManager);
        await using var client = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.SubmissionsPort, implicitTls: true);
        Assert.Equal(serial, client.RemoteCertificate!.SerialNumber);
        Assert.Equal(string.Empty, await bind.DigAsync("TXT", "_acme-challenge.example.test"));
    }

    [Fact]
    public async Task ExternalMode_CopiesAnotherToolsFilesIn_AndAgainWhenTheyChange()
    {
        await using var relay = await RelayProcess.StartAsync(new RelaySetup { Hostname = Hostname });
        string live = Path.Combine(relay.Root, "letsencrypt", "live", Hostname);
        using var first = TestCertificates.Create(Hostname, TimeSpan.FromDays(90));
        TestCertificates.Write(live, first);
        await using var certManager = await CertManagerProcess.StartAsync(relay.Config, relay.State, new Dictionary<string, string>
        {
            ["CertManager__Mode"] = "External",
            ["CertManager__ExternalCertificateFile"] = Path.Combine(live, "fullchain.pem"),
            ["CertManager__ExternalKeyFile"] = Path.Combine(live, "privkey.pem"),
            ["CertManager__RelayAdminUrl"] = relay.AdminUri.AbsoluteUri,
        });

        string installed = Path.Combine(relay.Certs, Hostname, "fullchain.pem");
        await CertManagerPebbleTests.WaitForServedSerialAsync(relay, s => s == first.SerialNumber, TimeSpan.FromSeconds(20), certManager);
        Assert.Equal(first.SerialNumber, CertManagerPebbleTests.ReadSerial(installed));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(relay.Certs, Hostname, "privkey.pem")));

        // certbot renews: CertManager notices and the relay serves the new one.
        using var second = TestCertificates.Create(Hostname, TimeSpan.FromDays(90));
        TestCertificates.Write(live, second);
        await CertManagerPebbleTests.WaitForServedSerialAsync(relay, s => s == second.SerialNumber, TimeSpan.FromSeconds(20), certManager);
        Assert.Equal(second.SerialNumber, CertManagerPebbleTests.ReadSerial(installed));
        // The state is saved once the relay confirmed the serial, a moment after it serves it.
        await certManager.WaitForStateAsync(Hostname, state => state.Serial == second.SerialNumber && state.RelayConfirmed, TimeSpan.FromSeconds(10));
    }
}
