namespace MailAppliance.CertManager;

/// <summary>The certificate CertManager manages: its names and its files under config/certs.</summary>
/// <param name="Names">Names on the certificate (configured, or the top-level Hostname).</param>
/// <param name="Files">Its files.</param>
public sealed record CertificateTarget(IReadOnlyList<string> Names, CertificateFiles Files);
