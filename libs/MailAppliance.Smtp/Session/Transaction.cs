using MailAppliance.Core;
using MailAppliance.Spool;

namespace MailAppliance.Smtp.Session;

/// <summary>One mail transaction (RFC 5321 §3.3): from MAIL to the end of DATA/BDAT LAST, or RSET.</summary>
internal sealed class Transaction
{
    public Transaction(EmailAddress sender) => Sender = sender;

    public EmailAddress Sender { get; }

    public string Body { get; set; } = "7BIT";

    public bool SmtpUtf8 { get; set; }

    public string? Ret { get; set; }

    public string? EnvId { get; set; }

    public List<EnvelopeRecipient> Recipients { get; } = [];

    /// <summary>Set while a BDAT sequence is in progress.</summary>
    public SpoolWriter? BdatWriter { get; set; }

    /// <summary>The sink of the BDAT sequence in progress.</summary>
    public ContentSink? BdatSink { get; set; }

    /// <summary>When the data phase started (the Received timestamp).</summary>
    public DateTimeOffset DataStarted { get; set; }
}
