using System.Diagnostics;
using System.Security.Cryptography;
using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>
/// Validates the Authenticated Received Chain of a message (RFC 8617 §5.2) on its raw octets: structure, the newest
/// ARC-Message-Signature, every ARC-Seal, and optionally the oldest message signature that still verifies. The body
/// is read once and never held in memory; keys come from an <see cref="IDkimKeyLocator"/> (DNS in production:
/// <see cref="DnsDkimKeyLocator"/>).
/// </summary>
public sealed class ArcVerifier
{
    private readonly IDkimKeyLocator locator;

    /// <summary>Creates a verifier.</summary>
    /// <param name="locator">Where key records come from.</param>
    /// <param name="options">Limits; null for the defaults.</param>
    public ArcVerifier(IDkimKeyLocator locator, ArcVerifierOptions? options = null)
    {
        this.locator = locator;
        Options = options ?? new ArcVerifierOptions();
    }

    /// <summary>The options in force.</summary>
    public ArcVerifierOptions Options { get; }

    /// <summary>Validates a whole message held in memory (CRLF line ends).</summary>
    /// <returns>The status (none, pass, fail), why it failed, and the parsed chain. Never throws for a bad message.</returns>
    public Task<ArcValidationResult> VerifyMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var start = DkimMessageReader.Split(message);
        return VerifyAsync(start.HeaderSection, start.BodyStart, null, cancellationToken);
    }

    /// <summary>Validates a whole message read from a stream (split at the first empty line).</summary>
    /// <inheritdoc cref="VerifyMessageAsync(ReadOnlyMemory{byte}, CancellationToken)" />
    /// <exception cref="DkimFormatException">The header section is longer than <see cref="ArcVerifierOptions.MaxHeaderLength"/>.</exception>
    public async Task<ArcValidationResult> VerifyMessageAsync(Stream message, CancellationToken cancellationToken = default)
    {
        var start = await DkimMessageReader.ReadHeaderSectionAsync(message, Options.MaxHeaderLength, cancellationToken);
        return await VerifyAsync(start.HeaderSection, start.BodyStart, message, cancellationToken);
    }

    /// <summary>Validates a message given as its header section and a body stream.</summary>
    /// <inheritdoc cref="VerifyMessageAsync(ReadOnlyMemory{byte}, CancellationToken)" />
    public Task<ArcValidationResult> VerifyAsync(ReadOnlyMemory<byte> headerSection, Stream body, CancellationToken cancellationToken = default) =>
        VerifyAsync(headerSection, ReadOnlyMemory<byte>.Empty, body, cancellationToken);

    private async Task<ArcValidationResult> VerifyAsync(
        ReadOnlyMemory<byte> headerSection, ReadOnlyMemory<byte> bodyStart, Stream? bodyRest, CancellationToken cancellationToken)
    {
        using var activity = ArcTelemetry.Source.StartActivity(ArcTelemetry.ValidateActivity);
        var result = await ValidateAsync(headerSection, bodyStart, bodyRest, cancellationToken);
        string keyword = result.Status.Keyword();
        activity?.SetTag(ArcTelemetry.ResultTag, keyword);
        activity?.SetTag(ArcTelemetry.InstanceTag, result.Instance);
        if (result.Status == ArcChainStatus.Fail)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Reason);
        }

        ArcTelemetry.Validations.Add(1, new KeyValuePair<string, object?>(ArcTelemetry.ResultTag, keyword));
        return result;
    }

    private async Task<ArcValidationResult> ValidateAsync(
        ReadOnlyMemory<byte> headerSection, ReadOnlyMemory<byte> bodyStart, Stream? bodyRest, CancellationToken cancellationToken)
    {
        IReadOnlyList<DkimHeaderField> fields;
        try
        {
            fields = DkimHeaderSection.Parse(headerSection);
        }
        catch (DkimFormatException)
        {
            // Without header fields there is no chain to find (RFC 8617 §5.2 step 1: no sets, cv=none).
            return new ArcValidationResult(ArcChainStatus.None, null, ArcChain.Parse([]));
        }

        var chain = ArcChain.Parse(fields);
        if (chain.IsEmpty)
        {
            return new ArcValidationResult(ArcChainStatus.None, null, chain);
        }

        if (chain.EndsInFailure)
        {
            // RFC 8617 §5.2 step 2: "If the highest instance ARC-Seal has cv=fail, ... the chain is fail".
            return Failed(chain, $"the newest ARC-Seal (i={chain.HighestInstance}) already says cv=fail");
        }

        if (!chain.IsValid)
        {
            return Failed(chain, chain.Problem!);
        }

        var sets = chain.Sets;
        var newest = sets[^1];
        var signatures = Options.ComputeOldestPass ? sets.Select(s => s.MessageSignature).ToList() : [newest.MessageSignature];

        using var keys = new ArcKeyCache(locator, Options.MinimumRsaKeySize);
        foreach (var set in sets)
        {
            // Start every lookup now; they run while the body is hashed.
            _ = keys.GetAsync(set.Seal.Selector, set.Seal.Domain, cancellationToken);
        }

        foreach (var signature in signatures)
        {
            _ = keys.GetAsync(signature.Selector, signature.Domain, cancellationToken);
        }

        var bodyHashes = await HashBodiesAsync(signatures, bodyStart, bodyRest, cancellationToken);
        try
        {
            return await CheckSignaturesAsync(fields, chain, bodyHashes, keys, cancellationToken);
        }
        finally
        {
            foreach (var hasher in bodyHashes.Values)
            {
                hasher.Dispose();
            }
        }
    }

    private async Task<ArcValidationResult> CheckSignaturesAsync(
        IReadOnlyList<DkimHeaderField> fields, ArcChain chain, Dictionary<(DkimCanonicalizationAlgorithm, long?), DkimBodyHasher> bodyHashes,
        ArcKeyCache keys, CancellationToken cancellationToken)
    {
        var sets = chain.Sets;
        var newest = sets[^1];

        // RFC 8617 §5.2 step 3: the newest AMS must verify.
        var (problem, temporary) = await CheckMessageSignatureAsync(fields, newest.MessageSignature, bodyHashes, keys, cancellationToken);
        if (problem is not null)
        {
            return Failed(chain, $"ARC-Message-Signature i={newest.Instance}: {problem}", newest.Instance, temporary);
        }

        // Step 4 (optional): the oldest AMS that still verifies; 0 when all do.
        int? oldestPass = null;
        if (Options.ComputeOldestPass)
        {
            oldestPass = 0;
            for (int i = sets.Count - 2; i >= 0; i--)
            {
                var (olderProblem, _) = await CheckMessageSignatureAsync(fields, sets[i].MessageSignature, bodyHashes, keys, cancellationToken);
                if (olderProblem is not null)
                {
                    oldestPass = sets[i].Instance + 1;
                    break;
                }
            }
        }

        // Step 5: every AS, newest first.
        for (int i = sets.Count - 1; i >= 0; i--)
        {
            var set = sets[i];
            byte[] hash = ArcSealHash.Compute(
                ArcSealHash.Fields(sets, set.Instance - 1), set.AuthenticationResults.Field, set.MessageSignature.Field, set.Seal.Field);
            var key = await keys.GetAsync(set.Seal.Selector, set.Seal.Domain, cancellationToken);
            string? sealProblem = key.Verify(set.Seal.Algorithm, hash, set.Seal.SignatureData, "seal");
            if (sealProblem is not null)
            {
                return Failed(chain, $"ARC-Seal i={set.Instance}: {sealProblem}", set.Instance, key.Temporary);
            }
        }

        return new ArcValidationResult(ArcChainStatus.Pass, null, chain) { OldestPass = oldestPass };
    }

    private static async Task<(string? Problem, bool Temporary)> CheckMessageSignatureAsync(
        IReadOnlyList<DkimHeaderField> fields, ArcMessageSignature signature, Dictionary<(DkimCanonicalizationAlgorithm, long?), DkimBodyHasher> bodyHashes,
        ArcKeyCache keys, CancellationToken cancellationToken)
    {
        var hasher = bodyHashes[BodyKey(signature)];
        byte[] bodyHash = hasher.Complete();
        if (signature.BodyLength is long limit && limit > hasher.CanonicalLength)
        {
            return ($"l={limit} is more than the {hasher.CanonicalLength} octets of the canonicalized body", false);
        }

        if (!CryptographicOperations.FixedTimeEquals(bodyHash, signature.BodyHash))
        {
            return ("body hash did not verify", false);
        }

        // The AMS is hashed exactly like a DKIM-Signature (RFC 8617 §4.1.2, RFC 6376 §3.7).
        var canonicalization = signature.Canonicalization.Header;
        byte[] input = DkimSignature.HashInput(signature.Field, canonicalization);
        byte[] headerHash = DkimHeaderHash.Compute(fields, signature.SignedHeaders, canonicalization, input, exclude: signature.Field);
        var key = await keys.GetAsync(signature.Selector, signature.Domain, cancellationToken);
        return (key.Verify(signature.Algorithm, headerHash, signature.SignatureData, "message"), key.Temporary);
    }

    private static Task<Dictionary<(DkimCanonicalizationAlgorithm, long?), DkimBodyHasher>> HashBodiesAsync(
        IEnumerable<ArcMessageSignature> signatures, ReadOnlyMemory<byte> bodyStart, Stream? bodyRest, CancellationToken cancellationToken) =>
        DkimBodyHasher.HashAllAsync(signatures.Select(BodyKey), bodyStart, bodyRest, cancellationToken);

    private static (DkimCanonicalizationAlgorithm, long?) BodyKey(ArcMessageSignature signature) =>
        (signature.Canonicalization.Body, signature.BodyLength);

    private static ArcValidationResult Failed(ArcChain chain, string reason, int? instance = null, bool temporary = false) =>
        new(ArcChainStatus.Fail, Printable(reason), chain) { FailedInstance = instance, IsTemporary = temporary };

    /// <summary>
    /// The reason as printable ASCII: it ends up in Authentication-Results comments, which must stay 7-bit without
    /// SMTPUTF8 (RFC 8601 §2.2), and parentheses would end the comment early.
    /// </summary>
    private static string Printable(string reason) =>
        string.Concat(reason.Replace("§", "section ", StringComparison.Ordinal)
            .Select(c => c is >= ' ' and <= '~' && c is not '(' and not ')' and not '\\' ? c : c is '(' ? '[' : c is ')' ? ']' : '?'));
}
