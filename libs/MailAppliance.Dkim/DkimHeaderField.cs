using System.Text;

namespace MailAppliance.Dkim;

/// <summary>
/// One header field exactly as it is in the message: its name and its raw octets, continuation lines and the
/// final CRLF included (RFC 5322 §2.2). DKIM works on these octets, never on a re-serialized form.
/// </summary>
public sealed class DkimHeaderField
{
    /// <summary>Creates a field from its raw octets.</summary>
    /// <param name="name">The field name as written (without whitespace before the colon).</param>
    /// <param name="raw">The whole field: name, colon, value, folding, and the final CRLF (if the message has one).</param>
    /// <param name="colon">The offset of the colon in <paramref name="raw"/>.</param>
    public DkimHeaderField(string name, ReadOnlyMemory<byte> raw, int colon)
    {
        Name = name;
        Raw = raw;
        Colon = colon;
    }

    /// <summary>The field name as written (compare it without case).</summary>
    public string Name { get; }

    /// <summary>The raw octets, ending with CRLF when the message had one.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The offset of the colon that ends the name.</summary>
    public int Colon { get; }

    /// <summary>The raw value: everything after the colon, without the final CRLF.</summary>
    public ReadOnlyMemory<byte> RawValue
    {
        get
        {
            var value = Raw[(Colon + 1)..];
            return value.Span.EndsWith("\r\n"u8) ? value[..^2] : value;
        }
    }

    /// <summary>The raw value as Latin-1 text: one character per octet, so positions are octet offsets.</summary>
    public string RawValueText => Encoding.Latin1.GetString(RawValue.Span);

    /// <summary>True when the field has the given name (without case, RFC 6376 §3.5 h=).</summary>
    public bool Is(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override string ToString() => Encoding.Latin1.GetString(Raw.Span).TrimEnd('\r', '\n');
}
