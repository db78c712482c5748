namespace MailAppliance.Smtp.Protocol;

/// <summary>Splits a command line into verb and argument (RFC 5321 §4.1.1: verbs are case-insensitive).</summary>
public static class SmtpCommandParser
{
    /// <summary>Parses one line (without its CRLF).</summary>
    public static SmtpCommand Parse(string line)
    {
        int space = line.IndexOf(' ');
        string name = space < 0 ? line : line[..space];
        string argument = space < 0 ? string.Empty : line[(space + 1)..].Trim(' ');
        SmtpVerb verb = name.ToUpperInvariant() switch
        {
            "EHLO" => SmtpVerb.Ehlo,
            "HELO" => SmtpVerb.Helo,
            "MAIL" => SmtpVerb.Mail,
            "RCPT" => SmtpVerb.Rcpt,
            "DATA" => SmtpVerb.Data,
            "BDAT" => SmtpVerb.Bdat,
            "RSET" => SmtpVerb.Rset,
            "NOOP" => SmtpVerb.Noop,
            "QUIT" => SmtpVerb.Quit,
            "VRFY" => SmtpVerb.Vrfy,
            "EXPN" => SmtpVerb.Expn,
            "HELP" => SmtpVerb.Help,
            "STARTTLS" => SmtpVerb.StartTls,
            "AUTH" => SmtpVerb.Auth,
            _ => SmtpVerb.Unknown,
        };
        return new SmtpCommand(verb, name, argument);
    }
}
