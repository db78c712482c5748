using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>
/// Adds this hop's ARC Set to a message (RFC 8617 §5.1): an ARC-Authentication-Results with the results we computed,
/// an ARC-Message-Signature over the message, and an ARC-Seal over the chain, for instance N+1 with the chain
/// validation status as cv=. The message is never re-serialized: the output is three fields to prepend to the
/// exact octets that were sealed.
/// </summary>
/// <example>
/// Forwarding a message received on port 25 (validate on arrival, before anything changes it):
/// <code>
/// var verifier = new ArcVerifier(new DnsDkimKeyLocator(dns));
/// var arc = await verifier.VerifyMessageAsync(message, ct);           // arc= for our Authentication-Results
/// var key = ArcSealer.PreferredKey(keyring.For(forwardingDomain));     // null: the domain has no key, do not seal
/// var set = new ArcSealer(key!).SealMessage(message, hostName, "spf=pass smtp.mailfrom=...; dkim=pass header.d=...", arc);
/// byte[] outgoing = set.Sealed ? [.. set.Fields, .. message] : message;
/// </code>
/// </example>
public sealed class ArcSealer
{
    private readonly TimeProvider timeProvider;

    /// <summary>Creates a sealer.</summary>
    /// <param name="key">Our DKIM key (rsa-sha256 or ed25519-sha256); its d= and s= sign both AMS and AS.</param>
    /// <param name="options">How to seal; null for the defaults.</param>
    /// <param name="timeProvider">The clock for <c>t=</c>; null for the system clock.</param>
    public ArcSealer(DkimSigningKey key, ArcSealerOptions? options = null, TimeProvider? timeProvider = null)
    {
        Key = key;
        Options = options ?? new ArcSealerOptions();
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// The key to seal with among a domain's keys: the first RSA key, else the first key. RFC 8617 seals are rsa-sha256
    /// in practice; verifiers such as dkimpy 1.1 refuse an ed25519-sha256 ARC-Seal, so an Ed25519 key seals only when
    /// the domain has nothing else. Null for no keys.
    /// </summary>
    public static DkimSigningKey? PreferredKey(IEnumerable<DkimSigningKey> keys)
    {
        var list = keys.ToList();
        return list.FirstOrDefault(k => k.Algorithm == DkimAlgorithm.RsaSha256) ?? list.FirstOrDefault();
    }

    /// <summary>The key that seals.</summary>
    public DkimSigningKey Key { get; }

    /// <summary>The options in force.</summary>
    public ArcSealerOptions Options { get; }

    /// <summary>Validates the chain with <paramref name="verifier"/>, then seals the message (held in memory).</summary>
    /// <param name="message">The message as it will be sent on (CRLF line ends).</param>
    /// <param name="authServId">Our authserv-id (the host name in our Authentication-Results).</param>
    /// <param name="authenticationResults">The results we computed, e.g. <c>spf=pass smtp.mailfrom=a.example; dkim=pass
    /// header.d=a.example</c> (a leading authserv-id equal to <paramref name="authServId"/> is accepted and dropped).</param>
    /// <param name="verifier">Checks the chain the message arrived with.</param>
    /// <param name="cancellationToken">Cancels the key lookups.</param>
    public async Task<ArcSealResult> SealMessageAsync(
        ReadOnlyMemory<byte> message, string authServId, string authenticationResults, ArcVerifier verifier, CancellationToken cancellationToken = default)
    {
        var chain = await verifier.VerifyMessageAsync(message, cancellationToken);
        return SealMessage(message, authServId, authenticationResults, chain);
    }

    /// <summary>Seals a message held in memory, given the result of validating its chain.</summary>
    /// <param name="message">The message as it will be sent on (CRLF line ends).</param>
    /// <param name="authServId">Our authserv-id.</param>
    /// <param name="authenticationResults">The results we computed (see <see cref="SealMessageAsync(ReadOnlyMemory{byte}, string, string, ArcVerifier, CancellationToken)"/>).</param>
    /// <param name="chain">What <see cref="ArcVerifier"/> said about this message's chain: its status becomes cv=.</param>
    /// <exception cref="DkimFormatException">The header section cannot be parsed.</exception>
    /// <exception cref="ArgumentException">The chain result is for another message (its instance count differs).</exception>
    public ArcSealResult SealMessage(ReadOnlyMemory<byte> message, string authServId, string authenticationResults, ArcValidationResult chain)
    {
        var start = DkimMessageReader.Split(message);
        return Seal(start.HeaderSection, DkimBodyHasher.Compute(start.BodyStart.Span, Options.Canonicalization.Body), authServId, authenticationResults, chain);
    }

    /// <summary>Seals a message given as its header section and a body stream (read to its end, hashed as it is read).</summary>
    /// <inheritdoc cref="SealMessage(ReadOnlyMemory{byte}, string, string, ArcValidationResult)" />
    /// <param name="headerSection">The header fields with their CRLFs, without the empty line.</param>
    /// <param name="body">The body: the octets after the empty line.</param>
    /// <param name="authServId">Our authserv-id.</param>
    /// <param name="authenticationResults">The results we computed.</param>
    /// <param name="chain">What <see cref="ArcVerifier"/> said about this message's chain.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    public async Task<ArcSealResult> SealAsync(
        ReadOnlyMemory<byte> headerSection, Stream body, string authServId, string authenticationResults, ArcValidationResult chain,
        CancellationToken cancellationToken = default)
    {
        using var hasher = new DkimBodyHasher(Options.Canonicalization.Body);
        await hasher.AppendAsync(body, cancellationToken);
        return Seal(headerSection, hasher.Complete(), authServId, authenticationResults, chain);
    }

    private ArcSealResult Seal(ReadOnlyMemory<byte> headerSection, byte[] bodyHash, string authServId, string authenticationResults, ArcValidationResult chain)
    {
        using var activity = ArcTelemetry.Source.StartActivity(ArcTelemetry.SealActivity);
        var result = MakeSet(headerSection, bodyHash, authServId, authenticationResults, chain);
        string outcome = result.Sealed ? result.ChainStatus.Keyword() : "skipped";
        activity?.SetTag(ArcTelemetry.ResultTag, outcome);
        activity?.SetTag(ArcTelemetry.InstanceTag, result.Instance);
        ArcTelemetry.Seals.Add(1, new KeyValuePair<string, object?>(ArcTelemetry.ResultTag, outcome));
        return result;
    }

    private ArcSealResult MakeSet(ReadOnlyMemory<byte> headerSection, byte[] bodyHash, string authServId, string authenticationResults, ArcValidationResult chain)
    {
        var fields = DkimHeaderSection.Parse(headerSection);
        var found = ArcChain.Parse(fields);
        if (found.HighestInstance != chain.Chain.HighestInstance || found.FieldCount != chain.Chain.FieldCount)
        {
            throw new ArgumentException("the chain validation result is for another message", nameof(chain));
        }

        if (found.EndsInFailure)
        {
            // RFC 8617 §5.1 step 1: a chain already marked cv=fail gets no further sets.
            return ArcSealResult.Skipped($"the newest ARC-Seal (i={found.HighestInstance}) already says cv=fail", ArcChainStatus.Fail);
        }

        int instance = found.HighestInstance + 1;
        if (instance > ArcTags.MaxInstance)
        {
            // RFC 8617 §4.2.1: instances run from 1 to 50.
            return ArcSealResult.Skipped($"the chain already has {found.HighestInstance} sets; RFC 8617 allows {ArcTags.MaxInstance}", ArcChainStatus.Fail);
        }

        var status = chain.Status;
        if (status == ArcChainStatus.Pass && !found.IsValid)
        {
            throw new ArgumentException("the chain validation result says pass for a broken chain", nameof(chain));
        }

        long now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        string t = now.ToString(CultureInfo.InvariantCulture);
        string i = instance.ToString(CultureInfo.InvariantCulture);

        // ARC-Authentication-Results (RFC 8617 §4.1.1).
        var results = ArcAuthenticationResults.SplitResults(authenticationResults).ToList();
        if (results.Count > 0 && results[0].Split([' ', '\t'], 2)[0].Equals(authServId, StringComparison.OrdinalIgnoreCase) && !results[0].Contains('='))
        {
            results.RemoveAt(0);
        }

        if (Options.AddArcResult && !results.Any(r => r.StartsWith("arc=", StringComparison.OrdinalIgnoreCase)))
        {
            results.Insert(0, "arc=" + status.Keyword());
        }

        string aarText = $"{ArcHeaderNames.AuthenticationResults}: {ArcAuthenticationResults.FormatValue(instance, authServId, results)}\r\n";
        var aar = Field(ArcHeaderNames.AuthenticationResults, aarText);

        // ARC-Message-Signature (RFC 8617 §4.1.2): a DKIM signature with i= the instance, tags in alphabetical order.
        var signedNames = SignedHeaderNames(fields);
        var canonicalization = Options.Canonicalization;
        var amsTags = new List<(string Name, string Value)>
        {
            ("a", Key.Algorithm.TagValue()),
            ("b", string.Empty),
            ("bh", Convert.ToBase64String(bodyHash)),
            ("c", canonicalization.ToString()),
            ("d", Key.Domain),
            ("h", string.Join(':', signedNames)),
            ("i", i),
            ("s", Key.Selector),
            ("t", t),
        };
        string amsUnsigned = Format(ArcHeaderNames.MessageSignature, amsTags);
        byte[] amsInput = DkimSignature.HashInput(Field(ArcHeaderNames.MessageSignature, amsUnsigned), canonicalization.Header);
        byte[] amsHash = DkimHeaderHash.Compute(fields, signedNames, canonicalization.Header, amsInput);
        string amsText = WithSignature(amsUnsigned, Key.PrivateKey.SignHash(amsHash));
        var ams = Field(ArcHeaderNames.MessageSignature, amsText);

        // ARC-Seal (RFC 8617 §4.1.3, §5.1.1): over every earlier set and ours; with cv=fail, over ours alone (§5.1.2).
        var sealTags = new List<(string Name, string Value)>
        {
            ("a", Key.Algorithm.TagValue()),
            ("b", string.Empty),
            ("cv", status.Keyword()),
            ("d", Key.Domain),
            ("i", i),
            ("s", Key.Selector),
            ("t", t),
        };
        string sealUnsigned = Format(ArcHeaderNames.Seal, sealTags);
        var earlier = status == ArcChainStatus.Fail ? [] : ArcSealHash.Fields(found.Sets, instance - 1);
        byte[] sealHash = ArcSealHash.Compute(earlier, aar, ams, Field(ArcHeaderNames.Seal, sealUnsigned));
        string sealText = WithSignature(sealUnsigned, Key.PrivateKey.SignHash(sealHash));

        return ArcSealResult.Made(sealText + amsText + aarText, instance, status);
    }

    /// <summary>The h= list: each configured field once per occurrence (RFC 6376 §5.4.2), never ARC-Seal.</summary>
    private List<string> SignedHeaderNames(IReadOnlyList<DkimHeaderField> fields)
    {
        var names = new List<string>();
        foreach (string name in Options.SignedHeaders.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (name.Equals(ArcHeaderNames.Seal, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            int count = fields.Count(f => f.Is(name));
            for (int n = 0; n < count; n++)
            {
                names.Add(name.ToLowerInvariant());
            }
        }

        return names;
    }

    /// <summary>
    /// Writes <c>Name: tag=value; tag=value</c> with b= empty, folding between tags when a line would pass
    /// <see cref="ArcSealerOptions.LineLength"/>.
    /// </summary>
    private string Format(string name, List<(string Name, string Value)> tags)
    {
        var text = new StringBuilder(name).Append(':');
        int column = text.Length;
        int limit = Options.LineLength <= 0 ? int.MaxValue : Math.Max(Options.LineLength, 40);
        for (int n = 0; n < tags.Count; n++)
        {
            string token = $"{tags[n].Name}={tags[n].Value}" + (n < tags.Count - 1 ? ";" : string.Empty);
            if (column + 1 + token.Length > limit && n > 0)
            {
                text.Append("\r\n ");
                column = 1;
            }
            else
            {
                text.Append(' ');
                column++;
            }

            text.Append(token);
            column += token.Length;
        }

        return text.Append("\r\n").ToString();
    }

    /// <summary>
    /// Puts the signature into the empty b= of a formatted field. Only the b= value changes (folded inside itself when
    /// lines are limited), so the field hashes exactly as it did with b= empty (RFC 6376 §3.7 step 2).
    /// </summary>
    private string WithSignature(string unsigned, byte[] signature)
    {
        string value = Convert.ToBase64String(signature);
        // Format writes every tag after a space (or a fold, which ends in one), so " b=;" is always there.
        int at = unsigned.IndexOf(" b=;", StringComparison.Ordinal) + " b=".Length;
        if (Options.LineLength > 0)
        {
            int width = Math.Max(Options.LineLength, 40) - 1;
            var folded = new StringBuilder();
            for (int p = 0; p < value.Length; p += width)
            {
                folded.Append("\r\n ").Append(value, p, Math.Min(width, value.Length - p));
            }

            value = folded.ToString();
        }

        return unsigned.Insert(at, value);
    }

    private static DkimHeaderField Field(string name, string text) => new(name, Encoding.UTF8.GetBytes(text), name.Length);
}
