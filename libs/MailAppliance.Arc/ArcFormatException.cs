namespace MailAppliance.Arc;

/// <summary>An ARC header field breaks the syntax of RFC 8617 §4.1; the chain it belongs to fails.</summary>
public sealed class ArcFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ArcFormatException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
