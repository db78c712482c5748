using System.Net;

namespace MailAppliance.Spf;

/// <summary>The mechanisms of RFC 7208 §5.</summary>
public enum SpfMechanismKind
{
    /// <summary><c>all</c> (§5.1): always matches.</summary>
    All,

    /// <summary><c>include:domain</c> (§5.2): matches when the other domain's check passes.</summary>
    Include,

    /// <summary><c>a[:domain][/cidr]</c> (§5.3): the client is one of the domain's addresses.</summary>
    A,

    /// <summary><c>mx[:domain][/cidr]</c> (§5.4): the client is one of the domain's MX hosts.</summary>
    Mx,

    /// <summary><c>ptr[:domain]</c> (§5.5, discouraged): the client's validated host name is in the domain.</summary>
    Ptr,

    /// <summary><c>ip4:network[/cidr]</c> (§5.6).</summary>
    Ip4,

    /// <summary><c>ip6:network[/cidr]</c> (§5.6).</summary>
    Ip6,

    /// <summary><c>exists:domain</c> (§5.7): the name has an A record.</summary>
    Exists,
}

/// <summary>One directive of a record: a qualifier and a mechanism with its arguments (RFC 7208 §4.6.1).</summary>
/// <param name="Qualifier">The result when it matches: <c>+</c> pass (the default), <c>-</c> fail, <c>~</c> softfail, <c>?</c> neutral.</param>
/// <param name="Kind">The mechanism.</param>
/// <param name="DomainSpec">The domain-spec as written (macros unexpanded), or null for "the current domain".</param>
/// <param name="Network">For ip4/ip6: the network address.</param>
/// <param name="Ip4Prefix">The IPv4 prefix length (32 when not given).</param>
/// <param name="Ip6Prefix">The IPv6 prefix length (128 when not given).</param>
/// <param name="Text">The term as written in the record.</param>
public sealed record SpfDirective(SpfResult Qualifier, SpfMechanismKind Kind, string? DomainSpec, IPAddress? Network,
                                  int Ip4Prefix, int Ip6Prefix, string Text)
{
    /// <summary>True for the mechanisms that query DNS and count against the limit of RFC 7208 §4.6.4.</summary>
    public bool QueriesDns => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx
        or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>A parsed SPF record (RFC 7208 §4.6): directives in order, and the two modifiers the RFC defines.</summary>
/// <param name="Directives">The directives, evaluated left to right.</param>
/// <param name="Redirect">The <c>redirect=</c> domain-spec, or null.</param>
/// <param name="Explanation">The <c>exp=</c> domain-spec, or null.</param>
public sealed record SpfPolicy(IReadOnlyList<SpfDirective> Directives, string? Redirect, string? Explanation)
{
    /// <summary>True when an <c>all</c> mechanism is present: then <c>redirect=</c> is ignored (§6.1).</summary>
    public bool HasAll => Directives.Any(d => d.Kind == SpfMechanismKind.All);
}
