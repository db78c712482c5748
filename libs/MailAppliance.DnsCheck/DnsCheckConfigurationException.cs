namespace MailAppliance.DnsCheck;

/// <summary>The settings do not say what to check (no host name, no address, unknown domain); the message says what to set.</summary>
public sealed class DnsCheckConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DnsCheckConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DnsCheckConfigurationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DnsCheckConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
