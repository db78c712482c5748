using System.Collections.Concurrent;

namespace MailAppliance.Acme;

/// <summary>
/// HTTP-01 (RFC 8555 §8.3): the key authorization served at
/// <c>http://&lt;name&gt;/.well-known/acme-challenge/&lt;token&gt;</c>. Holds the tokens; an
/// <see cref="Http01ChallengeServer"/> (or any web server given <see cref="TryGetKeyAuthorization"/>) serves them.
/// </summary>
public sealed class Http01ChallengeResponder : IChallengeResponder
{
    /// <summary>The path prefix of challenge responses (RFC 8555 §8.3).</summary>
    public const string PathPrefix = "/.well-known/acme-challenge/";

    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string ChallengeType => AcmeChallenge.Http01;

    /// <summary>The key authorization for <paramref name="token"/>, while its challenge is open.</summary>
    public bool TryGetKeyAuthorization(string token, out string keyAuthorization) =>
        _tokens.TryGetValue(token, out keyAuthorization!);

    /// <inheritdoc />
    public Task PrepareAsync(AcmeAuthorization authorization, AcmeChallenge challenge, string keyAuthorization, CancellationToken cancellationToken)
    {
        _tokens[challenge.Token] = keyAuthorization;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CleanupAsync(AcmeAuthorization authorization, AcmeChallenge challenge, string keyAuthorization, CancellationToken cancellationToken)
    {
        _tokens.TryRemove(challenge.Token, out _);
        return Task.CompletedTask;
    }
}
