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
