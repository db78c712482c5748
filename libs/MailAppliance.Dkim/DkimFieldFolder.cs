using System.Text;

namespace MailAppliance.Dkim;

/// <summary>
/// Writes a header field folded at a line length (RFC 5322 §2.2.3: fold by inserting CRLF before whitespace).
/// Tag values DKIM lets us break are broken where RFC 6376 §3.5 allows FWS: around h= colons and anywhere in
/// base64 (b=, bh=).
/// </summary>
internal sealed class DkimFieldFolder
{
    private readonly StringBuilder text = new();
    private readonly int lineLength;
    private int column;

    public DkimFieldFolder(string name, int lineLength)
    {
        this.lineLength = Math.Max(lineLength, 40);
        text.Append(name).Append(':');
        column = name.Length + 1;
    }

    /// <summary>Adds a token after a space, on a new line if it would not fit.</summary>
    public void Add(string token)
    {
        if (column + 1 + token.Length > lineLength)
        {
            NewLine();
        }
        else
        {
            text.Append(' ');
            column++;
        }

        Append(token);
    }

    /// <summary>Adds a token right after the previous one (no space), or on a new line if it would not fit.</summary>
    public void Continue(string token)
    {
        if (column + token.Length > lineLength)
        {
            NewLine();
        }

        Append(token);
    }

    /// <summary>Adds base64 text, filling each line and folding inside the value (RFC 6376 §3.5 b=).</summary>
    public void AddBase64(string value)
    {
        int position = 0;
        while (position < value.Length)
        {
            int room = lineLength - column;
            if (room <= 0)
            {
                NewLine();
                continue;
            }

            int take = Math.Min(room, value.Length - position);
            text.Append(value, position, take);
            column += take;
            position += take;
        }
    }

    /// <summary>The field so far.</summary>
    public override string ToString() => text.ToString();

    private void NewLine()
    {
        text.Append("\r\n ");
        column = 1;
    }

    private void Append(string token)
    {
        text.Append(token);
        column += token.Length;
    }
}
