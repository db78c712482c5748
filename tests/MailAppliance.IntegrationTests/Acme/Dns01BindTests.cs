using System.Net;
using MailAppliance.Acme;
using MailAppliance.Acme.Dns01;

namespace MailAppliance.IntegrationTests.Acme;

/// <summary>
/// DNS-01 through RFC 2136 updates signed with TSIG against a real bind9, and Pebble validating against that
/// bind9 (<c>pebble -dnsserver</c>).
/// </summary>
public sealed class Dns01BindTests
{
    private const string Zone = "example.test";

    [PebbleFact]
    public async Task IssuesAWildcardCertificateThroughDns01_AndRemovesTheRecordsAfterwards()
    {
        await using var bind = await BindServer.StartAsync(Zone, "mail IN A 127.0.0.1");
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { DnsServer = bind.Server });
        using var http = AcmeHttp.CreateClient(pebble.TrustedRootsFile);
        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(http, pebble.DirectoryUrl, key);
        await client.RegisterAsync([], termsOfServiceAgreed: true);

        var responder = new Dns01ChallengeResponder(Settings(bind, TsigKey.FromBase64(bind.TsigKeyName, TsigKey.HmacSha256, bind.TsigSecret)));
        var issuer = new AcmeCertificateIssuer(client, [responder]);
        var issued = await issuer.IssueAsync(["*.example.test", "example.test"], new AcmeIssuanceOptions());

        Assert.True(await pebble.ChainsToRootAsync(issued.FullChainPem));
        Assert.True(issued.Leaf.MatchesHostname("anything.example.test"));
        Assert.True(issued.Leaf.MatchesHostname("example.test"));
        Assert.Contains("updating zone 'example.test/IN'", bind.Log, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await bind.DigAsync("TXT", "_acme-challenge.example.test"));
    }

    [PebbleFact]
    public async Task TheRecordIsServedWhilePrepared()
    {
        await using var bind = await BindServer.StartAsync(Zone, string.Empty);
        var responder = new Dns01ChallengeResponder(Settings(bind, TsigKey.FromBase64(bind.TsigKeyName, "hmac-sha256", bind.TsigSecret)));
        var authorization = new AcmeAuthorization(new Uri("https://ca.test/authz/1"), AcmeIdentifier.Dns("mail.example.test"), AcmeStatus.Pending, false, []);
        var challenge = new AcmeChallenge(AcmeChallenge.Dns01, new Uri("https://ca.test/chall/1"), "token", AcmeStatus.Pending, null);

        await responder.PrepareAsync(authorization, challenge, "token.thumbprint", CancellationToken.None);
        Assert.Equal($"\"{Dns01ChallengeResponder.RecordValue("token.thumbprint")}\"", await bind.DigAsync("TXT", "_acme-challenge.mail.example.test"));

        await responder.CleanupAsync(authorization, challenge, "token.thumbprint", CancellationToken.None);
        Assert.Equal(string.Empty, await bind.DigAsync("TXT", "_acme-challenge.mail.example.test"));
    }

    [PebbleFact]
    public async Task AWrongTsigSecretIsRefusedAndNothingChanges()
    {
        await using var bind = await BindServer.StartAsync(Zone, string.Empty);
        var wrong = new TsigKey(bind.TsigKeyName, TsigKey.HmacSha256, new byte[32]);
        var client = new DnsUpdateClient(new IPEndPoint(IPAddress.Loopback, bind.Port), wrong);
        var result = await client.SendAsync(Zone, [DnsUpdate.AddTxt("_acme-challenge.mail.example.test", "x", 60)]);

        Assert.False(result.Succeeded);
        Assert.True(result.ResponseCode == 9, $"{result}\n{bind.Log}"); // NOTAUTH (RFC 8945 §5.2: BADSIG).
        Assert.Equal(string.Empty, await bind.DigAsync("TXT", "_acme-challenge.mail.example.test"));
    }

    [PebbleFact]
    public async Task ASignedAnswerIsVerified()
    {
        await using var bind = await BindServer.StartAsync(Zone, string.Empty);
        var key = TsigKey.FromBase64(bind.TsigKeyName, TsigKey.HmacSha256, bind.TsigSecret);
        var client = new DnsUpdateClient(new IPEndPoint(IPAddress.Loopback, bind.Port), key);
        var result = await client.SendAsync(Zone, [DnsUpdate.AddTxt("check.example.test", "signed", 60)]);
        Assert.True(result.Succeeded, $"{result}\n{bind.Log}");
        Assert.True(result.Signed);
        Assert.Equal("\"signed\"", await bind.DigAsync("TXT", "check.example.test"));
    }

    private static Dns01Settings Settings(BindServer bind, TsigKey key) =>
        new(new IPEndPoint(IPAddress.Loopback, bind.Port), Zone, key, 60, TimeSpan.Zero);
}
