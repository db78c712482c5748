using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailAppliance.Dns;

namespace MailAppliance.Spf;

/// <summary>
/// Evaluates SPF: RFC 7208's <c>check_host()</c> over the shared <see cref="IDnsResolver"/>, with every mechanism and
/// modifier, macros (§7), the limits of §4.6.4 (10 DNS-querying terms, 2 void lookups, 10 MX or PTR names) and
/// explanations (§6.2). Never throws for DNS problems or bad records: they are temperror and permerror results.
/// Thread-safe; one instance can serve every session.
/// </summary>
public sealed class SpfEvaluator
{
    private readonly IDnsResolver dns;

    /// <summary>An evaluator over this resolver.</summary>
    /// <param name="dns">The resolver (the appliance's shared one; a fake in tests).</param>
    /// <param name="options">Limits and texts; null for the RFC defaults.</param>
    public SpfEvaluator(IDnsResolver dns, SpfEvaluatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        this.dns = dns;
        Options = options ?? new SpfEvaluatorOptions();
    }

    /// <summary>The settings in force.</summary>
    public SpfEvaluatorOptions Options { get; }

    /// <summary>
    /// RFC 7208 §4 <c>check_host(ip, domain, sender)</c>.
    /// </summary>
    /// <param name="client">The SMTP client's address (an IPv4-mapped IPv6 address is treated as IPv4).</param>
    /// <param name="domain">The domain to check: the MAIL FROM domain, or the HELO name (§2.3, §2.4).</param>
    /// <param name="sender">The MAIL FROM address, or <c>postmaster@helo</c> for a HELO check; a missing local part
    /// becomes <c>postmaster</c> (§4.3).</param>
    /// <param name="helo">The HELO/EHLO name (for the <c>%{h}</c> macro).</param>
    /// <param name="cancellationToken">Cancels the DNS lookups.</param>
    /// <returns>The result with what decided it; <see cref="SpfResult.None"/> when the domain is not a usable FQDN.</returns>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<SpfCheck> CheckHostAsync(IPAddress client, string domain, string sender, string helo,
                                               CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(domain);
        using var activity = SpfTelemetry.Source.StartActivity("spf.check");
        activity?.SetTag("spf.domain", domain);
        var evaluation = new SpfEvaluation(dns, Options, client, sender ?? string.Empty, domain, helo ?? string.Empty);
        SpfCheck check = await evaluation.RunAsync(domain, cancellationToken);
        activity?.SetTag("spf.result", check.Result.Keyword());
        if (check.Mechanism is not null)
        {
            activity?.SetTag("spf.mechanism", check.Mechanism);
        }

        if (check.Problem is not null && check.Result is SpfResult.TempError or SpfResult.PermError)
        {
            activity?.SetStatus(ActivityStatusCode.Error, check.Problem);
        }

        SpfTelemetry.Checks.Add(1, new KeyValuePair<string, object?>("result", check.Result.Keyword()));
        return check;
    }

    /// <summary>
    /// The MAIL FROM check (RFC 7208 §2.4): the domain of <paramref name="mailFrom"/>; for the null reverse-path
    /// (empty) the HELO check instead, as §2.4 says. A domain literal or a malformed domain gives none.
    /// </summary>
    /// <param name="client">The SMTP client's address.</param>
    /// <param name="mailFrom">The reverse-path without angle brackets; empty for <c>&lt;&gt;</c>.</param>
    /// <param name="helo">The HELO/EHLO name.</param>
    /// <param name="cancellationToken">Cancels the DNS lookups.</param>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public Task<SpfCheck> CheckMailFromAsync(IPAddress client, string mailFrom, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        if (mailFrom.Length == 0)
        {
            return CheckHeloAsync(client, helo, cancellationToken);
        }

        int at = mailFrom.LastIndexOf('@');
        string domain = at < 0 ? mailFrom : mailFrom[(at + 1)..];
        // §4.3: no local part -> "postmaster".
        string sender = at <= 0 ? "postmaster@" + domain : mailFrom;
        return CheckHostAsync(client, domain, sender, helo, cancellationToken);
    }

    /// <summary>
    /// The HELO check (RFC 7208 §2.3): the HELO name as domain and <c>postmaster@helo</c> as sender. A domain literal
    /// such as <c>[192.0.2.1]</c> or a name that is not a FQDN gives none.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public Task<SpfCheck> CheckHeloAsync(IPAddress client, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(helo);
        return CheckHostAsync(client, helo, "postmaster@" + helo, helo, cancellationToken);
    }
}
