using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>
/// Public keys for one validation: looked up once per selector and domain through <see cref="IDkimKeyLocator"/>,
/// checked as RFC 6376 §6.1.2 asks (ARC uses DKIM keys: RFC 8617 §4.1.2, §4.1.3).
/// </summary>
internal sealed class ArcKeyCache(IDkimKeyLocator locator, int minimumRsaKeySize) : IDisposable
{
    private readonly Dictionary<(string Selector, string Domain), Task<ArcKey>> keys = [];

    public Task<ArcKey> GetAsync(string selector, string domain, CancellationToken cancellationToken)
    {
        var id = (selector.ToLowerInvariant(), domain);
        if (!keys.TryGetValue(id, out var task))
        {
            keys[id] = task = LookupAsync(selector, domain, cancellationToken);
        }

        return task;
    }

    public void Dispose()
    {
        foreach (var task in keys.Values.Where(t => t.IsCompletedSuccessfully))
        {
            task.Result.Key?.Dispose();
        }
    }

    private async Task<ArcKey> LookupAsync(string selector, string domain, CancellationToken cancellationToken)
    {
        string name = DkimNames.KeyName(selector, domain);
        IReadOnlyList<string> records;
        try
        {
            records = await locator.GetTxtRecordsAsync(selector, domain, cancellationToken);
        }
        catch (DkimKeyLookupException e)
        {
            return ArcKey.Failed($"key lookup of {name} failed: {e.Message}", e.IsTemporary);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ArcKey.Failed($"key lookup of {name} failed: {e.Message}", temporary: true);
        }

        if (records.Count == 0)
        {
            return ArcKey.Failed($"no key record at {name}", temporary: false);
        }

        string? problem = null;
        foreach (string txt in records)
        {
            // RFC 6376 §6.1.2 step 4: with several records, the first usable one wins.
            if (!DkimKeyRecord.TryParse(txt, out var record, out string? syntax))
            {
                problem ??= $"the key record at {name} is invalid: {syntax}";
                continue;
            }

            if (record!.IsRevoked)
            {
                problem ??= $"the key at {name} is revoked (empty p=)";
                continue;
            }

            try
            {
                var key = DkimPublicKey.FromRecord(record);
                if (key.KeyType == DkimKeyType.Rsa && key.KeySize < minimumRsaKeySize)
                {
                    // RFC 8301 §3.2: RSA keys under 1024 bits are never valid.
                    problem ??= $"the RSA key at {name} has {key.KeySize} bits, fewer than {minimumRsaKeySize} (RFC 8301 section 3.2)";
                    key.Dispose();
                    continue;
                }

                return new ArcKey(key, record, null, false);
            }
            catch (DkimFormatException e)
            {
                problem ??= $"the key at {name} is unusable: {e.Message}";
            }
        }

        return ArcKey.Failed(problem!, temporary: false);
    }
}

/// <summary>A usable key with its record, or why there is none.</summary>
internal sealed record ArcKey(DkimPublicKey? Key, DkimKeyRecord? Record, string? Problem, bool Temporary)
{
    public static ArcKey Failed(string problem, bool temporary) => new(null, null, problem, temporary);

    /// <summary>Checks a signature over a hash with this key; the problem when it does not verify.</summary>
    public string? Verify(DkimAlgorithm algorithm, byte[] hash, byte[] signature, string what)
    {
        if (Key is null)
        {
            return Problem;
        }

        if (!Record!.Accepts(algorithm, out string? unsuitable))
        {
            return unsuitable;
        }

        return Key.VerifyHash(hash, signature) ? null : $"the {what} signature did not verify";
    }
}
