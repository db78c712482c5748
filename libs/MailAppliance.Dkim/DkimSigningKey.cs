namespace MailAppliance.Dkim;

/// <summary>A private key with the domain and selector it signs for (<c>d=</c>, <c>s=</c>).</summary>
public sealed class DkimSigningKey : IDisposable
{
    /// <summary>Creates a signing key.</summary>
    /// <exception cref="ArgumentException">The domain or selector is not valid in a DKIM-Signature.</exception>
    public DkimSigningKey(string domain, string selector, DkimPrivateKey privateKey)
    {
        domain = domain.ToLowerInvariant();
        if (!DkimNames.IsDomainName(domain))
        {
            throw new ArgumentException($"'{domain}' is not a domain name", nameof(domain));
        }

        if (!DkimNames.IsSelector(selector))
        {
            throw new ArgumentException($"'{selector}' is not a valid selector", nameof(selector));
        }

        Domain = domain;
        Selector = selector;
        PrivateKey = privateKey;
    }

    /// <summary>The signing domain (SDID, <c>d=</c>), lower-cased.</summary>
    public string Domain { get; }

    /// <summary>The selector (<c>s=</c>).</summary>
    public string Selector { get; }

    /// <summary>The key.</summary>
    public DkimPrivateKey PrivateKey { get; }

    /// <summary>The algorithm the key signs with.</summary>
    public DkimAlgorithm Algorithm => PrivateKey.Algorithm;

    /// <summary>The record to publish at <c>selector._domainkey.domain</c>.</summary>
    public DkimKeyRecord Record() => DkimKeyRecord.For(PrivateKey);

    /// <inheritdoc />
    public void Dispose() => PrivateKey.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Selector}._domainkey.{Domain} ({Algorithm.TagValue()})";
}
