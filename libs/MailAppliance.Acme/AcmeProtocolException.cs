namespace MailAppliance.Acme;

/// <summary>
/// The ACME server answered something this client cannot use: not JSON, a missing required field, an object
/// that never left a pending state. Unlike <see cref="AcmeProblemException"/> there is no problem document.
/// </summary>
public sealed class AcmeProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AcmeProtocolException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
