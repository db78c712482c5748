using System.Text;
using MailAppliance.Dkim;
using MimeKit;

namespace MailAppliance.Smtp.Signing;

/// <summary>
/// DKIM-signs authenticated submissions (RFC 6376 §5) whose From domain has keys: one DKIM-Signature per key, so
/// RSA and Ed25519 (RFC 8463) sign side by side. It signs exactly the bytes that will be delivered: the header
/// fields this hop prepends, then the content as received, never a re-serialized message.
/// </summary>
public sealed class SubmissionSigner
{
    private readonly DkimKeyring _keyring;
    private readonly DkimSignerOptions _options;
    private readonly TimeProvider _clock;

    public SubmissionSigner(DkimKeyring keyring, DkimSignerOptions? options = null, TimeProvider? clock = null)
    {
        _keyring = keyring;
        _options = options ?? new DkimSignerOptions();
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// Returns the DKIM-Signature fields to prepend, or null when the message is not ours to sign (no single From,
    /// or a From domain without keys).
    /// </summary>
    /// <param name="prependedFields">Header fields this hop adds in front of the content (Message-ID, Date...).</param>
    /// <param name="content">The message as received.</param>
    /// <exception cref="DkimFormatException">The header section cannot be parsed.</exception>
    public async Task<SignedFields?> SignAsync(ReadOnlyMemory<byte> prependedFields, Stream content, CancellationToken cancellationToken = default)
    {
        var start = await DkimMessageReader.ReadHeaderSectionAsync(content, cancellationToken: cancellationToken);
        byte[] headers = new byte[prependedFields.Length + start.HeaderSection.Length];
        prependedFields.CopyTo(headers);
        start.HeaderSection.CopyTo(headers.AsMemory(prependedFields.Length));

        string? domain = FromDomain(DkimHeaderSection.Parse(headers));
        if (domain is null)
        {
            return null;
        }

        var keys = _keyring.For(domain);
        if (keys.Count == 0)
        {
            return null;
        }

        var signer = new DkimSigner(keys, _options, _clock);
        byte[] fields = await signer.SignAsync(headers, new PrefixedStream(start.BodyStart, content), cancellationToken);
        return new SignedFields(domain, keys.Select(k => k.Selector).ToArray(), fields);
    }

    /// <summary>The domain of the single From address, or null (none, several fields, or several addresses).</summary>
    private static string? FromDomain(IReadOnlyList<DkimHeaderField> fields)
    {
        var from = fields.Where(f => f.Is("From")).ToList();
        if (from.Count != 1)
        {
            return null;
        }

        string value = Encoding.UTF8.GetString(from[0].RawValue.Span);
        return InternetAddressList.TryParse(value, out var list) && list.Mailboxes.Count() == 1
            ? list.Mailboxes.Single().Domain.ToLowerInvariant()
            : null;
    }
}

/// <summary>What <see cref="SubmissionSigner"/> produced.</summary>
/// <param name="Domain">The d= domain.</param>
/// <param name="Selectors">The selectors that signed.</param>
/// <param name="Fields">The DKIM-Signature fields, CRLF-terminated, ready to prepend.</param>
public sealed record SignedFields(string Domain, IReadOnlyList<string> Selectors, byte[] Fields);
