namespace MailAppliance.Accounts;

/// <summary>What a recipient address is to this appliance (<see cref="DomainDirectory.Classify"/>).</summary>
public enum RecipientKind
{
    /// <summary>The domain is not one of ours: relaying there needs an authenticated session.</summary>
    NotLocal,

    /// <summary>A local domain, but no user, alias or catch-all takes the address.</summary>
    Unknown,

    /// <summary>A user of the local domain.</summary>
    User,

    /// <summary>An alias of the local domain.</summary>
    Alias,

    /// <summary>No user or alias, but the local domain has a catch-all alias (<c>*</c>).</summary>
    CatchAll,
}
