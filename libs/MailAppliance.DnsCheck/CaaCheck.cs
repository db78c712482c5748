using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>caa</c>: the CAA records relevant to a name (the first non-empty set found climbing from it towards the root,
/// RFC 8659 §3) permit the configured certificate authority (<c>DnsVerifier:CaaIssuer</c>), so CertManager can get
/// and renew the certificate.
/// </summary>
internal static class CaaCheck
{
    public static async Task<CheckResult> RunAsync(DnsCheckContext context, string name, CancellationToken cancellationToken)
    {
        string issuer = context.Options.CaaIssuer.Trim().TrimEnd('.').ToLowerInvariant();
        string current = name;
        while (true)
        {
            var lookup = await context.Dns.LookupCaaAsync(current, cancellationToken);
            if (lookup.IsTemporaryFailure)
            {
                // RFC 8659 §3: a CA treats a lookup failure as "do not issue"; renewals fail while it lasts. Like every
                // other lookup failure it is a warning: it may be gone on the next run.
                return CheckResult.Warning(CheckIds.Caa, name, $"the CAA lookup of {current} failed ({lookup.Error}): CAs refuse to issue then",
                    $"Make sure the name servers of {current} answer CAA queries (with NOERROR and no records if you publish none).");
            }

            if (lookup.IsFound)
            {
                return Evaluate(name, current, issuer, lookup.Records);
            }

            int dot = current.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return CheckResult.Ok(CheckIds.Caa, name, $"no CAA record at {name} or above: any certificate authority may issue");
            }

            current = current[(dot + 1)..];
        }
    }

    private static CheckResult Evaluate(string name, string owner, string issuer, IReadOnlyList<CaaRecord> records)
    {
        string found = string.Join(", ", records.Select(r => r.ToString()));
        string add = $"Add '{owner}. CAA 0 issue \"{issuer}\"' in the zone of {owner}";
        // RFC 8659 §4.1: a CA must not issue when a critical property is unknown to it.
        var unknownCritical = records.Where(r => r.IsCritical && r.Tag.ToLowerInvariant() is not ("issue" or "issuewild" or "iodef")).ToArray();
        if (unknownCritical.Length > 0)
        {
            return CheckResult.Error(CheckIds.Caa, name, $"CAA at {owner} has the critical property {unknownCritical[0].Tag}, which CAs do not know, so they refuse to issue",
                $"Remove the flag 128 or the record '{unknownCritical[0]}' at {owner}.");
        }

        var issue = records.Where(r => r.Tag.Equals("issue", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (issue.Length == 0)
        {
            return CheckResult.Ok(CheckIds.Caa, name, $"CAA at {owner} ({found}) has no issue property: any certificate authority may issue");
        }

        // RFC 8659 §4.2: issuer-domain-name [";" parameters]; an empty value forbids issuance.
        bool permitted = issue.Any(r => r.Value.Split(';')[0].Trim().TrimEnd('.').Equals(issuer, StringComparison.OrdinalIgnoreCase));
        return permitted
            ? CheckResult.Ok(CheckIds.Caa, name, $"CAA at {owner} permits {issuer}")
            : CheckResult.Error(CheckIds.Caa, name, $"CAA at {owner} ({found}) does not permit {issuer}, which CertManager uses",
                $"{add}, next to the issuers already there.");
    }
}
