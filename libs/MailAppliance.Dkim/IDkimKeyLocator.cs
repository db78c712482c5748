namespace MailAppliance.Dkim;

/// <summary>
/// Where the verifier gets key records: DNS TXT at <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2). The DNS
/// resolver plugs in here; tests use <see cref="StaticDkimKeyLocator"/>.
/// </summary>
public interface IDkimKeyLocator
{
    /// <summary>
    /// The TXT records at <c>selector._domainkey.domain</c>, each with its character-strings already joined
    /// (RFC 6376 §3.6.2.2). An empty list means the name has no TXT record (NXDOMAIN or no data).
    /// </summary>
    /// <exception cref="DkimKeyLookupException">The lookup failed: <see cref="DkimKeyLookupException.IsTemporary"/>
    /// tells a timeout or SERVFAIL (TEMPFAIL, RFC 6376 §6.1.2 step 2) from a permanent failure.</exception>
    Task<IReadOnlyList<string>> GetTxtRecordsAsync(string selector, string domain, CancellationToken cancellationToken = default);
}

/// <summary>A key lookup failed (the DNS did not answer, or answered with an error).</summary>
public sealed class DkimKeyLookupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DkimKeyLookupException(string message, bool isTemporary, Exception? inner = null)
        : base(message, inner)
    {
        IsTemporary = isTemporary;
    }

    /// <summary>True when trying again later may succeed (timeout, SERVFAIL): the result is temperror.</summary>
    public bool IsTemporary { get; }
}

/// <summary>Key records from memory: for tests, and for checking a record before it is published.</summary>
public sealed class StaticDkimKeyLocator : IDkimKeyLocator
{
    private readonly Dictionary<string, List<string>> records = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DkimKeyLookupException> failures = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds a TXT record for <c>selector._domainkey.domain</c> (several may be added).</summary>
    public StaticDkimKeyLocator Add(string selector, string domain, string txt) => AddName(DkimNames.KeyName(selector, domain), txt);

    /// <summary>Adds a TXT record by full DNS name (a final dot is ignored).</summary>
    public StaticDkimKeyLocator AddName(string name, string txt)
    {
        string key = name.TrimEnd('.');
        if (!records.TryGetValue(key, out var list))
        {
            records[key] = list = [];
        }

        list.Add(txt);
        return this;
    }

    /// <summary>Makes lookups of a name fail, temporarily or permanently.</summary>
    public StaticDkimKeyLocator Fail(string name, bool temporary)
    {
        failures[name.TrimEnd('.')] = new DkimKeyLookupException(
            temporary ? $"temporary DNS failure for {name}" : $"permanent DNS failure for {name}", temporary);
        return this;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetTxtRecordsAsync(string selector, string domain, CancellationToken cancellationToken = default)
    {
        string name = DkimNames.KeyName(selector, domain);
        if (failures.TryGetValue(name, out var failure))
        {
            return Task.FromException<IReadOnlyList<string>>(failure);
        }

        return Task.FromResult<IReadOnlyList<string>>(records.TryGetValue(name, out var list) ? [.. list] : []);
    }
}
