using System.Security.Cryptography;
using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>The hash an ARC-Seal signs (RFC 8617 §5.1.1), the same for sealing and validating.</summary>
internal static class ArcSealHash
{
    /// <summary>
    /// Hashes the ARC Sets 1..N in instance order, each as AAR, AMS, AS, with relaxed header canonicalization
    /// (RFC 8617 §5.1.1: the seal has no c= tag; relaxed is used); the seal being made or checked comes last with its
    /// b= value removed and no final CRLF, as in DKIM (RFC 6376 §3.7).
    /// </summary>
    /// <param name="earlier">The fields of the sets before the newest one, in order (AAR, AMS, AS per set).</param>
    /// <param name="newestAar">The newest set's AAR.</param>
    /// <param name="newestAms">The newest set's AMS.</param>
    /// <param name="seal">The newest set's AS (its b= is ignored).</param>
    public static byte[] Compute(IEnumerable<DkimHeaderField> earlier, DkimHeaderField newestAar, DkimHeaderField newestAms, DkimHeaderField seal)
    {
        const DkimCanonicalizationAlgorithm relaxed = DkimCanonicalizationAlgorithm.Relaxed;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var field in earlier)
        {
            hash.AppendData(DkimHeaderCanonicalizer.Canonicalize(field, relaxed));
        }

        hash.AppendData(DkimHeaderCanonicalizer.Canonicalize(newestAar, relaxed));
        hash.AppendData(DkimHeaderCanonicalizer.Canonicalize(newestAms, relaxed));
        hash.AppendData(DkimSignature.HashInput(seal, relaxed));
        return hash.GetHashAndReset();
    }

    /// <summary>The fields of sets 1..<paramref name="through"/> in the order the seal hash takes them.</summary>
    public static IEnumerable<DkimHeaderField> Fields(IReadOnlyList<ArcSet> sets, int through) =>
        sets.Where(s => s.Instance <= through)
            .SelectMany(s => new[] { s.AuthenticationResults.Field, s.MessageSignature.Field, s.Seal.Field });
}
