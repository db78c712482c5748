using System.Net;
using MailAppliance.Acme;

namespace MailAppliance.IntegrationTests.Acme;

/// <summary>The ACME client against a real CA (Debian's Pebble) on loopback.</summary>
public sealed class AcmeClientPebbleTests
{
    [PebbleFact]
    public async Task IssuesThroughHttp01AndTheChainLeadsToPebblesRoot()
    {
        // A third of good nonces refused: the badNonce retry has to work for the issuance to finish.
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { NonceRejectPercent = 30 });
        using var http = AcmeHttp.CreateClient(pebble.TrustedRootsFile);
        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(http, pebble.DirectoryUrl, key);
        string account = await client.RegisterAsync(["postmaster@example.test"], termsOfServiceAgreed: true);
        Assert.StartsWith($"https://127.0.0.1:{pebble.ListenPort}/", account, StringComparison.Ordinal);

        var responder = new Http01ChallengeResponder();
        await using var server = await Http01ChallengeServer.StartAsync(responder, IPAddress.Loopback, pebble.HttpChallengePort);
        var issuer = new AcmeCertificateIssuer(client, [responder]);
        var issued = await issuer.IssueAsync(["mail.example.test", "mta-sts.example.test"], new AcmeIssuanceOptions());

        Assert.True(await pebble.ChainsToRootAsync(issued.FullChainPem), "the chain does not lead to Pebble's root:\n" + issued.FullChainPem);
        Assert.True(issued.Leaf.MatchesHostname("mail.example.test"));
        Assert.True(issued.Leaf.MatchesHostname("mta-sts.example.test"));
        Assert.Contains("BEGIN PRIVATE KEY", issued.PrivateKeyPem, StringComparison.Ordinal);
        Assert.False(responder.TryGetKeyAuthorization("anything", out _));
    }

    [PebbleFact]
    public async Task AnExistingAccountIsFoundAgainWithTheSameKey()
    {
        await using var pebble = await PebbleServer.StartAsync();
        using var http = AcmeHttp.CreateClient(pebble.TrustedRootsFile);
        using var key = AcmeAccountKey.Create();
        string first = await new AcmeClient(http, pebble.DirectoryUrl, key).RegisterAsync([], true);
        string second = await new AcmeClient(http, pebble.DirectoryUrl, key).RegisterAsync([], true);
        Assert.Equal(first, second);
    }

    [PebbleFact]
    public async Task ExternalAccountBinding_IsRequiredByTheCa_AndAcceptedWithTheRightKey()
    {
        string macKey = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { ExternalAccountMacKeys = { ["kid-1"] = macKey } });
        using var http = AcmeHttp.CreateClient(pebble.TrustedRootsFile);
        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(http, pebble.DirectoryUrl, key);
        Assert.True((await client.GetDirectoryAsync()).ExternalAccountRequired);

        var refused = await Assert.ThrowsAsync<AcmeProblemException>(() => client.RegisterAsync([], true));
        Assert.Equal(AcmeProblem.ExternalAccountRequired, refused.Type);

        // A wrong HMAC key is refused by the CA itself.
        var wrong = await Assert.ThrowsAsync<AcmeProblemException>(() => client.RegisterAsync([], true, ("kid-1", new byte[48])));
        Assert.StartsWith(AcmeProblem.ErrorPrefix, wrong.Type, StringComparison.Ordinal);

        string account = await client.RegisterAsync(["postmaster@example.test"], true, ("kid-1", System.Buffers.Text.Base64Url.DecodeFromChars(macKey)));
        Assert.False(string.IsNullOrEmpty(account));
    }

    [PebbleFact]
    public async Task AFailedHttp01ChallengeIsATypedProblem()
    {
        await using var pebble = await PebbleServer.StartAsync();
        using var http = AcmeHttp.CreateClient(pebble.TrustedRootsFile);
        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(http, pebble.DirectoryUrl, key);
        await client.RegisterAsync([], true);

        // No server answers on the challenge port: Pebble's VA cannot connect.
        var issuer = new AcmeCertificateIssuer(client, [new Http01ChallengeResponder()]);
        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => issuer.IssueAsync(["mail.example.test"], new AcmeIssuanceOptions()));
        Assert.StartsWith(AcmeProblem.ErrorPrefix, e.Type, StringComparison.Ordinal);
        Assert.Contains("http-01", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [PebbleFact]
    public async Task ARefusedRequestBecomesAnAcmeProblemException()
    {
        await using var pebble = await PebbleServer.StartAsync();
        using var http = AcmeHttp.CreateClient(pebble.TrustedRootsFile);
        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(http, pebble.DirectoryUrl, key);
        await client.RegisterAsync([], true);

        // An IP literal is not a dns identifier: Pebble refuses the order with a problem document.
        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync([new AcmeIdentifier("dns", "bad name!")]));
        Assert.StartsWith(AcmeProblem.ErrorPrefix, e.Type, StringComparison.Ordinal);
        Assert.True(e.HttpStatus >= 400);
        Assert.False(string.IsNullOrEmpty(e.Detail));
    }
}
