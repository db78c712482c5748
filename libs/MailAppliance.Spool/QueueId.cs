using System.Security.Cryptography;

namespace MailAppliance.Spool;

/// <summary>
/// Queue ids: 12 characters of time (milliseconds, base 32, so ids sort by arrival) and 6 random ones.
/// Lower-case letters and digits only, safe as file names and in mail log lines.
/// </summary>
public static class QueueId
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuv";

    /// <summary>Makes a new id.</summary>
    public static string New(TimeProvider? clock = null)
    {
        long ms = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        Span<char> id = stackalloc char[18];
        for (int i = 11; i >= 0; i--)
        {
            id[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        Span<byte> random = stackalloc byte[6];
        RandomNumberGenerator.Fill(random);
        for (int i = 0; i < 6; i++)
        {
            id[12 + i] = Alphabet[random[i] & 31];
        }

        return new string(id);
    }

    /// <summary>True when <paramref name="text"/> has the shape of a queue id (guards paths built from ids).</summary>
    public static bool IsValid(string text) =>
        text.Length == 18 && text.All(c => Alphabet.Contains(c, StringComparison.Ordinal));
}
