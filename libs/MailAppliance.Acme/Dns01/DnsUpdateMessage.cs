namespace MailAppliance.Acme.Dns01;

/// <summary>One change in the update section of a DNS UPDATE (RFC 2136 §2.5).</summary>
/// <param name="Name">Owner name.</param>
/// <param name="Type">RR type (16 = TXT).</param>
/// <param name="Class">IN (1) to add, NONE (254) to delete one RR, ANY (255) to delete the RRset.</param>
/// <param name="Ttl">TTL; 0 for deletions.</param>
/// <param name="Rdata">RDATA; empty to delete an RRset.</param>
public sealed record DnsUpdate(string Name, ushort Type, ushort Class, uint Ttl, byte[] Rdata)
{
    /// <summary>TXT.</summary>
    public const ushort TypeTxt = 16;

    /// <summary>Class IN.</summary>
    public const ushort ClassIn = 1;

    /// <summary>Class NONE: delete one RR (RFC 2136 §2.5.4).</summary>
    public const ushort ClassNone = 254;

    /// <summary>Class ANY: delete an RRset (RFC 2136 §2.5.2).</summary>
    public const ushort ClassAny = 255;

    /// <summary>Add a TXT record (RFC 2136 §2.5.1).</summary>
    public static DnsUpdate AddTxt(string name, string text, uint ttl) => new(name, TypeTxt, ClassIn, ttl, DnsWire.TxtRdata(text));

    /// <summary>Delete one TXT record with exactly this text (RFC 2136 §2.5.4).</summary>
    public static DnsUpdate DeleteTxt(string name, string text) => new(name, TypeTxt, ClassNone, 0, DnsWire.TxtRdata(text));
}

/// <summary>
/// A DNS UPDATE message (RFC 2136 §2): header with opcode UPDATE, the zone section (zone, SOA, IN), no
/// prerequisites, the update section, and optionally a TSIG record (RFC 8945 §4) as the last additional record.
/// </summary>
public static class DnsUpdateMessage
{
    /// <summary>Opcode UPDATE (RFC 2136 §1).</summary>
    public const int OpcodeUpdate = 5;

    private const ushort TypeSoa = 6;
    private const ushort TypeTsig = 250;

    /// <summary>Encodes the message; with a key, signed with TSIG at <paramref name="timeSigned"/>.</summary>
    /// <returns>The message bytes and the request MAC (empty without a key), which the response's TSIG covers.</returns>
    public static (byte[] Message, byte[] Mac) Encode(ushort id, string zone, IReadOnlyList<DnsUpdate> updates, TsigKey? key, DateTimeOffset timeSigned, ushort fudge = 300)
    {
        byte[] unsigned = EncodeUnsigned(id, zone, updates, additionalCount: 0);
        if (key is null)
        {
            return (unsigned, []);
        }

        long time = timeSigned.ToUnixTimeSeconds();
        // RFC 8945 §4.3.3: the MAC covers the whole message (before the TSIG RR is added) and the TSIG variables.
        var digest = new DnsWire().Bytes(unsigned);
        WriteTsigVariables(digest, key, time, fudge);
        byte[] mac = key.Mac(digest.ToArray());

        var message = new DnsWire().Bytes(EncodeUnsigned(id, zone, updates, additionalCount: 1));
        var rdata = new DnsWire().Name(key.Algorithm).U48(time).U16(fudge).U16(mac.Length).Bytes(mac).U16(id).U16(0).U16(0);
        message.Name(key.Name).U16(TypeTsig).U16(DnsUpdate.ClassAny).U32(0).U16(rdata.Length).Bytes(rdata.ToArray());
        return (message.ToArray(), mac);
    }

    internal static void WriteTsigVariables(DnsWire wire, TsigKey key, long time, ushort fudge, ushort error = 0, byte[]? otherData = null)
    {
        // RFC 8945 §4.3.3: name, class ANY, TTL 0, algorithm, time signed, fudge, error, other len, other data.
        wire.Name(key.Name).U16(DnsUpdate.ClassAny).U32(0).Name(key.Algorithm).U48(time).U16(fudge).U16(error)
            .U16(otherData?.Length ?? 0).Bytes(otherData ?? []);
    }

    private static byte[] EncodeUnsigned(ushort id, string zone, IReadOnlyList<DnsUpdate> updates, int additionalCount)
    {
        var wire = new DnsWire()
            .U16(id)
            .U16(OpcodeUpdate << 11) // QR=0, Opcode=UPDATE, all flags clear.
            .U16(1)                  // ZOCOUNT
            .U16(0)                  // PRCOUNT
            .U16(updates.Count)      // UPCOUNT
            .U16(additionalCount);   // ADCOUNT
        wire.Name(zone).U16(TypeSoa).U16(DnsUpdate.ClassIn);
        foreach (var update in updates)
        {
            wire.Name(update.Name).U16(update.Type).U16(update.Class).U32(update.Ttl).U16(update.Rdata.Length).Bytes(update.Rdata);
        }

        return wire.ToArray();
    }
}
