using System.Security.Cryptography.X509Certificates;

namespace MailAppliance.Acme;

/// <summary>A certificate the CA issued: the chain as downloaded and the private key made for it.</summary>
/// <param name="FullChainPem">Leaf first, then intermediates (the future fullchain.pem).</param>
/// <param name="PrivateKeyPem">PKCS#8 PEM (the future privkey.pem).</param>
/// <param name="Leaf">The leaf, parsed.</param>
/// <param name="OrderUrl">The order it came from.</param>
public sealed record IssuedCertificate(string FullChainPem, string PrivateKeyPem, X509Certificate2 Leaf, Uri OrderUrl);
