namespace MailAppliance.Smtp.Protocol;

/// <summary>The replies the engine gives, named, with their RFC 3463 enhanced codes.</summary>
public static class SmtpReplies
{
    // 2xx
    public static readonly SmtpReply Ok = new(250, "2.0.0", "OK");
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Sender OK");
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Recipient OK");
    public static readonly SmtpReply ResetOk = new(250, "2.0.0", "Reset OK");
    public static readonly SmtpReply Bye = new(221, "2.0.0", "Bye");
    public static readonly SmtpReply ReadyForTls = new(220, "2.0.0", "Ready to start TLS");
    public static readonly SmtpReply AuthSucceeded = new(235, "2.7.0", "Authentication succeeded");
    public static readonly SmtpReply CannotVerify = new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply Help = new(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT STARTTLS AUTH VRFY HELP");
    public static readonly SmtpReply StartData = new(354, "", "End data with <CR><LF>.<CR><LF>");

    // 4xx
    public static readonly SmtpReply LocalError = new(451, "4.3.0", "Local error in processing, try again later");
    public static readonly SmtpReply ShuttingDown = new(421, "4.3.2", "Service shutting down, try again later");
    public static readonly SmtpReply Timeout = new(421, "4.4.2", "Timeout, closing connection");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Too many errors, closing connection");
    public static readonly SmtpReply TooManyConnections = new(421, "4.3.2", "Too many connections, try again later");
    public static readonly SmtpReply TooManyConnectionsFromIp = new(421, "4.7.0", "Too many connections from your address, try again later");
    public static readonly SmtpReply SessionTooLong = new(421, "4.4.2", "Session too long, closing connection");
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Too many recipients");
    public static readonly SmtpReply TlsNotAvailable = new(454, "4.7.0", "TLS not available");
    public static readonly SmtpReply AuthThrottled = new(454, "4.7.0", "Too many failed authentications, try again later");
    public static readonly SmtpReply AuthTemporaryFailure = new(454, "4.7.0", "Temporary authentication failure");

    // 5xx
    public static readonly SmtpReply Unrecognized = new(500, "5.5.2", "Syntax error, command unrecognized");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.6", "Line too long");
    public static readonly SmtpReply SyntaxError = new(501, "5.5.4", "Syntax error in parameters or arguments");
    public static readonly SmtpReply BadAddress = new(501, "5.1.7", "Bad address syntax");
    public static readonly SmtpReply BadSequenceHelloFirst = new(503, "5.5.1", "Send EHLO or HELO first");
    public static readonly SmtpReply BadSequenceMailFirst = new(503, "5.5.1", "Send MAIL first");
    public static readonly SmtpReply BadSequenceRcptFirst = new(503, "5.5.1", "Send RCPT first");
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Sender already given");
    public static readonly SmtpReply BdatInProgress = new(503, "5.5.1", "BDAT in progress; finish it with BDAT LAST or RSET");
    public static readonly SmtpReply AlreadyTls = new(503, "5.5.1", "TLS already active");
    public static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Already authenticated");
    public static readonly SmtpReply AuthInTransaction = new(503, "5.5.1", "AUTH not allowed during a mail transaction");
    public static readonly SmtpReply NotImplemented = new(502, "5.5.1", "Command not implemented");
    public static readonly SmtpReply UnknownParameter = new(555, "5.5.4", "Parameter not recognized or not implemented");
    public static readonly SmtpReply UnknownMechanism = new(504, "5.5.4", "Unrecognized authentication mechanism");
    public static readonly SmtpReply AuthCancelled = new(501, "5.7.0", "Authentication cancelled");
    public static readonly SmtpReply AuthBadBase64 = new(501, "5.5.2", "Cannot decode base64 response");
    public static readonly SmtpReply AuthFailed = new(535, "5.7.8", "Authentication credentials invalid");
    public static readonly SmtpReply AuthRequiresTls = new(538, "5.7.11", "Encryption required for requested authentication mechanism");
    public static readonly SmtpReply AuthRequired = new(530, "5.7.0", "Authentication required");
    public static readonly SmtpReply MustStartTls = new(530, "5.7.0", "Must issue a STARTTLS command first");
    public static readonly SmtpReply RelayDenied = new(554, "5.7.1", "Relay access denied");
    public static readonly SmtpReply UnknownUser = new(550, "5.1.1", "No such user here");
    public static readonly SmtpReply SenderNotAllowed = new(553, "5.7.1", "Sender address not allowed for this account");
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "No valid recipients");
    public static readonly SmtpReply BareLineEnding = new(550, "5.6.0", "Message contains a bare CR or LF; lines must end with CRLF (RFC 5321 §2.3.8)");
    public static readonly SmtpReply MailLoop = new(554, "5.4.6", "Too many Received header fields: mail loop (RFC 5321 §6.3)");
    public static readonly SmtpReply UnsignableHeader = new(550, "5.6.0", "Message header section cannot be parsed for DKIM signing");
    public static readonly SmtpReply Utf8WithoutSmtpUtf8 = new(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
}
