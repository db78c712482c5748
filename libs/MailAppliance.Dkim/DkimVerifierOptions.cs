namespace MailAppliance.Dkim;

/// <summary>Limits and policy of <see cref="DkimVerifier"/>.</summary>
public sealed class DkimVerifierOptions
{
    /// <summary>
    /// How many DKIM-Signature fields are checked, top down (default 5). RFC 6376 §6.1: "A Verifier MAY limit the
    /// number of signatures it tries"; each costs a DNS query and a hash (§8.4). Fields beyond it get no result.
    /// </summary>
    public int MaxSignatures { get; init; } = 5;

    /// <summary>The smallest RSA key accepted (default 1024; RFC 8301 §3.2).</summary>
    public int MinimumRsaKeySize { get; init; } = 1024;

    /// <summary>How far past <c>x=</c> a signature is still accepted, for clock drift (RFC 6376 §3.5 x=; default 5 minutes).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest header section read from a message stream (default 1 MiB).</summary>
    public int MaxHeaderLength { get; init; } = DkimMessageReader.DefaultMaxHeaderLength;
}
