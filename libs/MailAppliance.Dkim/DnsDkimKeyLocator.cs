using MailAppliance.Dns;

namespace MailAppliance.Dkim;

/// <summary>
/// Key records from DNS through the appliance's one resolver (<see cref="IDnsResolver"/>): the TXT records at
/// <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2). Used by the DKIM verifier and the ARC verifier alike.
/// </summary>
public sealed class DnsDkimKeyLocator : IDkimKeyLocator
{
    private readonly IDnsResolver dns;

    /// <summary>Creates a locator over a resolver.</summary>
    public DnsDkimKeyLocator(IDnsResolver dns)
    {
        this.dns = dns;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetTxtRecordsAsync(string selector, string domain, CancellationToken cancellationToken = default)
    {
        string name = DkimNames.KeyName(selector, domain);
        DnsResult<TxtRecord> result;
        try
        {
            result = await dns.LookupTxtAsync(name, cancellationToken);
        }
        catch (ArgumentException e)
        {
            // Not a DNS name at all: no record can ever be found there (RFC 6376 §6.1.2 step 3, PERMFAIL).
            throw new DkimKeyLookupException($"{name} is not a DNS name", isTemporary: false, e);
        }

        return result.Status switch
        {
            DnsLookupStatus.Found => [.. result.Records.Select(r => r.Text)],
            DnsLookupStatus.TemporaryFailure =>
                // RFC 6376 §6.1.2 step 2: no answer -> TEMPFAIL (key unavailable).
                throw new DkimKeyLookupException($"{name}: {result.Error}", isTemporary: true),
            _ => [],
        };
    }
}
