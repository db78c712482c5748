using System.Text;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.Arc;

/// <summary>
/// ARC keys served by a real bind9 on the test internet: our verifier asks it through the product's resolver
/// (DnsDkimKeyLocator over DnsClientResolver), and dkimpy's arc_verify, run in a host of the test internet, asks it
/// through its own DNS code. Both must see the chain our sealer made as a pass.
/// </summary>
public sealed class ArcDnsInteropTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("mailappliance-arc-dns-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [NetFact]
    public async Task A_seal_validates_with_its_key_in_bind9_for_us_and_for_dkimpy()
    {
        var net = fixture.Net;
        using var key = new DkimSigningKey("arc-forwarder.test", "arc2026", DkimKeyGenerator.Generate(DkimKeyType.Rsa));
        await net.Dns.SetZoneAsync("arc-forwarder.test", key.Record().ToZoneFileLine(key.Selector, key.Domain) + "\n");
        var verifier = new ArcVerifier(new DnsDkimKeyLocator(net.Dns.CreateResolver()));
        byte[] message = Encoding.ASCII.GetBytes(
            "From: Alice <alice@origin.test>\r\nTo: bob@arc-forwarder.test\r\nSubject: over DNS\r\n" +
            "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMessage-ID: <arc-dns@origin.test>\r\n\r\nHello over real DNS.\r\n");

        var result = await new ArcSealer(key).SealMessageAsync(message, "mx.arc-forwarder.test", "spf=pass smtp.mailfrom=origin.test", verifier);
        byte[] sealed_ = [.. result.Fields, .. message];

        var ours = await verifier.VerifyMessageAsync(sealed_);
        Assert.True(ours.Status == ArcChainStatus.Pass, ours.ToString());

        string path = Path.Combine(directory, "sealed.eml");
        await File.WriteAllBytesAsync(path, sealed_);
        var host = await net.AddHostAsync("arcverify");
        var dkimpy = await host.RunAsync(TestInternet.Python, Path.Combine(Repo.Root, "tests", "MailAppliance.IntegrationTests", "Arc", "dkimpy_arc.py"), "verify", path);
        Assert.True(dkimpy.Succeeded && dkimpy.StdOut.StartsWith("pass", StringComparison.Ordinal), dkimpy + "\n--- named ---\n" + net.Dns.Log);

        // Without the key in DNS both refuse the chain.
        await net.Dns.SetZoneAsync("arc-forwarder.test", "www A 127.0.0.1\n");
        Assert.Equal(ArcChainStatus.Fail, (await verifier.VerifyMessageAsync(sealed_)).Status);
        var withoutKey = await host.RunAsync(TestInternet.Python, Path.Combine(Repo.Root, "tests", "MailAppliance.IntegrationTests", "Arc", "dkimpy_arc.py"), "verify", path);
        Assert.False(withoutKey.Succeeded, withoutKey.ToString());
    }
}
