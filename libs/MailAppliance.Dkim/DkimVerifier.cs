using System.Security.Cryptography;

namespace MailAppliance.Dkim;

/// <summary>
/// Verifies the DKIM signatures of a message (RFC 6376 §6): rsa-sha256 and ed25519-sha256 (RFC 8463); rsa-sha1 is
/// refused (RFC 8301 §3.1). The body is read once, whatever the number of signatures, and never held in memory.
/// Keys come from an <see cref="IDkimKeyLocator"/>; their lookups run while the body is hashed.
/// </summary>
public sealed class DkimVerifier
{
    private readonly IDkimKeyLocator locator;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates a verifier.</summary>
    /// <param name="locator">Where key records come from (DNS in production).</param>
    /// <param name="options">Limits; null for the defaults.</param>
    /// <param name="timeProvider">The clock for <c>x=</c>; null for the system clock.</param>
    public DkimVerifier(IDkimKeyLocator locator, DkimVerifierOptions? options = null, TimeProvider? timeProvider = null)
    {
        this.locator = locator;
        Options = options ?? new DkimVerifierOptions();
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The limits in force.</summary>
    public DkimVerifierOptions Options { get; }

    /// <summary>
    /// Verifies a message given as its header section and a body stream.
    /// </summary>
    /// <returns>One result per DKIM-Signature field, top down, at most <see cref="DkimVerifierOptions.MaxSignatures"/>;
    /// empty when the message has no signature (Authentication-Results: dkim=none).</returns>
    /// <exception cref="DkimFormatException">The header section is not one (e.g. it starts with a continuation line).</exception>
    public Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(
        ReadOnlyMemory<byte> headerSection, Stream body, CancellationToken cancellationToken = default) =>
        VerifyAsync(headerSection, ReadOnlyMemory<byte>.Empty, body, cancellationToken);

    /// <summary>Verifies a whole message read from a stream (split at the first empty line).</summary>
    /// <inheritdoc cref="VerifyAsync(ReadOnlyMemory{byte}, Stream, CancellationToken)" />
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyMessageAsync(Stream message, CancellationToken cancellationToken = default)
    {
        var start = await DkimMessageReader.ReadHeaderSectionAsync(message, Options.MaxHeaderLength, cancellationToken);
        return await VerifyAsync(start.HeaderSection, start.BodyStart, message, cancellationToken);
    }

    /// <summary>Verifies a whole message held in memory.</summary>
    /// <inheritdoc cref="VerifyAsync(ReadOnlyMemory{byte}, Stream, CancellationToken)" />
    public Task<IReadOnlyList<DkimSignatureResult>> VerifyMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var start = DkimMessageReader.Split(message);
        return VerifyAsync(start.HeaderSection, start.BodyStart, null, cancellationToken);
    }

    private async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(
        ReadOnlyMemory<byte> headerSection, ReadOnlyMemory<byte> bodyStart, Stream? bodyRest, CancellationToken cancellationToken)
    {
        var fields = DkimHeaderSection.Parse(headerSection);
        var signatureFields = fields.Where(f => f.Is(DkimSignature.FieldName)).Take(Options.MaxSignatures).ToList();
        var results = new DkimSignatureResult?[signatureFields.Count];
        var pending = new List<(int Index, DkimSignature Signature, Task<KeyLookup> Key)>();
        int fromFields = fields.Count(f => f.Is("From"));
        for (int i = 0; i < signatureFields.Count; i++)
        {
            var field = signatureFields[i];
            DkimSignature signature;
            try
            {
                signature = DkimSignature.Parse(field);
            }
            catch (DkimFormatException e)
            {
                // RFC 6376 §6.1.1: any inconsistency -> PERMFAIL (signature syntax error).
                results[i] = new DkimSignatureResult(field, DkimResult.PermError, e.Message, null);
                continue;
            }

            var refusal = Refuse(signature, fromFields);
            if (refusal is not null)
            {
                results[i] = refusal;
                continue;
            }

            pending.Add((i, signature, LookupKeyAsync(signature, cancellationToken)));
        }

        if (pending.Count > 0)
        {
            var bodyHashers = await HashBodyAsync(pending.Select(p => p.Signature), bodyStart, bodyRest, cancellationToken);
            try
            {
                foreach (var (index, signature, keyTask) in pending)
                {
                    var lookup = await keyTask;
                    results[index] = lookup.Key is null
                        ? new DkimSignatureResult(signature.Field, lookup.FailureResult, lookup.Failure, signature)
                        : Check(fields, signature, lookup, bodyHashers[BodyKey(signature)]);
                    lookup.Key?.Dispose();
                }
            }
            finally
            {
                foreach (var hasher in bodyHashers.Values)
                {
                    hasher.Dispose();
                }
            }
        }

        return results!;
    }

    /// <summary>Refusals decided from the signature alone, before any DNS query.</summary>
    private DkimSignatureResult? Refuse(DkimSignature signature, int fromFields)
    {
        DkimResult? result = null;
        string? reason = null;
        if (signature.Algorithm is null)
        {
            (result, reason) = (DkimResult.Neutral, $"unknown algorithm a={signature.AlgorithmName}");
        }
        else if (signature.Canonicalization is null)
        {
            // RFC 6376 §3.4: "Verifiers MUST ignore any signatures that use unrecognized canonicalization algorithms".
            (result, reason) = (DkimResult.Neutral, $"unknown canonicalization c={signature.Tags["c"]}");
        }
        else if (signature.Algorithm == DkimAlgorithm.RsaSha1)
        {
            // RFC 8301 §3.1: "rsa-sha1 MUST NOT be used for signing or verifying."
            (result, reason) = (DkimResult.PermError, "rsa-sha1 is not accepted (RFC 8301 §3.1)");
        }
        else if (fromFields != 1)
        {
            // RFC 5322 §3.6 allows one From; with two, the signature may cover one and the reader see the other
            // (RFC 6376 §8.15). RFC 6376 §6.1.1 lets a verifier refuse "for any other reason": PERMFAIL.
            (result, reason) = (DkimResult.PermError, $"the message has {fromFields} From fields, not one");
        }
        else if (signature.Expiration is DateTimeOffset expiration && expiration + Options.ClockSkew < timeProvider.GetUtcNow())
        {
            // RFC 6376 §6.1.1: PERMFAIL (signature expired).
            (result, reason) = (DkimResult.PermError, $"the signature expired at {expiration:u}");
        }

        return result is DkimResult r ? new DkimSignatureResult(signature.Field, r, reason, signature) : null;
    }

    private async Task<KeyLookup> LookupKeyAsync(DkimSignature signature, CancellationToken cancellationToken)
    {
        string name = DkimNames.KeyName(signature.Selector, signature.Domain);
        IReadOnlyList<string> records;
        try
        {
            records = await locator.GetTxtRecordsAsync(signature.Selector, signature.Domain, cancellationToken);
        }
        catch (DkimKeyLookupException e)
        {
            // RFC 6376 §6.1.2 step 2: no answer -> TEMPFAIL (key unavailable).
            return KeyLookup.Failed(e.IsTemporary ? DkimResult.TempError : DkimResult.PermError, $"key lookup of {name} failed: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return KeyLookup.Failed(DkimResult.TempError, $"key lookup of {name} failed: {e.Message}");
        }

        if (records.Count == 0)
        {
            // RFC 6376 §6.1.2 step 3: PERMFAIL (no key for signature).
            return KeyLookup.Failed(DkimResult.PermError, $"no key record at {name}");
        }

        // RFC 6376 §6.1.2 step 4: with several records, cycle through them; "return" below means "try the next".
        KeyLookup? first = null;
        foreach (string txt in records)
        {
            var lookup = TryRecord(signature, txt, name);
            if (lookup.Key is not null)
            {
                return lookup;
            }

            first ??= lookup;
        }

        return first!;
    }

    private KeyLookup TryRecord(DkimSignature signature, string txt, string name)
    {
        if (!DkimKeyRecord.TryParse(txt, out var record, out string? problem))
        {
            // RFC 6376 §6.1.2 step 5: PERMFAIL (key syntax error).
            return KeyLookup.Failed(DkimResult.PermError, $"the key record at {name} is invalid: {problem}");
        }

        // Steps 6 and 8: hash and key type must suit a=; RFC 6376 §3.6.1 s=: the record must be for email.
        if (!record!.Accepts(signature.Algorithm!.Value, out problem))
        {
            return KeyLookup.Failed(DkimResult.PermError, problem!);
        }

        if (record.IsRevoked)
        {
            // Step 7: "treat this as a failed signature check and return PERMFAIL (key revoked)".
            return KeyLookup.Failed(DkimResult.Fail, $"the key at {name} is revoked (empty p=)");
        }

        if (record.IsStrict && signature.IdentityDomain != signature.Domain)
        {
            // RFC 6376 §3.6.1 t=s: the i= domain MUST be d= itself, not a subdomain.
            return KeyLookup.Failed(DkimResult.PermError, $"the key has t=s but i= is in {signature.IdentityDomain}, a subdomain of d={signature.Domain}");
        }

        DkimPublicKey key;
        try
        {
            key = DkimPublicKey.FromRecord(record);
        }
        catch (DkimFormatException e)
        {
            return KeyLookup.Failed(DkimResult.PermError, $"the key at {name} is unusable: {e.Message}");
        }

        if (key.KeyType == DkimKeyType.Rsa && key.KeySize < Options.MinimumRsaKeySize)
        {
            // RFC 8301 §3.2: "Verifiers MUST NOT consider signatures using RSA keys of less than 1024 bits as valid".
            key.Dispose();
            return KeyLookup.Failed(DkimResult.PermError, $"the RSA key at {name} has {key.KeySize} bits, fewer than {Options.MinimumRsaKeySize} (RFC 8301 §3.2)");
        }

        return new KeyLookup(key, record, DkimResult.Pass, null);
    }

    private static DkimSignatureResult Check(
        IReadOnlyList<DkimHeaderField> fields, DkimSignature signature, KeyLookup lookup, DkimBodyHasher bodyHasher)
    {
        var canonicalization = signature.Canonicalization!.Value;
        byte[] bodyHash = bodyHasher.Complete();
        DkimSignatureResult Failed(string reason) => new(signature.Field, DkimResult.Fail, reason, signature) { Testing = lookup.Record!.IsTesting };

        if (signature.BodyLength is long limit && limit > bodyHasher.CanonicalLength)
        {
            // RFC 6376 §3.5 l=: "This value MUST NOT be larger than the actual number of octets in the canonicalized
            // message body" - the body was cut short after signing.
            return Failed($"l={limit} is more than the {bodyHasher.CanonicalLength} octets of the canonicalized body");
        }

        // RFC 6376 §6.1.3 step 3: PERMFAIL (body hash did not verify).
        if (!CryptographicOperations.FixedTimeEquals(bodyHash, signature.BodyHash))
        {
            return Failed("body hash did not verify");
        }

        // Step 4: the header hash against b=.
        byte[] input = signature.HashInput(canonicalization.Header);
        byte[] headerHash = DkimHeaderHash.Compute(fields, signature.SignedHeaders, canonicalization.Header, input, exclude: signature.Field);
        if (!lookup.Key!.VerifyHash(headerHash, signature.SignatureData))
        {
            return Failed("signature did not verify");
        }

        return new DkimSignatureResult(signature.Field, DkimResult.Pass, null, signature)
        {
            Testing = lookup.Record!.IsTesting,
            UnsignedBodyOctets = signature.BodyLength is long l ? bodyHasher.CanonicalLength - l : 0,
        };
    }

    private static Task<Dictionary<(DkimCanonicalizationAlgorithm, long?), DkimBodyHasher>> HashBodyAsync(
        IEnumerable<DkimSignature> signatures, ReadOnlyMemory<byte> bodyStart, Stream? bodyRest, CancellationToken cancellationToken) =>
        DkimBodyHasher.HashAllAsync(signatures.Select(BodyKey), bodyStart, bodyRest, cancellationToken);

    private static (DkimCanonicalizationAlgorithm, long?) BodyKey(DkimSignature signature) =>
        (signature.Canonicalization!.Value.Body, signature.BodyLength);

    /// <summary>A usable key, or why there is none.</summary>
    private sealed record KeyLookup(DkimPublicKey? Key, DkimKeyRecord? Record, DkimResult FailureResult, string? Failure)
    {
        public static KeyLookup Failed(DkimResult result, string reason) => new(null, null, result, reason);
    }
}
