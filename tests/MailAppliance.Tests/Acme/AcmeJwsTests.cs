using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailAppliance.Acme;

namespace MailAppliance.Tests.Acme;

public sealed class AcmeJwsTests
{
    private static readonly Uri Url = new("https://ca.example/acme/new-order");

    [Fact]
    public void BeforeRegistration_TheHeaderCarriesTheJwk_AndTheSignatureVerifies()
    {
        using var key = AcmeAccountKey.Create();
        using var jws = JsonDocument.Parse(AcmeJws.Sign(key, Url, "nonce-1", keyId: null, "{\"a\":1}"u8));
        var (header, payload, signingInput, signature) = Split(jws.RootElement);

        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal("nonce-1", header.GetProperty("nonce").GetString());
        Assert.Equal(Url.AbsoluteUri, header.GetProperty("url").GetString());
        Assert.Equal("EC", header.GetProperty("jwk").GetProperty("kty").GetString());
        Assert.False(header.TryGetProperty("kid", out _)); // RFC 8555 §6.2: jwk or kid, never both.
        Assert.Equal("{\"a\":1}", payload);
        Assert.Equal(64, signature.Length); // r || s, 32 octets each (RFC 7518 §3.4), not DER.
        Assert.True(key.Verify(signingInput, signature));
    }

    [Fact]
    public void AfterRegistration_TheHeaderCarriesTheKid_AndPostAsGetHasAnEmptyPayload()
    {
        using var key = AcmeAccountKey.Create();
        using var jws = JsonDocument.Parse(AcmeJws.Sign(key, Url, "n", "https://ca.example/acme/acct/7", [], postAsGet: true));
        var (header, _, signingInput, signature) = Split(jws.RootElement);

        Assert.Equal("https://ca.example/acme/acct/7", header.GetProperty("kid").GetString());
        Assert.False(header.TryGetProperty("jwk", out _));
        Assert.Equal(string.Empty, jws.RootElement.GetProperty("payload").GetString()); // RFC 8555 §6.3.
        Assert.True(key.Verify(signingInput, signature));
    }

    [Fact]
    public void ATamperedPayloadDoesNotVerify()
    {
        using var key = AcmeAccountKey.Create();
        using var jws = JsonDocument.Parse(AcmeJws.Sign(key, Url, "n", null, "{}"u8));
        var (_, _, signingInput, signature) = Split(jws.RootElement);
        signingInput[^1] ^= 1;
        Assert.False(key.Verify(signingInput, signature));
    }

    [Fact]
    public void TheThumbprintIsTheSha256OfTheCanonicalJwk()
    {
        using var key = AcmeAccountKey.Create();
        using var jwk = JsonDocument.Parse(key.JwkJson);
        // RFC 7638 §3.2: exactly crv, kty, x, y in lexicographic order, no whitespace.
        Assert.Equal(["crv", "kty", "x", "y"], jwk.RootElement.EnumerateObject().Select(p => p.Name));
        string canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{jwk.RootElement.GetProperty("x").GetString()}\",\"y\":\"{jwk.RootElement.GetProperty("y").GetString()}\"}}";
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), key.Thumbprint);
        Assert.Equal("token123." + key.Thumbprint, key.KeyAuthorization("token123"));
    }

    [Fact]
    public void TheKeySurvivesAPemRoundTrip()
    {
        using var key = AcmeAccountKey.Create();
        using var again = AcmeAccountKey.FromPem(key.ExportPem());
        Assert.Equal(key.Thumbprint, again.Thumbprint);
    }

    [Fact]
    public void LoadOrCreate_WritesTheKeyOwnerOnly_AndReadsTheSameKeyBack()
    {
        string directory = Directory.CreateTempSubdirectory("acme-key-").FullName;
        try
        {
            string path = Path.Combine(directory, "account-key.pem");
            using var created = AcmeAccountKey.LoadOrCreate(path);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            using var loaded = AcmeAccountKey.LoadOrCreate(path);
            Assert.Equal(created.Thumbprint, loaded.Thumbprint);
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    [Fact]
    public void ExternalAccountBinding_IsAnHs256MacOverTheAccountJwk()
    {
        using var key = AcmeAccountKey.Create();
        byte[] macKey = RandomNumberGenerator.GetBytes(32);
        var newAccount = new Uri("https://ca.example/acme/new-account");
        using var jws = JsonDocument.Parse(AcmeJws.ExternalAccountBinding(key, "kid-1", macKey, newAccount));
        var (header, payload, signingInput, mac) = Split(jws.RootElement);

        // RFC 8555 §7.3.4: alg HS256, kid = the CA's key id, url = newAccount, no nonce; payload = the JWK.
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.Equal("kid-1", header.GetProperty("kid").GetString());
        Assert.Equal(newAccount.AbsoluteUri, header.GetProperty("url").GetString());
        Assert.False(header.TryGetProperty("nonce", out _));
        Assert.Equal(key.JwkJson, payload);
        Assert.Equal(HMACSHA256.HashData(macKey, signingInput), mac);
    }

    private static (JsonElement Header, string Payload, byte[] SigningInput, byte[] Signature) Split(JsonElement jws)
    {
        string protectedHeader = jws.GetProperty("protected").GetString()!;
        string payload = jws.GetProperty("payload").GetString()!;
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(protectedHeader));
        return (header.RootElement.Clone(), Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)),
            Encoding.ASCII.GetBytes(protectedHeader + "." + payload), Base64Url.DecodeFromChars(jws.GetProperty("signature").GetString()!));
    }
}
