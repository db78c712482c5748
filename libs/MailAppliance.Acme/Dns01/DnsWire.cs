using System.Buffers.Binary;

namespace MailAppliance.Acme.Dns01;

/// <summary>Writing DNS wire format (RFC 1035 §4.1): big-endian integers, uncompressed names, character-strings.</summary>
internal sealed class DnsWire
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public byte[] ToArray() => [.. _bytes];

    public DnsWire U8(int value)
    {
        _bytes.Add((byte)value);
        return this;
    }

    public DnsWire U16(int value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)value);
        _bytes.AddRange(buffer);
        return this;
    }

    public DnsWire U32(uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        _bytes.AddRange(buffer);
        return this;
    }

    /// <summary>48-bit unsigned (TSIG Time Signed, RFC 8945 §4.2).</summary>
    public DnsWire U48(long value) => U16((int)((value >> 32) & 0xFFFF)).U32((uint)(value & 0xFFFFFFFF));

    public DnsWire Bytes(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>A domain name as labels (RFC 1035 §3.1), never compressed; lower-case for TSIG's canonical form.</summary>
    public DnsWire Name(string name)
    {
        foreach (string label in name.Trim().TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            byte[] bytes = System.Text.Encoding.ASCII.GetBytes(label.ToLowerInvariant());
            if (bytes.Length > 63)
            {
                throw new ArgumentException($"label '{label}' is longer than 63 octets", nameof(name));
            }

            U8(bytes.Length).Bytes(bytes);
        }

        return U8(0);
    }

    /// <summary>TXT RDATA: the text as character-strings of at most 255 octets (RFC 1035 §3.3.14).</summary>
    public static byte[] TxtRdata(string text)
    {
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text);
        var wire = new DnsWire();
        for (int offset = 0; offset < bytes.Length || offset == 0; offset += 255)
        {
            int length = Math.Min(255, bytes.Length - offset);
            wire.U8(length).Bytes(bytes.AsSpan(offset, length));
            if (bytes.Length == 0)
            {
                break;
            }
        }

        return wire.ToArray();
    }
}
