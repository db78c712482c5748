using System.Globalization;
using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>Parsing of the tags AMS and AS share with DKIM-Signature (RFC 8617 §4.1.2, §4.1.3, RFC 6376 §3.5).</summary>
internal static class ArcTags
{
    /// <summary>The largest instance number (RFC 8617 §4.2.1: "i= ... MUST be between 1 and 50").</summary>
    public const int MaxInstance = 50;

    public static DkimTagList Parse(DkimHeaderField field)
    {
        try
        {
            return DkimTagList.Parse(field.RawValueText);
        }
        catch (DkimFormatException e)
        {
            throw new ArcFormatException($"{field.Name}: {e.Message}", e);
        }
    }

    public static string Required(DkimTagList tags, string name, string fieldName) =>
        tags[name] ?? throw new ArcFormatException($"{fieldName} has no {name}= tag");

    /// <summary>An instance number: 1*2DIGIT, 1 to 50 (RFC 8617 §4.2.1).</summary>
    public static bool TryParseInstance(string value, out int instance)
    {
        instance = 0;
        return value.Length is >= 1 and <= 2 && value.All(char.IsAsciiDigit)
            && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out instance)
            && instance is >= 1 and <= MaxInstance;
    }

    public static int Instance(DkimTagList tags, string fieldName)
    {
        string value = Required(tags, "i", fieldName);
        return TryParseInstance(value, out int instance)
            ? instance
            : throw new ArcFormatException($"{fieldName} i={value} is not an instance number from 1 to {MaxInstance}");
    }

    /// <summary>a=: rsa-sha256 or ed25519-sha256, as written (RFC 8617 §4.1.2 uses RFC 6376's a= syntax).</summary>
    public static DkimAlgorithm Algorithm(DkimTagList tags, string fieldName)
    {
        string value = Required(tags, "a", fieldName);
        return value switch
        {
            "rsa-sha256" => DkimAlgorithm.RsaSha256,
            "ed25519-sha256" => DkimAlgorithm.Ed25519Sha256,
            // RFC 8301 §3.1: rsa-sha1 "MUST NOT be used for signing or verifying"; ARC came after it.
            _ => throw new ArcFormatException($"{fieldName} a={value} is not an algorithm ARC accepts"),
        };
    }

    public static string Domain(DkimTagList tags, string fieldName)
    {
        string value = Required(tags, "d", fieldName).ToLowerInvariant();
        return DkimNames.IsDomainName(value) ? value : throw new ArcFormatException($"{fieldName} d={value} is not a domain name");
    }

    public static string Selector(DkimTagList tags, string fieldName)
    {
        string value = Required(tags, "s", fieldName);
        return DkimNames.IsSelector(value) ? value : throw new ArcFormatException($"{fieldName} s={value} is not a selector");
    }

    public static byte[] Base64(DkimTagList tags, string name, string fieldName)
    {
        string value = DkimTagList.RemoveFws(Required(tags, name, fieldName));
        try
        {
            byte[] data = Convert.FromBase64String(value);
            return data.Length > 0 ? data : throw new ArcFormatException($"{fieldName} {name}= is empty");
        }
        catch (FormatException)
        {
            throw new ArcFormatException($"{fieldName} {name}= is not base64");
        }
    }

    /// <summary>t=: 1*12DIGIT when present (RFC 6376 §3.5).</summary>
    public static DateTimeOffset? Timestamp(DkimTagList tags, string fieldName)
    {
        if (tags["t"] is not string value)
        {
            return null;
        }

        if (value.Length == 0 || !value.All(char.IsAsciiDigit))
        {
            throw new ArcFormatException($"{fieldName} t={value} is not a time");
        }

        return value.Length > 12
            ? DateTimeOffset.MaxValue
            : DateTimeOffset.FromUnixTimeSeconds(Math.Min(long.Parse(value, CultureInfo.InvariantCulture), 253402300799));
    }
}
