using System.Security.Cryptography;

namespace MailAppliance.Dkim;

/// <summary>The header hash (RFC 6376 §3.7 hash step 2), the same for signing and verifying.</summary>
internal static class DkimHeaderHash
{
    /// <summary>
    /// Hashes the fields named in <c>h=</c>, then the DKIM-Signature field's own hash input.
    /// </summary>
    /// <param name="fields">The message's header fields, top to bottom.</param>
    /// <param name="signedNames">The <c>h=</c> names in order.</param>
    /// <param name="algorithm">The header canonicalization.</param>
    /// <param name="signatureInput">The DKIM-Signature field with an empty <c>b=</c>, canonicalized, no final CRLF.</param>
    /// <param name="exclude">The field being verified: never selected for its own <c>h=</c> (RFC 6376 §3.5 h=).</param>
    public static byte[] Compute(
        IReadOnlyList<DkimHeaderField> fields, IEnumerable<string> signedNames, DkimCanonicalizationAlgorithm algorithm,
        ReadOnlySpan<byte> signatureInput, DkimHeaderField? exclude = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // RFC 6376 §5.4.2: for a name listed n times, the last n instances are signed, bottom-up; a name listed more
        // often than present contributes nothing for the extra entries (the null string, §3.5 h=).
        var nextSearch = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in signedNames)
        {
            int index = nextSearch.TryGetValue(name, out int from) ? from : fields.Count;
            do
            {
                index--;
            }
            while (index >= 0 && (!fields[index].Is(name) || ReferenceEquals(fields[index], exclude)));

            nextSearch[name] = Math.Max(index, 0);
            if (index >= 0)
            {
                hash.AppendData(DkimHeaderCanonicalizer.Canonicalize(fields[index], algorithm));
            }
        }

        // RFC 6376 §3.7 step 2: the DKIM-Signature field comes last, "without a trailing CRLF".
        hash.AppendData(signatureInput);
        return hash.GetHashAndReset();
    }
}
