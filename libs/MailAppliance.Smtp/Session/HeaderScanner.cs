using System.Text;

namespace MailAppliance.Smtp.Session;

/// <summary>
/// Watches the header section of a message as it streams past (RFC 5322 §2.2), noting the fields the
/// relay needs to know about (Message-ID, Date, Received). It stops looking at the first empty line,
/// so the body costs nothing.
/// </summary>
internal sealed class HeaderScanner
{
    private const int MaxNameLength = 76;
    private readonly StringBuilder _name = new(MaxNameLength);
    private bool _atLineStart = true;
    private bool _inName = true;
    private bool _sawCr;

    /// <summary>True once the empty line ending the header section has been seen.</summary>
    public bool Done { get; private set; }

    /// <summary>A Message-ID field is present.</summary>
    public bool HasMessageId { get; private set; }

    /// <summary>A Date field is present.</summary>
    public bool HasDate { get; private set; }

    /// <summary>Number of Received fields (loop detection, RFC 5321 §6.3).</summary>
    public int ReceivedCount { get; private set; }

    public void Scan(ReadOnlySpan<byte> content)
    {
        foreach (byte b in content)
        {
            if (Done)
            {
                return;
            }

            if (b == (byte)'\n')
            {
                if (_atLineStart && _sawCr)
                {
                    Done = true;
                    return;
                }

                _atLineStart = true;
                _inName = true;
                _name.Clear();
                _sawCr = false;
                continue;
            }

            if (b == (byte)'\r')
            {
                _sawCr = true;
                continue;
            }

            if (_atLineStart && (b == (byte)' ' || b == (byte)'\t'))
            {
                // Folded continuation of the previous field (RFC 5322 §2.2.3).
                _inName = false;
            }

            _atLineStart = false;
            _sawCr = false;
            if (!_inName)
            {
                continue;
            }

            if (b == (byte)':')
            {
                Note(_name.ToString());
                _inName = false;
            }
            else if (_name.Length < MaxNameLength)
            {
                _name.Append((char)b);
            }
        }
    }

    private void Note(string name)
    {
        name = name.TrimEnd(' ', '\t');
        if (name.Equals("Message-ID", StringComparison.OrdinalIgnoreCase))
        {
            HasMessageId = true;
        }
        else if (name.Equals("Date", StringComparison.OrdinalIgnoreCase))
        {
            HasDate = true;
        }
        else if (name.Equals("Received", StringComparison.OrdinalIgnoreCase))
        {
            ReceivedCount++;
        }
    }
}
