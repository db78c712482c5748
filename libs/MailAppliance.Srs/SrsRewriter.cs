namespace MailAppliance.Srs;

/// <summary>
/// The Sender Rewriting Scheme (Shevek's SRS paper, "guarded" mode as in libsrs2, postsrsd and chasquid's peers): a
/// forwarder rewrites the envelope sender into its own domain so that SPF passes at the next hop, and only accepts
/// bounces to addresses it made.
/// <list type="bullet">
/// <item><c>SRS0=HHHH=TT=orig-domain=orig-local@our-domain</c> for an ordinary sender: hash over TT, domain and local
/// part; TT the day stamp.</item>
/// <item><c>SRS1=HHHH=first-forwarder==opaque@our-domain</c> for a sender that is already an SRS address of another
/// forwarder: a bounce goes back to that forwarder's SRS0 address, which only it can check.</item>
/// </list>
/// </summary>
/// <example>
/// <code>
/// var srs = new SrsRewriter(SrsSecrets.LoadOrCreate(SrsSecrets.PathIn(stateDirectory, options)), options);
/// string mailFrom = srs.Forward(envelope.Sender, forwardingDomain).Address;   // MAIL FROM of the forwarded copy
/// var bounce = srs.Reverse(rcptTo);   // on port 25: Ok -> deliver to bounce.Address; Forged/Expired -> 550 5.1.1
/// </code>
/// </example>
public sealed class SrsRewriter
{
    /// <summary>The longest address written (postsrsd's bound); longer results leave the sender as it is.</summary>
    public const int MaxAddressLength = 512;

    private const char Separator = '=';

    private readonly SrsSecrets secrets;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates a rewriter.</summary>
    /// <param name="secrets">The secrets (the first signs).</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <param name="timeProvider">The clock for the day stamp; null for the system clock.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public SrsRewriter(SrsSecrets secrets, SrsOptions? options = null, TimeProvider? timeProvider = null)
    {
        this.secrets = secrets;
        Options = options ?? new SrsOptions();
        Options.Validate();
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The options in force.</summary>
    public SrsOptions Options { get; }

    /// <summary>True when a local part starts with <c>SRS0</c> or <c>SRS1</c> (any case) and a separator.</summary>
    public static bool IsSrs(string address) => Kind(LocalPart(address)) != 0;

    /// <summary>
    /// The envelope sender to use when forwarding mail from <paramref name="sender"/> through <paramref name="ourDomain"/>.
    /// </summary>
    /// <param name="sender">The original MAIL FROM address (empty for the null sender).</param>
    /// <param name="ourDomain">The domain the SRS address is in: ours, whose SPF record lists our addresses.</param>
    public SrsForwardResult Forward(string sender, string ourDomain)
    {
        var result = MakeForward(sender, ourDomain);
        SrsTelemetry.Count(SrsTelemetry.Forwards, result.Status);
        return result;
    }

    /// <summary>
    /// Checks a recipient that may be one of our SRS addresses (a bounce to forwarded mail) and finds where it goes.
    /// </summary>
    /// <param name="address">The RCPT TO address.</param>
    public SrsReverseResult Reverse(string address)
    {
        var result = MakeReverse(address);
        SrsTelemetry.Count(SrsTelemetry.Reverses, result.Status);
        return result;
    }

    private SrsForwardResult MakeForward(string sender, string ourDomain)
    {
        int at = sender.LastIndexOf('@');
        if (sender.Length == 0)
        {
            // The null sender (a bounce) has nothing to rewrite, and nothing may bounce back to it.
            return new SrsForwardResult(SrsForwardStatus.NotNeeded, sender);
        }

        if (at <= 0 || at == sender.Length - 1)
        {
            return new SrsForwardResult(SrsForwardStatus.NoDomain, sender);
        }

        string local = sender[..at];
        string domain = sender[(at + 1)..];
        if (domain.Equals(ourDomain, StringComparison.OrdinalIgnoreCase))
        {
            // Already ours (a local sender, or an SRS address we made): SPF at the next hop is about us anyway.
            return new SrsForwardResult(SrsForwardStatus.NotNeeded, sender);
        }

        byte[] key = secrets.Keys[0];
        string prefix = Options.Separator.ToString();
        string rewritten;
        switch (Kind(local))
        {
            case 0:
            {
                // SRS0: hash over stamp, domain, local part (libsrs2 srs_forward).
                string stamp = SrsTimestamp.Format(timeProvider.GetUtcNow());
                string hash = SrsHash.Create(key, Options.HashLength, stamp, domain, local);
                rewritten = $"SRS0{prefix}{hash}{Separator}{stamp}{Separator}{domain}{Separator}{local}@{ourDomain}";
                break;
            }

            case 1:
            {
                // Another forwarder's SRS0: keep its domain and its opaque part (with its separator), hash both, SRS1.
                string opaque = local[4..];
                string hash = SrsHash.Create(key, Options.HashLength, domain, opaque);
                rewritten = $"SRS1{prefix}{hash}{Separator}{domain}{Separator}{opaque}@{ourDomain}";
                break;
            }

            default:
            {
                // An SRS1 address: keep the first forwarder's domain and the opaque part, re-hash with our secret.
                if (!TrySplitSrs1(local, out string firstForwarder, out string opaque, out _))
                {
                    goto case 0;
                }

                string hash = SrsHash.Create(key, Options.HashLength, firstForwarder, opaque);
                rewritten = $"SRS1{prefix}{hash}{Separator}{firstForwarder}{Separator}{opaque}@{ourDomain}";
                break;
            }
        }

        return rewritten.Length > MaxAddressLength
            ? new SrsForwardResult(SrsForwardStatus.TooLong, sender)
            : new SrsForwardResult(SrsForwardStatus.Rewritten, rewritten);
    }

    private SrsReverseResult MakeReverse(string address)
    {
        string local = LocalPart(address);
        switch (Kind(local))
        {
            case 0:
                return SrsReverseResult.NotSrs();

            case 1:
            {
                // SRS0<sep>HASH=TT=domain=local; the original local part may itself contain '='.
                string[] parts = local[5..].Split(Separator, 4);
                string? missing = parts.Length switch
                {
                    _ when parts[0].Length == 0 => "no hash",
                    1 => "no timestamp",
                    2 => "no domain",
                    3 => "no local part",
                    _ when parts[2].Length == 0 => "no domain",
                    _ when parts[3].Length == 0 => "no local part",
                    _ => null,
                };
                if (missing is not null)
                {
                    return SrsReverseResult.Forged($"{missing} in the SRS0 address");
                }

                if (!SrsTimestamp.TryParse(parts[1], out int slot))
                {
                    return SrsReverseResult.Forged($"'{parts[1]}' is not an SRS timestamp");
                }

                // The hash first: an expired stamp is only worth reporting on an address we made.
                if (!SrsHash.Check(secrets.Keys, parts[0], Options.HashLength, parts[1], parts[2], parts[3]))
                {
                    return SrsReverseResult.Forged("the hash in the SRS0 address is not ours");
                }

                int age = SrsTimestamp.AgeInDays(slot, timeProvider.GetUtcNow());
                if (age > (int)Options.MaxAge.TotalDays)
                {
                    return SrsReverseResult.Expired($"the SRS0 address is {age} days old, more than {(int)Options.MaxAge.TotalDays}");
                }

                return SrsReverseResult.Ok($"{parts[3]}@{parts[2]}");
            }

            default:
            {
                if (!TrySplitSrs1(local, out string firstForwarder, out string opaque, out string hash))
                {
                    return SrsReverseResult.Forged("the SRS1 address has no hash, domain or opaque part");
                }

                if (!SrsHash.Check(secrets.Keys, hash, Options.HashLength, firstForwarder, opaque))
                {
                    return SrsReverseResult.Forged("the hash in the SRS1 address is not ours");
                }

                // The bounce goes to the first forwarder's SRS0 address, which only it can check.
                return SrsReverseResult.Ok($"SRS0{opaque}@{firstForwarder}");
            }
        }
    }

    /// <summary>SRS1&lt;sep&gt;HASH=domain=opaque, where opaque starts with the first forwarder's separator.</summary>
    private static bool TrySplitSrs1(string local, out string firstForwarder, out string opaque, out string hash)
    {
        firstForwarder = opaque = hash = string.Empty;
        string[] parts = local[5..].Split(Separator, 3);
        if (parts.Length < 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return false;
        }

        (hash, firstForwarder, opaque) = (parts[0], parts[1], parts[2]);
        return true;
    }

    /// <summary>0: not SRS; 1: SRS0; 2: SRS1 (prefix without case, then '=', '+' or '-').</summary>
    private static int Kind(string local)
    {
        if (local.Length < 5 || !local.StartsWith("SRS", StringComparison.OrdinalIgnoreCase) || local[4] is not ('=' or '+' or '-'))
        {
            return 0;
        }

        return local[3] switch
        {
            '0' => 1,
            '1' => 2,
            _ => 0,
        };
    }

    private static string LocalPart(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? address : address[..at];
    }
}
