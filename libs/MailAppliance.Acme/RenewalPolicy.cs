namespace MailAppliance.Acme;

/// <summary>
/// When to renew a certificate: inside the CA's ACME Renewal Information window when it offers one (RFC 9773
/// §4.2), otherwise when <see cref="RenewBefore"/> of the lifetime remains (a third, as Let's Encrypt advises).
/// </summary>
/// <param name="RenewBefore">Share of the lifetime left when renewal starts without ARI (0 &lt; x &lt; 1).</param>
public sealed record RenewalPolicy(double RenewBefore)
{
    /// <summary>The default: renew when a third of the lifetime remains.</summary>
    public static RenewalPolicy Default { get; } = new(1.0 / 3);

    /// <summary>The renewal time of a certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    /// <param name="notBefore">Start of validity.</param>
    /// <param name="notAfter">End of validity.</param>
    /// <param name="renewalInfo">The CA's window, when it has one; it wins over the fraction.</param>
    /// <param name="random">Picks the instant inside the ARI window.</param>
    public DateTimeOffset RenewalTime(DateTimeOffset notBefore, DateTimeOffset notAfter, AcmeRenewalInfo? renewalInfo = null, Random? random = null)
    {
        if (renewalInfo is not null)
        {
            return renewalInfo.PickRenewalTime(random ?? Random.Shared);
        }

        double fraction = RenewBefore is > 0 and < 1 ? RenewBefore : 1.0 / 3;
        var lifetime = notAfter - notBefore;
        return notAfter - TimeSpan.FromTicks((long)(lifetime.Ticks * fraction));
    }
}
