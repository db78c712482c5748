namespace MailAppliance.Dns;

/// <summary>The record types the appliance looks up (RFC 1035 §3.2.2, RFC 3596, RFC 6698, RFC 8659).</summary>
public enum DnsQueryType
{
    /// <summary>IPv4 address (1).</summary>
    A = 1,

    /// <summary>Canonical name (5).</summary>
    Cname = 5,

    /// <summary>Reverse pointer (12).</summary>
    Ptr = 12,

    /// <summary>Mail exchanger (15).</summary>
    Mx = 15,

    /// <summary>Text strings (16).</summary>
    Txt = 16,

    /// <summary>IPv6 address (28).</summary>
    Aaaa = 28,

    /// <summary>DANE TLSA (52).</summary>
    Tlsa = 52,

    /// <summary>Certification Authority Authorization (257).</summary>
    Caa = 257,
}
