using System.Text;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Spf;

namespace MailAppliance.AuthResults;

/// <summary>
/// Builds the Authentication-Results header field (RFC 8601) this host adds to a received message: spf (RFC 7208
/// §9.2), dkim (RFC 6376 §7.2, RFC 6008 header.b), dmarc (RFC 7489 §11.2) and arc (RFC 8617 §10.1).
/// </summary>
/// <example>
/// <code>
/// string field = new AuthenticationResultsBuilder("mx.example.net")
///     .AddSpf(spfCheck, mailFrom: "bounce@example.com", helo: "mail.example.com")
///     .AddDkim(dkimResults)
///     .AddDmarc(dmarcCheck)
///     .AddArc(arcResult)
///     .ToField();   // "Authentication-Results: mx.example.net;\r\n\tspf=pass ...\r\n"
/// </code>
/// </example>
public sealed class AuthenticationResultsBuilder
{
    /// <summary>The header field name.</summary>
    public const string FieldName = "Authentication-Results";

    /// <summary>How many characters of <c>b=</c> go into <c>header.b</c> (RFC 6008 §4: enough to tell signatures apart).</summary>
    public const int SignaturePrefixLength = 8;

    private readonly List<AuthenticationResult> results = [];

    /// <summary>A builder for this authserv-id.</summary>
    /// <param name="authservId">The authentication service identifier: this host's name (RFC 8601 §2.5).</param>
    /// <exception cref="ArgumentException">The id is empty or not a token/domain.</exception>
    public AuthenticationResultsBuilder(string authservId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authservId);
        if (!AuthenticationResultsSyntax.IsValue(authservId))
        {
            throw new ArgumentException($"\"{authservId}\" is not a valid authserv-id (RFC 8601 §2.5)", nameof(authservId));
        }

        AuthservId = authservId;
    }

    /// <summary>The authserv-id.</summary>
    public string AuthservId { get; }

    /// <summary>The results added so far, in order.</summary>
    public IReadOnlyList<AuthenticationResult> Results => results;

    /// <summary>Adds any result.</summary>
    public AuthenticationResultsBuilder Add(AuthenticationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        results.Add(result);
        return this;
    }

    /// <summary>
    /// Adds the SPF result (RFC 7208 §9.2, RFC 8601 §2.7.2): <c>smtp.mailfrom</c> with the MAIL FROM address (the
    /// HELO check for a null reverse-path is reported as <c>smtp.helo</c>).
    /// </summary>
    /// <param name="check">The SPF check.</param>
    /// <param name="mailFrom">The MAIL FROM address; empty or null for the null reverse-path.</param>
    /// <param name="helo">The HELO/EHLO name, or null.</param>
    public AuthenticationResultsBuilder AddSpf(SpfCheck check, string? mailFrom, string? helo = null)
    {
        ArgumentNullException.ThrowIfNull(check);
        var properties = new List<AuthenticationProperty>();
        if (!string.IsNullOrEmpty(mailFrom))
        {
            properties.Add(new("smtp", "mailfrom", mailFrom));
        }

        if (!string.IsNullOrEmpty(helo))
        {
            properties.Add(new("smtp", "helo", helo));
        }

        return Add(new AuthenticationResult("spf", check.Result.Keyword(), properties)
        {
            Comment = SpfComment(check),
        });
    }

    /// <summary>Adds one result per DKIM signature (RFC 6376 §7.2), or <c>dkim=none</c> when there is none.</summary>
    public AuthenticationResultsBuilder AddDkim(IEnumerable<DkimSignatureResult> signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        bool any = false;
        foreach (var signature in signatures)
        {
            any = true;
            AddDkim(signature);
        }

        return any ? this : Add(new AuthenticationResult("dkim", "none", []));
    }

    /// <summary>
    /// Adds one DKIM signature's result: <c>header.d</c>, <c>header.s</c>, <c>header.i</c> and <c>header.b</c> (the
    /// first eight characters of the signature, RFC 6008).
    /// </summary>
    public AuthenticationResultsBuilder AddDkim(DkimSignatureResult signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var properties = new List<AuthenticationProperty>();
        if (signature.Signature is { } parsed)
        {
            properties.Add(new("header", "d", parsed.Domain));
            if (!string.IsNullOrEmpty(parsed.Selector))
            {
                properties.Add(new("header", "s", parsed.Selector));
            }

            string b = Base64Prefix(parsed.SignatureText);
            if (b.Length > 0)
            {
                properties.Add(new("header", "b", b));
            }
        }

        return Add(new AuthenticationResult("dkim", signature.Result.Keyword(), properties)
        {
            Comment = signature.Reason is null ? (signature.Testing ? "test mode" : null) : signature.Reason,
        });
    }

    /// <summary>
    /// Adds the DMARC result (RFC 7489 §11.2, which registers only <c>header.from</c>) with the policy in a comment
    /// (<c>p=reject sp=none dis=quarantine</c>, the form large receivers use).
    /// </summary>
    public AuthenticationResultsBuilder AddDmarc(DmarcCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        string? comment = null;
        var properties = new List<AuthenticationProperty> { new("header", "from", check.FromDomain) };
        if (check.Record is { } record)
        {
            comment = $"p={DnsRecords.DmarcRecord.Name(record.Policy)}"
                + (record.SubdomainPolicy is { } sp ? $" sp={DnsRecords.DmarcRecord.Name(sp)}" : string.Empty)
                + $" dis={check.Disposition.Keyword()}"
                + (check.SampledOut ? $" pct={record.Percent}" : string.Empty);
        }

        return Add(new AuthenticationResult("dmarc", check.Result.Keyword(), properties) { Comment = comment });
    }

    /// <summary>
    /// Adds the ARC result (RFC 8617 §10.1): <c>arc=pass/fail/none</c>, with <c>header.oldest-pass</c> when known
    /// and the chain length in a comment.
    /// </summary>
    public AuthenticationResultsBuilder AddArc(ArcValidationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var properties = new List<AuthenticationProperty>();
        if (result.Status == ArcChainStatus.Pass && result.OldestPass is int oldest)
        {
            properties.Add(new("header", "oldest-pass", oldest.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        string? comment = result.Instance > 0 ? $"i={result.Instance}" : null;
        if (result.Reason is not null)
        {
            comment = comment is null ? result.Reason : $"{comment}: {result.Reason}";
        }

        return Add(new AuthenticationResult("arc", result.Status.Keyword(), properties) { Comment = comment });
    }

    /// <summary>
    /// The field value (after <c>Authentication-Results:</c>): the authserv-id, then each result on its own folded
    /// line; <c>none</c> when nothing was added (RFC 8601 §2.2 no-result). Lines end with CRLF + TAB folds, no final CRLF.
    /// </summary>
    public string ToValue()
    {
        var text = new StringBuilder(" ").Append(AuthservId);
        if (results.Count == 0)
        {
            return text.Append("; none").ToString();
        }

        foreach (var result in results)
        {
            text.Append(";\r\n\t").Append(result.Method).Append('=').Append(result.Result);
            if (result.Comment is not null)
            {
                text.Append(" (").Append(AuthenticationResultsSyntax.CommentText(result.Comment)).Append(')');
            }

            if (result.Reason is not null)
            {
                text.Append(" reason=").Append(AuthenticationResultsSyntax.Quote(result.Reason));
            }

            foreach (var property in result.Properties)
            {
                text.Append(' ').Append(property.Type).Append('.').Append(property.Name).Append('=')
                    .Append(AuthenticationResultsSyntax.PropertyValue(property.Value));
            }
        }

        return text.ToString();
    }

    /// <summary>The whole field, name to final CRLF, ready to prepend to the message.</summary>
    public string ToField() => FieldName + ":" + ToValue() + "\r\n";

    /// <inheritdoc />
    public override string ToString() => ToField();

    private static string? SpfComment(SpfCheck check) => check.Result switch
    {
        SpfResult.TempError or SpfResult.PermError => check.Problem,
        _ when check.Mechanism is not null => $"{check.Domain}: {check.Mechanism}",
        _ => null,
    };

    private static string Base64Prefix(string b)
    {
        var prefix = new StringBuilder(SignaturePrefixLength);
        foreach (char c in b)
        {
            if (prefix.Length == SignaturePrefixLength)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')
            {
                prefix.Append(c);
            }
        }

        return prefix.ToString();
    }
}
