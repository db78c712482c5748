namespace MailAppliance.Srs;

/// <summary>
/// How forwarded mail's envelope sender is rewritten (the Sender Rewriting Scheme, as postsrsd and libsrs2 do it).
/// </summary>
/// <remarks>Bound from the <see cref="SectionName"/> section of <c>appliance.json</c>.</remarks>
public sealed class SrsOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Srs";

    /// <summary>
    /// How long an SRS0 address is honoured for bounces (default 21 days, libsrs2's default). Counted in whole days,
    /// the precision of the timestamp; at most 1023 days, the range of the two-character timestamp.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(21);

    /// <summary>
    /// How many base64 characters of the HMAC-SHA1 are written (default 4, as postsrsd). Verification accepts hashes at
    /// least this long.
    /// </summary>
    public int HashLength { get; set; } = 4;

    /// <summary>The character after <c>SRS0</c>/<c>SRS1</c> in addresses we write: <c>=</c> (default), <c>+</c> or <c>-</c>.</summary>
    public char Separator { get; set; } = '=';

    /// <summary>
    /// The secrets file, relative to the state directory (default <c>srs/secret</c>). One secret per line: the first
    /// signs, every one verifies, so a rotation is "add a new first line, remove the old one after <see cref="MaxAge"/>".
    /// Created with a random secret, mode 0600, when missing.
    /// </summary>
    public string SecretFile { get; set; } = Path.Combine("srs", "secret");

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MaxAge < TimeSpan.FromDays(1) || MaxAge.TotalDays > SrsTimestamp.Slots - 1)
        {
            throw new ArgumentException($"Srs:MaxAge must be between 1 and {SrsTimestamp.Slots - 1} days, not {MaxAge}");
        }

        if (HashLength is < 1 or > SrsHash.MaxLength)
        {
            throw new ArgumentException($"Srs:HashLength must be between 1 and {SrsHash.MaxLength}, not {HashLength}");
        }

        if (Separator is not ('=' or '+' or '-'))
        {
            throw new ArgumentException($"Srs:Separator must be '=', '+' or '-', not '{Separator}'");
        }
    }
}
