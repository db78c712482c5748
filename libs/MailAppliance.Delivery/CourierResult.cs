using System.Globalization;
using System.Security.Authentication;

namespace MailAppliance.Delivery;

/// <summary>An SMTP reply from the remote server (RFC 5321 §4.2), with its enhanced status code (RFC 3463) when given.</summary>
/// <param name="Code">The three-digit reply code.</param>
/// <param name="EnhancedCode">The enhanced status code (e.g. <c>5.1.1</c>) of the first line, or null.</param>
/// <param name="Text">The text of all lines (enhanced code removed), joined with a space.</param>
/// <param name="Lines">The raw lines, without CRLF.</param>
public sealed record SmtpReply(int Code, string? EnhancedCode, string Text, IReadOnlyList<string> Lines)
{
    /// <summary>2xx.</summary>
    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>4xx: transient negative completion (RFC 5321 §4.2.1).</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>5xx: permanent negative completion (RFC 5321 §4.2.1).</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>The reply as one line: code, enhanced code, text.</summary>
    public override string ToString() =>
        EnhancedCode is null ? $"{Code} {Text}" : $"{Code} {EnhancedCode} {Text}";

    /// <summary>Parses reply lines (all with the same code; RFC 5321 §4.2.1 multiline form).</summary>
    /// <exception cref="FormatException">A line is not a reply line.</exception>
    public static SmtpReply Parse(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            throw new FormatException("empty reply");
        }

        int code = ParseCode(lines[0]);
        string? enhanced = null;
        var texts = new List<string>();
        for (int i = 0; i < lines.Count; i++)
        {
            string text = lines[i].Length > 4 ? lines[i][4..] : "";
            // RFC 3463 §2 / RFC 2034 §4: the enhanced code leads the text of each line, its class matches the reply's.
            int space = text.IndexOf(' ');
            string first = space < 0 ? text : text[..space];
            if (IsEnhancedCode(first, code))
            {
                enhanced ??= first;
                text = space < 0 ? "" : text[(space + 1)..];
            }

            texts.Add(text);
        }

        return new SmtpReply(code, enhanced, string.Join(' ', texts).Trim(), lines);
    }

    internal static int ParseCode(string line)
    {
        if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int code) || code < 200 || code > 599 ||
            (line.Length > 3 && line[3] is not (' ' or '-')))
        {
            throw new FormatException($"not an SMTP reply line: {Truncate(line)}");
        }

        return code;
    }

    internal static string Truncate(string line) => line.Length > 100 ? line[..100] + "..." : line;

    private static bool IsEnhancedCode(string s, int code)
    {
        string[] parts = s.Split('.');
        return parts.Length == 3 && parts[0].Length == 1 && parts[0][0] - '0' == code / 100 &&
               parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }
}

/// <summary>What happened to one recipient (DESIGN.md §3 "Courier result").</summary>
public enum DeliveryStatus
{
    /// <summary>The server accepted responsibility for the message (RFC 5321 §4.1.1.4, 250 after the data).</summary>
    Delivered,

    /// <summary>Try again later: a 4xx reply or a connection-level problem.</summary>
    TemporaryFailure,

    /// <summary>Do not retry: a 5xx reply, or a condition no retry can change (e.g. SMTPUTF8 not offered).</summary>
    PermanentFailure,
}

/// <summary>The outcome for one recipient.</summary>
/// <param name="Address">The recipient address.</param>
/// <param name="Status">Delivered, temporary or permanent failure.</param>
/// <param name="Reply">The remote reply that decided it; null when the decision was local (connection refused, timeout, ...).</param>
/// <param name="Detail">A human-readable explanation (the reply line, or what went wrong locally).</param>
public sealed record RecipientResult(string Address, DeliveryStatus Status, SmtpReply? Reply, string Detail);

/// <summary>TLS parameters of a session (RFC 3207).</summary>
/// <param name="Protocol">The TLS version negotiated.</param>
/// <param name="CipherSuite">The cipher suite negotiated.</param>
/// <param name="CertificateVerified">True when the server certificate chained to a trusted root and matched the host name.</param>
/// <param name="CertificateErrors">The validation errors when not verified (informational in opportunistic mode).</param>
public sealed record TlsInfo(SslProtocols Protocol, string CipherSuite, bool CertificateVerified, string? CertificateErrors)
{
    /// <summary>E.g. <c>TLSv1.3 TLS_AES_256_GCM_SHA384 verified</c>.</summary>
    public override string ToString() => $"{Protocol} {CipherSuite} {(CertificateVerified ? "verified" : "unverified")}";
}

/// <summary>The outcome of one delivery attempt to one server address (DESIGN.md §3): one result per recipient.</summary>
public sealed record CourierResult
{
    /// <summary>The host name tried.</summary>
    public required string Host { get; init; }

    /// <summary>The address connected to.</summary>
    public required System.Net.IPAddress Address { get; init; }

    /// <summary>One result per recipient, in the order given.</summary>
    public required IReadOnlyList<RecipientResult> Recipients { get; init; }

    /// <summary>
    /// True when the session failed before any recipient was decided by the server (refused, timeout, greeting
    /// not 220, TLS failure, lost connection): the queue may try the next address or MX at once (RFC 5321 §5.1).
    /// </summary>
    public bool ConnectionFailed { get; init; }

    /// <summary>TLS parameters when STARTTLS was used, else null.</summary>
    public TlsInfo? Tls { get; init; }

    /// <summary>True when BDAT (RFC 3030) carried the message, false for DATA.</summary>
    public bool UsedChunking { get; init; }

    /// <summary>The EHLO keywords the server offered (upper case), empty after HELO.</summary>
    public IReadOnlySet<string> Extensions { get; init; } = new HashSet<string>();

    /// <summary>True when every recipient was delivered.</summary>
    public bool AllDelivered => Recipients.All(r => r.Status == DeliveryStatus.Delivered);
}
