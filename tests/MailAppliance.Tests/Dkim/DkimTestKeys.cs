using MailAppliance.Dkim;

namespace MailAppliance.Tests.Dkim;

/// <summary>Keys for the tests: made once per run (RSA generation is slow), plus the RFC 8463 Appendix A key.</summary>
internal static class DkimTestKeys
{
    private static readonly Lazy<DkimPrivateKey> Rsa = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));
    private static readonly Lazy<DkimPrivateKey> Ed25519 = new(() => DkimKeyGenerator.Generate(DkimKeyType.Ed25519));

    /// <summary>RFC 8463 Appendix A.1's Ed25519 private key (the RFC 8032 §7.1 test 1 secret).</summary>
    public static readonly byte[] Rfc8463Seed = Convert.FromBase64String("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=");

    /// <summary>Its public key as RFC 8463 Appendix A.2 publishes it.</summary>
    public const string Rfc8463PublicKey = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    public static DkimPrivateKey RsaKey => Rsa.Value;

    public static DkimPrivateKey Ed25519Key => Ed25519.Value;

    /// <summary>A signing key over a shared private key (not disposed by the tests: shared for the run).</summary>
    public static DkimSigningKey Signing(DkimKeyType type, string selector, string domain = "example.com") =>
        new(domain, selector, type == DkimKeyType.Rsa ? RsaKey : Ed25519Key);

    /// <summary>A locator publishing the records of the given keys.</summary>
    public static StaticDkimKeyLocator Locator(params DkimSigningKey[] keys)
    {
        var locator = new StaticDkimKeyLocator();
        foreach (var key in keys)
        {
            locator.Add(key.Selector, key.Domain, key.Record().ToString());
        }

        return locator;
    }
}
