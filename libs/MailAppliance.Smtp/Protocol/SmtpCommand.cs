namespace MailAppliance.Smtp.Protocol;

/// <summary>The commands of RFC 5321 §4.1.1 and the extensions the engine implements.</summary>
public enum SmtpVerb
{
    Unknown,
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,
}

/// <summary>A command line split into its verb and the rest.</summary>
public readonly record struct SmtpCommand(SmtpVerb Verb, string Name, string Argument);
