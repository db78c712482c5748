using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;

namespace MailAppliance.Dkim;

/// <summary>An Ed25519 DKIM key (ed25519-sha256, RFC 8463), through BouncyCastle since .NET has no Ed25519.</summary>
internal sealed class DkimEd25519PrivateKey(Ed25519PrivateKeyParameters key) : DkimPrivateKey
{
    public override DkimKeyType KeyType => DkimKeyType.Ed25519;

    public override int KeySize => 256;

    // RFC 8463 §4: p= is the base64 of the 32-octet public key itself, not an ASN.1 structure.
    public override byte[] PublicKeyData() => key.GeneratePublicKey().GetEncoded();

    public override byte[] SignHash(ReadOnlySpan<byte> sha256)
    {
        // RFC 8463 §3: "It signs the hash with the PureEdDSA variant Ed25519" - the message signed is the hash.
        var signer = new Ed25519Signer();
        signer.Init(forSigning: true, key);
        signer.BlockUpdate(sha256);
        return signer.GenerateSignature();
    }

    public override string ExportPkcs8Pem()
    {
        byte[] der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
        return new string(PemEncoding.Write("PRIVATE KEY", der)) + "\n";
    }
}
