namespace MailAppliance.Acme;

/// <summary>How long and how often <see cref="AcmeCertificateIssuer"/> polls.</summary>
public sealed class AcmeIssuanceOptions
{
    /// <summary>Poll interval when the server sends no Retry-After.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait the client accepts from a Retry-After while polling.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an authorization or order may stay pending/processing before giving up.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Key type of the certificate.</summary>
    public CertificateKeyAlgorithm KeyAlgorithm { get; init; } = CertificateKeyAlgorithm.EcdsaP256;

    /// <summary>The ARI id of the certificate being replaced (RFC 9773 §5), sent as <c>replaces</c>.</summary>
    public string? Replaces { get; init; }
}
