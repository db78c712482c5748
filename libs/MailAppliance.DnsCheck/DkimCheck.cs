using MailAppliance.Dkim;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>dkim</c>: for every key file under <c>domains/&lt;domain&gt;/dkim/</c>, the TXT record at
/// <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2.1) holds the same public key, of the same type, not revoked.
/// </summary>
internal static class DkimCheck
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(DnsCheckContext context, DomainCheckTarget domain, CancellationToken cancellationToken)
    {
        if (domain.DkimKeys.Count == 0)
        {
            return
            [
                CheckResult.Warning(CheckIds.Dkim, domain.Domain, $"{domain.Domain} has no DKIM key: its mail is not signed",
                    $"Make a key with 'mailctl dkim keygen {domain.Domain}' and publish the TXT record 'mailctl dns records {domain.Domain}' prints."),
            ];
        }

        var results = new List<CheckResult>();
        foreach (var key in domain.DkimKeys)
        {
            results.Add(await CheckAsync(context, domain.Domain, key.Selector, key.Record, cancellationToken));
        }

        return results;
    }

    private static async Task<CheckResult> CheckAsync(
        DnsCheckContext context, string domain, string selector, DkimKeyRecord expected, CancellationToken cancellationToken)
    {
        string name = DkimNames.KeyName(selector, domain);
        string file = $"domains/{domain}/dkim/{selector}.pem";
        string publish = $"Publish the TXT record for {name} that 'mailctl dns records {domain}' prints";
        var lookup = await context.Dns.LookupTxtAsync(name, cancellationToken);
        if (lookup.IsTemporaryFailure)
        {
            return CheckResult.Warning(CheckIds.Dkim, name, $"the TXT lookup of {name} failed ({lookup.Error})",
                $"Make sure the name servers of {domain} answer, then run the check again.");
        }

        if (!lookup.IsFound)
        {
            return CheckResult.Error(CheckIds.Dkim, name, $"no DKIM key record at {name} for the key {file}",
                $"{publish} (or delete {file} if the selector is retired).");
        }

        string? problem = null;
        foreach (var txt in lookup.Records)
        {
            if (!DkimKeyRecord.TryParse(txt.Text, out var published, out string? parseProblem))
            {
                problem ??= $"the record at {name} does not parse: {parseProblem}";
                continue;
            }

            if (published!.IsRevoked)
            {
                problem ??= $"the key at {name} is revoked (empty p=)";
            }
            else if (!string.Equals(published.KeyTypeName, expected.KeyTypeName, StringComparison.OrdinalIgnoreCase) ||
                     !published.PublicKey.AsSpan().SequenceEqual(expected.PublicKey))
            {
                problem ??= $"the key published at {name} (k={published.KeyTypeName}) is not the public half of {file} (k={expected.KeyTypeName})";
            }
            else
            {
                return CheckResult.Ok(CheckIds.Dkim, name, $"{name} publishes the {expected.KeyTypeName} key of {file}" +
                                                           (published.IsTesting ? " (t=y: receivers treat failures as testing)" : string.Empty));
            }
        }

        return CheckResult.Error(CheckIds.Dkim, name, problem!, $"{publish}, replacing the record there.");
    }
}
