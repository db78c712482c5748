using System.Text;

namespace MailAppliance.Smtp.Protocol;

/// <summary>
/// One SMTP reply: a three-digit code (RFC 5321 §4.2), an enhanced status code (RFC 3463, announced with
/// ENHANCEDSTATUSCODES, RFC 2034) and text. Replies are data: sessions return them, they are never built from
/// scattered strings. The wire form is computed once.
/// </summary>
public sealed class SmtpReply
{
    private byte[]? _bytes;

    /// <summary>Creates a reply; text lines separated by <c>\n</c> become a multi-line reply.</summary>
    public SmtpReply(int code, string enhanced, string text)
    {
        Code = code;
        Enhanced = enhanced;
        Text = text;
    }

    /// <summary>The RFC 5321 reply code.</summary>
    public int Code { get; }

    /// <summary>The RFC 3463 enhanced status code, or empty where RFC 2034 §3 excludes it (greeting, EHLO).</summary>
    public string Enhanced { get; }

    /// <summary>Human-readable text.</summary>
    public string Text { get; }

    /// <summary>True for 4xx replies.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>True for 4xx and 5xx replies.</summary>
    public bool IsError => Code >= 400;

    /// <summary>The reply as it goes on the wire.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ??= Format();

    /// <summary>A copy with other text, same codes.</summary>
    public SmtpReply WithText(string text) => new(Code, Enhanced, text);

    /// <inheritdoc />
    public override string ToString() => Enhanced.Length > 0 ? $"{Code} {Enhanced} {Text}" : $"{Code} {Text}";

    private byte[] Format()
    {
        var builder = new StringBuilder();
        string[] lines = Text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            builder.Append(Code).Append(i == lines.Length - 1 ? ' ' : '-');
            if (Enhanced.Length > 0)
            {
                builder.Append(Enhanced).Append(' ');
            }

            builder.Append(lines[i]).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
