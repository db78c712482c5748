namespace MailAppliance.Acme;

/// <summary>
/// Answers one kind of ACME challenge (RFC 8555 §8): HTTP-01 serves a file, DNS-01 publishes a TXT record, and a
/// provider plugin (a DNS hosting API, say) is one more implementation. The issuer calls
/// <see cref="PrepareAsync"/> before telling the CA to validate and <see cref="CleanupAsync"/> afterwards,
/// whatever the outcome.
/// </summary>
public interface IChallengeResponder
{
    /// <summary>The challenge type answered, e.g. <c>http-01</c>.</summary>
    string ChallengeType { get; }

    /// <summary>
    /// Makes the proof visible to the CA. Returns once the CA can see it (a DNS responder waits for the update
    /// to be served).
    /// </summary>
    /// <param name="authorization">The authorization (its identifier; <c>Wildcard</c> for <c>*.</c> names).</param>
    /// <param name="challenge">The challenge (token).</param>
    /// <param name="keyAuthorization">token "." thumbprint (RFC 8555 §8.1).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    Task PrepareAsync(AcmeAuthorization authorization, AcmeChallenge challenge, string keyAuthorization, CancellationToken cancellationToken);

    /// <summary>Removes what <see cref="PrepareAsync"/> published.</summary>
    Task CleanupAsync(AcmeAuthorization authorization, AcmeChallenge challenge, string keyAuthorization, CancellationToken cancellationToken);
}
