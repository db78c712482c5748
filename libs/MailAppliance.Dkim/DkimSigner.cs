using System.Globalization;
using System.Text;

namespace MailAppliance.Dkim;

/// <summary>
/// Signs messages (RFC 6376 §5): one DKIM-Signature field per key, so that RSA and Ed25519 (RFC 8463) sign side
/// by side. The message is never re-serialized: the output is the field(s) to prepend to the exact octets signed.
/// </summary>
public sealed class DkimSigner
{
    private readonly TimeProvider timeProvider;

    /// <summary>Creates a signer.</summary>
    /// <param name="keys">The keys; every one signs.</param>
    /// <param name="options">How to sign; null for the defaults.</param>
    /// <param name="timeProvider">The clock for <c>t=</c>; null for the system clock.</param>
    public DkimSigner(IEnumerable<DkimSigningKey> keys, DkimSignerOptions? options = null, TimeProvider? timeProvider = null)
    {
        Keys = [.. keys];
        if (Keys.Count == 0)
        {
            throw new ArgumentException("at least one key is needed", nameof(keys));
        }

        Options = options ?? new DkimSignerOptions();
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The keys that sign.</summary>
    public IReadOnlyList<DkimSigningKey> Keys { get; }

    /// <summary>The signing options.</summary>
    public DkimSignerOptions Options { get; }

    /// <summary>
    /// Signs a message given as its header section and a body stream (read to its end, hashed as it is read).
    /// </summary>
    /// <param name="headerSection">The header fields with their CRLFs, without the empty line.</param>
    /// <param name="body">The body: the octets after the empty line.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The DKIM-Signature field(s), each ending with CRLF, to prepend to the message.</returns>
    /// <exception cref="DkimFormatException">The header section cannot be parsed, or it has no From field or more
    /// than one (RFC 6376 §5.4: From must be signed; RFC 5322 §3.6: exactly one).</exception>
    public async Task<byte[]> SignAsync(ReadOnlyMemory<byte> headerSection, Stream body, CancellationToken cancellationToken = default)
    {
        var fields = DkimHeaderSection.Parse(headerSection);
        var signedNames = SignedHeaderNames(fields);
        using var bodyHasher = new DkimBodyHasher(Options.Canonicalization.Body);
        await bodyHasher.AppendAsync(body, cancellationToken);
        return Sign(fields, signedNames, bodyHasher.Complete());
    }

    /// <summary>Signs a whole message read from a stream (split at the first empty line).</summary>
    /// <inheritdoc cref="SignAsync(ReadOnlyMemory{byte}, Stream, CancellationToken)" />
    public async Task<byte[]> SignMessageAsync(Stream message, CancellationToken cancellationToken = default)
    {
        var start = await DkimMessageReader.ReadHeaderSectionAsync(message, cancellationToken: cancellationToken);
        var fields = DkimHeaderSection.Parse(start.HeaderSection);
        var signedNames = SignedHeaderNames(fields);
        using var bodyHasher = new DkimBodyHasher(Options.Canonicalization.Body);
        bodyHasher.Append(start.BodyStart.Span);
        await bodyHasher.AppendAsync(message, cancellationToken);
        return Sign(fields, signedNames, bodyHasher.Complete());
    }

    /// <summary>Signs a whole message held in memory.</summary>
    /// <inheritdoc cref="SignAsync(ReadOnlyMemory{byte}, Stream, CancellationToken)" />
    public byte[] SignMessage(ReadOnlyMemory<byte> message)
    {
        var start = DkimMessageReader.Split(message);
        var fields = DkimHeaderSection.Parse(start.HeaderSection);
        var signedNames = SignedHeaderNames(fields);
        return Sign(fields, signedNames, DkimBodyHasher.Compute(start.BodyStart.Span, Options.Canonicalization.Body));
    }

    /// <summary>
    /// The <c>h=</c> list for a header section: each configured field once per occurrence (RFC 6376 §5.4.2), the
    /// oversigned ones once more, and the <c>List-*</c> fields present.
    /// </summary>
    /// <exception cref="DkimFormatException">No From field, or more than one.</exception>
    public IReadOnlyList<string> SignedHeaderNames(IReadOnlyList<DkimHeaderField> fields)
    {
        int from = fields.Count(f => f.Is("From"));
        if (from != 1)
        {
            // RFC 6376 §5.4: "The From header field MUST be signed"; RFC 5322 §3.6: exactly one From. A message with
            // two would be judged on the one the reader does not see (RFC 6376 §8.15).
            throw new DkimFormatException(from == 0
                ? "the message has no From field, which DKIM must sign (RFC 6376 §5.4)"
                : $"the message has {from} From fields; RFC 5322 §3.6 allows one");
        }

        var names = new List<string>();
        void AddName(string name, int occurrences)
        {
            bool oversign = Options.OversignedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < occurrences + (oversign ? 1 : 0); i++)
            {
                names.Add(name.ToLowerInvariant());
            }
        }

        foreach (string name in Options.SignedHeaders)
        {
            AddName(name, fields.Count(f => f.Is(name)));
        }

        if (Options.SignListHeaders)
        {
            var listNames = fields.Select(f => f.Name).Where(n => n.StartsWith("List-", StringComparison.OrdinalIgnoreCase))
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .Where(n => !Options.SignedHeaders.Contains(n, StringComparer.OrdinalIgnoreCase));
            foreach (string name in listNames)
            {
                AddName(name, fields.Count(f => f.Is(name)));
            }
        }

        foreach (string name in Options.OversignedHeaders.Where(n => !names.Contains(n.ToLowerInvariant())))
        {
            AddName(name, fields.Count(f => f.Is(name)));
        }

        return names;
    }

    private byte[] Sign(IReadOnlyList<DkimHeaderField> fields, IReadOnlyList<string> signedNames, byte[] bodyHash)
    {
        long now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var output = new StringBuilder();
        foreach (var key in Keys)
        {
            var folder = UnsignedField(key, signedNames, bodyHash, now);
            string unsigned = folder.ToString();
            var field = new DkimHeaderField(DkimSignature.FieldName, Encoding.ASCII.GetBytes(unsigned), DkimSignature.FieldName.Length);

            // RFC 6376 §3.7 step 2 and §5.5: hash the h= fields, then this field with b= empty, and sign.
            byte[] input = DkimSignature.HashInput(field, Options.Canonicalization.Header);
            byte[] headerHash = DkimHeaderHash.Compute(fields, signedNames, Options.Canonicalization.Header, input);
            byte[] signature = key.PrivateKey.SignHash(headerHash);

            folder.AddBase64(Convert.ToBase64String(signature));
            output.Append(folder).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(output.ToString());
    }

    private DkimFieldFolder UnsignedField(DkimSigningKey key, IReadOnlyList<string> signedNames, byte[] bodyHash, long now)
    {
        // Tag order: b= last, so the value written after signing is the only thing that changes (RFC 6376 §3.5 b=).
        var field = new DkimFieldFolder(DkimSignature.FieldName, Options.LineLength);
        field.Add("v=1;");
        field.Add($"a={key.Algorithm.TagValue()};");
        field.Add($"c={Options.Canonicalization};");
        field.Add($"d={key.Domain};");
        field.Add($"s={key.Selector};");
        if (Options.IncludeTimestamp)
        {
            field.Add(string.Create(CultureInfo.InvariantCulture, $"t={now};"));
        }

        if (Options.Expiration is TimeSpan expiration)
        {
            field.Add(string.Create(CultureInfo.InvariantCulture, $"x={now + (long)Math.Ceiling(expiration.TotalSeconds)};"));
        }

        for (int i = 0; i < signedNames.Count; i++)
        {
            string token = (i == 0 ? "h=" : string.Empty) + signedNames[i] + (i == signedNames.Count - 1 ? ";" : ":");
            if (i == 0)
            {
                field.Add(token);
            }
            else
            {
                field.Continue(token);
            }
        }

        field.Add($"bh={Convert.ToBase64String(bodyHash)};");
        field.Add("b=");
        return field;
    }
}
