namespace MailAppliance.Dkim;

/// <summary>
/// Something DKIM reads is malformed: a header section that is not one, a DKIM-Signature or key record that breaks
/// its syntax (RFC 6376 §3.2, §3.5, §3.6.1), or a message that cannot be signed (no From field).
/// </summary>
public sealed class DkimFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DkimFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DkimFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
