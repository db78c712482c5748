using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>
/// The flattened JWS JSON serialization every ACME POST carries (RFC 8555 §6.2, RFC 7515 §7.2.2).
/// </summary>
public static class AcmeJws
{
    /// <summary>
    /// Signs <paramref name="payload"/> for <paramref name="url"/>. Before registration the header carries the
    /// account's JWK; afterwards its <paramref name="keyId"/> (account URL), never both (RFC 8555 §6.2).
    /// A null payload is POST-as-GET: an empty payload string (RFC 8555 §6.3).
    /// </summary>
    public static string Sign(AcmeAccountKey key, Uri url, string nonce, string? keyId, ReadOnlySpan<byte> payload, bool postAsGet = false)
    {
        string header = keyId is null
            ? $"{{\"alg\":\"{AcmeAccountKey.Algorithm}\",\"jwk\":{key.JwkJson},\"nonce\":{Quote(nonce)},\"url\":{Quote(url.AbsoluteUri)}}}"
            : $"{{\"alg\":\"{AcmeAccountKey.Algorithm}\",\"kid\":{Quote(keyId)},\"nonce\":{Quote(nonce)},\"url\":{Quote(url.AbsoluteUri)}}}";
        string encodedHeader = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header));
        string encodedPayload = postAsGet ? string.Empty : Base64Url.EncodeToString(payload);
        byte[] signature = key.Sign(Encoding.ASCII.GetBytes(encodedHeader + "." + encodedPayload));
        return Serialize(encodedHeader, encodedPayload, Base64Url.EncodeToString(signature));
    }

    /// <summary>
    /// The external account binding (RFC 8555 §7.3.4): a JWS over the account's JWK, MAC'd with HS256 under the
    /// key the CA handed out, with the CA's key identifier as <c>kid</c> and the newAccount URL. No nonce.
    /// </summary>
    public static string ExternalAccountBinding(AcmeAccountKey accountKey, string macKeyId, ReadOnlySpan<byte> macKey, Uri newAccountUrl)
    {
        string header = $"{{\"alg\":\"HS256\",\"kid\":{Quote(macKeyId)},\"url\":{Quote(newAccountUrl.AbsoluteUri)}}}";
        string encodedHeader = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header));
        string encodedPayload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(accountKey.JwkJson));
        byte[] mac = HMACSHA256.HashData(macKey, Encoding.ASCII.GetBytes(encodedHeader + "." + encodedPayload));
        return Serialize(encodedHeader, encodedPayload, Base64Url.EncodeToString(mac));
    }

    private static string Serialize(string encodedHeader, string encodedPayload, string signature) =>
        $"{{\"protected\":\"{encodedHeader}\",\"payload\":\"{encodedPayload}\",\"signature\":\"{signature}\"}}";

    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
