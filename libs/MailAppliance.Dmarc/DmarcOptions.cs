namespace MailAppliance.Dmarc;

/// <summary>Settings of the <c>Dmarc</c> section.</summary>
public sealed class DmarcOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Dmarc";

    /// <summary>
    /// The Public Suffix List file used to find organizational domains (RFC 7489 §3.2). Default: Debian's
    /// <c>/usr/share/publicsuffix/public_suffix_list.dat</c> (package <c>publicsuffix</c>).
    /// </summary>
    public string PublicSuffixListPath { get; set; } = PublicSuffixList.DebianPath;
}
