using System.Text;

namespace MailAppliance.IntegrationTests.Network;

/// <summary>A message a peer of the test internet received.</summary>
/// <param name="Sender">The envelope sender (MAIL FROM), empty for the null sender.</param>
/// <param name="Recipients">The accepted envelope recipients.</param>
/// <param name="Data">
/// The message as stored. For <see cref="SmtpSink"/>: exactly the octets received after DATA (dot-unstuffed, CRLF).
/// For <see cref="PostfixMx"/>: the Maildir file, with Postfix's Return-Path, Delivered-To and Received header
/// fields on top and LF line ends.
/// </param>
/// <param name="Peer">The client address as the peer saw it (sink only).</param>
/// <param name="Helo">The EHLO/HELO name (sink only).</param>
/// <param name="Tls">True when the message came over TLS (sink only).</param>
/// <param name="Path">The file it was read from.</param>
public sealed record ReceivedMessage(string Sender, IReadOnlyList<string> Recipients, byte[] Data, string? Peer, string? Helo, bool Tls, string Path)
{
    /// <summary>The message as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Data);

    /// <summary>The first header field with this name (unfolded value, trimmed), or null.</summary>
    public string? Header(string name)
    {
        string[] lines = Text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length && lines[i].Length > 0; i++)
        {
            if (lines[i].StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                var value = new StringBuilder(lines[i][(name.Length + 1)..]);
                while (i + 1 < lines.Length && lines[i + 1].Length > 0 && lines[i + 1][0] is ' ' or '\t')
                {
                    value.Append(' ').Append(lines[++i].Trim());
                }

                return value.ToString().Trim();
            }
        }

        return null;
    }

    public override string ToString() => $"from <{Sender}> to <{string.Join(">, <", Recipients)}>, {Data.Length} octets";
}
