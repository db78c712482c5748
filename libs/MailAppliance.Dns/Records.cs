namespace MailAppliance.Dns;

/// <summary>An MX record (RFC 5321 §5.1): lower preference first.</summary>
/// <param name="Preference">The preference; lower is tried first.</param>
/// <param name="Host">The exchange host name without a trailing dot; <c>"."</c> for a null MX (RFC 7505).</param>
public sealed record MxRecord(ushort Preference, string Host)
{
    /// <summary>True for a null MX (RFC 7505 §3: a single MX with preference 0 and exchange "."): the domain accepts no mail.</summary>
    public bool IsNullMx => Host == ".";

    /// <inheritdoc />
    public override string ToString() => $"{Preference} {Host}";
}

/// <summary>
/// A TXT record. A record holds one or more character-strings of at most 255 octets; SPF, DKIM and DMARC read
/// them concatenated with nothing in between (RFC 7208 §3.3, RFC 6376 §3.6.2.2), which is <see cref="Text"/>.
/// </summary>
public sealed class TxtRecord : IEquatable<TxtRecord>
{
    /// <summary>A record made of these character-strings.</summary>
    public TxtRecord(IReadOnlyList<string> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        Strings = strings.ToArray();
        Text = string.Concat(Strings);
    }

    /// <summary>A record made of these character-strings.</summary>
    public TxtRecord(params string[] strings)
        : this((IReadOnlyList<string>)strings)
    {
    }

    /// <summary>The character-strings as they are in the record (each decoded as UTF-8).</summary>
    public IReadOnlyList<string> Strings { get; }

    /// <summary>The strings joined with no separator (RFC 7208 §3.3).</summary>
    public string Text { get; }

    /// <inheritdoc />
    public bool Equals(TxtRecord? other) => other is not null && Strings.SequenceEqual(other.Strings, StringComparer.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TxtRecord);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    /// <inheritdoc />
    public override string ToString() => string.Join(' ', Strings.Select(s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
}

/// <summary>A TLSA record (RFC 6698 §2.1) for DANE (RFC 7672).</summary>
/// <param name="Usage">Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.</param>
/// <param name="Selector">0 full certificate, 1 SubjectPublicKeyInfo.</param>
/// <param name="MatchingType">0 exact, 1 SHA-256, 2 SHA-512.</param>
/// <param name="Data">The certificate association data.</param>
public sealed record TlsaRecord(byte Usage, byte Selector, byte MatchingType, ReadOnlyMemory<byte> Data)
{
    /// <summary>The association data in lower-case hex, as written in a zone file.</summary>
    public string DataHex => Convert.ToHexStringLower(Data.Span);

    /// <inheritdoc />
    public bool Equals(TlsaRecord? other) =>
        other is not null && Usage == other.Usage && Selector == other.Selector && MatchingType == other.MatchingType && Data.Span.SequenceEqual(other.Data.Span);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Usage, Selector, MatchingType, DataHex);

    /// <inheritdoc />
    public override string ToString() => $"{Usage} {Selector} {MatchingType} {DataHex}";
}

/// <summary>A CAA record (RFC 8659 §4.1).</summary>
/// <param name="Flags">The flags octet; bit 0 (128) is "issuer critical".</param>
/// <param name="Tag">The property tag: issue, issuewild, iodef, ...</param>
/// <param name="Value">The property value, e.g. <c>letsencrypt.org</c>.</param>
public sealed record CaaRecord(byte Flags, string Tag, string Value)
{
    /// <summary>True when the issuer-critical flag is set (RFC 8659 §4.1).</summary>
    public bool IsCritical => (Flags & 0x80) != 0;

    /// <inheritdoc />
    public override string ToString() => $"{Flags} {Tag} \"{Value}\"";
}
