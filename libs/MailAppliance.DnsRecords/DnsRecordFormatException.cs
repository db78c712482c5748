namespace MailAppliance.DnsRecords;

/// <summary>A DNS record's text breaks its RFC; the message says what is wrong and where.</summary>
public sealed class DnsRecordFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DnsRecordFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DnsRecordFormatException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DnsRecordFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The Try form of every record parser, in one place.</summary>
internal static class RecordParsing
{
    /// <summary>Runs <paramref name="parse"/>; false with the problem instead of a <see cref="DnsRecordFormatException"/>.</summary>
    public static bool TryParse<T>(Func<string, T> parse, string text, out T? record, out string? problem)
        where T : class
    {
        try
        {
            record = parse(text);
            problem = null;
            return true;
        }
        catch (DnsRecordFormatException e)
        {
            record = null;
            problem = e.Message;
            return false;
        }
    }
}
