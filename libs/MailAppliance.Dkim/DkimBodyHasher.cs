using System.Security.Cryptography;

namespace MailAppliance.Dkim;

/// <summary>
/// The body hash (RFC 6376 §3.7 hash step 1): SHA-256 over the canonicalized body, truncated to <c>l=</c> octets
/// when a limit is given. Fed incrementally, so a large body is never held in memory.
/// </summary>
public sealed class DkimBodyHasher : IDisposable
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly DkimBodyCanonicalizer canonicalizer;
    private readonly long? lengthLimit;
    private byte[]? result;

    /// <summary>Creates a hasher.</summary>
    /// <param name="algorithm">The body canonicalization.</param>
    /// <param name="lengthLimit">The <c>l=</c> value when verifying, or null for the whole body (we never sign with
    /// <c>l=</c>: RFC 6376 §8.2).</param>
    public DkimBodyHasher(DkimCanonicalizationAlgorithm algorithm, long? lengthLimit = null)
    {
        if (lengthLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lengthLimit));
        }

        Algorithm = algorithm;
        this.lengthLimit = lengthLimit;
        canonicalizer = new DkimBodyCanonicalizer(algorithm, Hash);
    }

    /// <summary>The body canonicalization.</summary>
    public DkimCanonicalizationAlgorithm Algorithm { get; }

    /// <summary>The <c>l=</c> limit, or null.</summary>
    public long? LengthLimit => lengthLimit;

    /// <summary>How many canonical octets the body has (all of them, also those beyond the limit).</summary>
    public long CanonicalLength { get; private set; }

    /// <summary>Feeds the next body octets.</summary>
    public void Append(ReadOnlySpan<byte> body) => canonicalizer.Append(body);

    /// <summary>Feeds the rest of a stream.</summary>
    public async Task AppendAsync(Stream body, CancellationToken cancellationToken = default)
    {
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            Append(chunk.AsSpan(0, read));
        }
    }

    /// <summary>Ends the body and returns the hash (the <c>bh=</c> value before base64). Idempotent.</summary>
    public byte[] Complete()
    {
        if (result is null)
        {
            canonicalizer.Complete();
            result = hash.GetHashAndReset();
        }

        return result;
    }

    /// <summary>Hashes a whole body at once.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> body, DkimCanonicalizationAlgorithm algorithm, long? lengthLimit = null)
    {
        using var hasher = new DkimBodyHasher(algorithm, lengthLimit);
        hasher.Append(body);
        return hasher.Complete();
    }

    /// <inheritdoc />
    public void Dispose() => hash.Dispose();

    private void Hash(ReadOnlySpan<byte> canonical)
    {
        long already = CanonicalLength;
        CanonicalLength += canonical.Length;
        if (lengthLimit is long limit)
        {
            // RFC 6376 §3.7: the canonical body "truncated to the length specified in the l= tag".
            long room = Math.Max(0, limit - already);
            canonical = canonical[..(int)Math.Min(room, canonical.Length)];
        }

        hash.AppendData(canonical);
    }

    /// <summary>
    /// Hashes one body for several signatures at once: one hasher per (body canonicalization, l=) pair, the body read
    /// once for all of them (DKIM-Signature and ARC-Message-Signature alike).
    /// </summary>
    internal static async Task<Dictionary<(DkimCanonicalizationAlgorithm, long?), DkimBodyHasher>> HashAllAsync(
        IEnumerable<(DkimCanonicalizationAlgorithm, long?)> keys, ReadOnlyMemory<byte> bodyStart, Stream? bodyRest, CancellationToken cancellationToken)
    {
        var hashers = new Dictionary<(DkimCanonicalizationAlgorithm, long?), DkimBodyHasher>();
        foreach (var key in keys)
        {
            if (!hashers.ContainsKey(key))
            {
                hashers[key] = new DkimBodyHasher(key.Item1, key.Item2);
            }
        }

        foreach (var hasher in hashers.Values)
        {
            hasher.Append(bodyStart.Span);
        }

        if (bodyRest is not null)
        {
            byte[] chunk = new byte[64 * 1024];
            int read;
            while ((read = await bodyRest.ReadAsync(chunk, cancellationToken)) > 0)
            {
                foreach (var hasher in hashers.Values)
                {
                    hasher.Append(chunk.AsSpan(0, read));
                }
            }
        }

        return hashers;
    }
}
