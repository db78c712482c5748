using System.Text;

namespace MailAppliance.IntegrationTests.Dkim;

/// <summary>Messages that stress what DKIM signers get wrong: trailing empty lines, long lines, 8-bit UTF-8, whitespace.</summary>
internal static class DkimTestMessages
{
    private const string Headers =
        "From: Alice Example <alice@example.com>\r\n" +
        "To: Bob <bob@example.net>, Carol <carol@example.org>\r\n" +
        "Cc: dave@example.net\r\n" +
        "Date: Fri, 31 Jan 2025 12:00:00 +0000\r\n" +
        "Message-ID: <interop-{0}@example.com>\r\n" +
        "MIME-Version: 1.0\r\n";

    /// <summary>The case names, for theories.</summary>
    public static TheoryData<string> Names() => new(All.Keys);

    /// <summary>The case names as a list.</summary>
    public static IReadOnlyList<string> NameList => [.. All.Keys];

    /// <summary>The message of a case, CRLF throughout.</summary>
    public static byte[] Get(string name) => Encoding.UTF8.GetBytes(string.Format(null, Headers, name) + All[name]);

    private static readonly Dictionary<string, string> All = new(StringComparer.Ordinal)
    {
        ["plain"] =
            "Subject: Lunch?\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nShall we meet at noon?\r\n",
        ["trailing-empty-lines"] =
            "Subject: Trailing lines\r\nContent-Type: text/plain\r\n\r\nText, then empty lines.\r\n\r\n\r\n\r\n\r\n",
        ["long-lines"] =
            "Subject: " + new string('s', 200) + "\r\n" +
            "Content-Type: text/plain\r\n\r\n" +
            new string('x', 998) + "\r\n" + string.Concat(Enumerable.Repeat("word  \t", 140)) + "\r\n" +
            string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i} of a long body\r\n")),
        ["utf8-8bit"] =
            "Subject: Grüße aus Zürich – 日本語の件名\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "Grüße, Jürgen! Ünïcödé text: 日本語, emoji 📬, ¡olé!\r\nÇa va très bien.\r\n",
        ["whitespace-and-folding"] =
            "Subject:   folded\r\n   subject\twith  tabs   \r\n" +
            "Content-Type: text/plain;\r\n\tcharset=us-ascii\r\n" +
            "List-Id: Interop <interop.example.com>\r\nList-Unsubscribe: <mailto:leave@example.com>\r\n\r\n" +
            "  leading spaces\r\ntrailing spaces   \r\n\ttab\t \t in  between\r\n \r\n\r\nlast line\r\n",
        ["empty-body"] =
            "Subject: nothing to say\r\n\r\n",
        ["mime-multipart"] =
            "Subject: attachment\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
            "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray(), Base64FormattingOptions.InsertLineBreaks) +
            "\r\n--b1--\r\n",
    };
}
