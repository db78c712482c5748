namespace MailAppliance.Srs;

/// <summary>
/// The SRS0 timestamp: the day number modulo 1024 in two base32 characters (Shevek's SRS paper; libsrs2
/// SRS_TIME_PRECISION 86400, SRS_TIME_BASEBITS 5, SRS_TIME_SIZE 2). Read without case, because mail systems change
/// the case of local parts.
/// </summary>
internal static class SrsTimestamp
{
    /// <summary>How many distinct timestamps there are (32 × 32): the stamp wraps after 1024 days.</summary>
    public const int Slots = 1024;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static long Today(DateTimeOffset now) => now.ToUnixTimeSeconds() / 86400;

    public static string Format(DateTimeOffset now)
    {
        int slot = (int)(Today(now) % Slots);
        return string.Concat(Alphabet[slot >> 5], Alphabet[slot & 31]);
    }

    public static bool TryParse(string stamp, out int slot)
    {
        slot = 0;
        if (stamp.Length != 2)
        {
            return false;
        }

        foreach (char c in stamp)
        {
            int value = Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (value < 0)
            {
                return false;
            }

            slot = (slot << 5) | value;
        }

        return true;
    }

    /// <summary>How many days ago a slot was, counting forward from it to today (a stamp "from the future" is very old).</summary>
    public static int AgeInDays(int slot, DateTimeOffset now)
    {
        int today = (int)(Today(now) % Slots);
        return (today - slot + Slots) % Slots;
    }
}
