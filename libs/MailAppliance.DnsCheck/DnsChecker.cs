using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary>
/// Runs every check (<see cref="CheckIds"/>) against the live DNS: the host's addresses and PTRs, then per domain MX,
/// SPF, DKIM, DMARC, MTA-STS, TLS-RPT and CAA, then the DNSBLs and the relay's certificate. Each result says ok,
/// warning or error, and what to change where. DnsVerifier runs it periodically; <c>mailctl dns check</c> once.
/// </summary>
/// <param name="dns">The resolver (the shared one, <c>Dns:Servers</c>).</param>
/// <param name="options">The settings (<c>DnsVerifier</c> section).</param>
/// <param name="spf">Evaluates SPF for the public addresses; null leaves <c>spf.ipv4</c>/<c>spf.ipv6</c> not checked.</param>
/// <param name="mtaStsPolicies">Fetches MTA-STS policies; null leaves <c>mta-sts.policy</c> not checked.</param>
/// <param name="relayCertificate">Says which certificate the relay serves; null leaves <c>tls.certificate</c> not checked.</param>
/// <param name="time">The clock (certificate expiry, report times).</param>
public sealed class DnsChecker(
    IDnsResolver dns, DnsCheckOptions options, ISpfPassEvaluator? spf = null, IMtaStsPolicySource? mtaStsPolicies = null,
    IRelayCertificateSource? relayCertificate = null, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Runs all checks for <paramref name="target"/>.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<DnsCheckReport> RunAsync(DnsCheckTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var started = _time.GetUtcNow();
        long start = _time.GetTimestamp();
        var context = new DnsCheckContext(dns, target, options);

        // Independent groups run concurrently; each keeps its own order, and the report lists them in check-id order.
        var groups = new List<Task<IReadOnlyList<CheckResult>>>
        {
            HostAddressCheck.RunAsync(context, cancellationToken),
            PtrCheck.RunAsync(context, cancellationToken),
        };
        groups.AddRange(target.Domains.Select(domain => DomainAsync(context, domain, cancellationToken)));
        groups.Add(One(CaaCheck.RunAsync(context, target.HostName, cancellationToken)));
        groups.Add(DnsblCheck.RunAsync(context, cancellationToken));
        groups.Add(One(CertificateCheck.RunAsync(context, relayCertificate, _time, cancellationToken)));
        var results = (await Task.WhenAll(groups)).SelectMany(r => r).ToList();

        var order = CheckIds.All.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        var sorted = results.Select((r, index) => (r, index)).OrderBy(p => order[p.r.Id]).ThenBy(p => p.index).Select(p => p.r).ToArray();
        return new DnsCheckReport(target.HostName, target.Domains.Select(d => d.Domain).ToArray(), started, _time.GetElapsedTime(start), sorted);
    }

    private async Task<IReadOnlyList<CheckResult>> DomainAsync(DnsCheckContext context, DomainCheckTarget domain, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult> { await MxCheck.RunAsync(context, domain.Domain, cancellationToken) };
        results.AddRange(await SpfCheck.RunAsync(context, spf, domain.Domain, cancellationToken));
        results.AddRange(await DkimCheck.RunAsync(context, domain, cancellationToken));
        results.Add(await DmarcCheck.RunAsync(context, domain.Domain, cancellationToken));
        results.AddRange(await MtaStsCheck.RunAsync(context, mtaStsPolicies, domain.Domain, cancellationToken));
        results.Add(await TlsRptCheck.RunAsync(context, domain.Domain, cancellationToken));
        if (!DnsNames.AreEqual(domain.Domain, context.HostName))
        {
            results.Add(await CaaCheck.RunAsync(context, domain.Domain, cancellationToken));
        }

        return results;
    }

    private static async Task<IReadOnlyList<CheckResult>> One(Task<CheckResult> check) => [await check];
}
