namespace MailAppliance.Acme;

/// <summary>
/// The ACME server answered with a problem document (RFC 8555 §6.7), or an object (challenge, authorization,
/// order) ended in the <c>invalid</c> state with one. Carries what a caller needs to decide: the problem type,
/// the HTTP status, and how long the server asked us to wait.
/// </summary>
public sealed class AcmeProblemException : Exception
{
    /// <summary>Creates the exception for <paramref name="problem"/>.</summary>
    /// <param name="problem">The problem document.</param>
    /// <param name="httpStatus">HTTP status of the response, 0 for an object's <c>error</c>.</param>
    /// <param name="retryAfter">The server's Retry-After.</param>
    /// <param name="requestUri">The request that failed.</param>
    /// <param name="context">What failed, in words (<c>http-01 challenge for mail.example.com</c>), put first in the message.</param>
    public AcmeProblemException(AcmeProblem problem, int httpStatus, TimeSpan? retryAfter = null, Uri? requestUri = null, string? context = null)
        : base((context is null ? string.Empty : context + ": ") + Describe(problem, httpStatus, requestUri))
    {
        Problem = problem;
        HttpStatus = httpStatus;
        RetryAfter = retryAfter;
        RequestUri = requestUri;
    }

    /// <summary>The problem document.</summary>
    public AcmeProblem Problem { get; }

    /// <summary>The full problem type URN.</summary>
    public string Type => Problem.Type;

    /// <summary>The server's explanation.</summary>
    public string? Detail => Problem.Detail;

    /// <summary>The HTTP status of the response (0 when the problem came from an object's <c>error</c> field).</summary>
    public int HttpStatus { get; }

    /// <summary>The server's Retry-After, if it sent one (RFC 8555 §6.6 for rate limits).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The request that failed.</summary>
    public Uri? RequestUri { get; }

    /// <summary>True for <c>rateLimited</c> or HTTP 429: back off, at least for <see cref="RetryAfter"/>.</summary>
    public bool IsRateLimited => Problem.Type == AcmeProblem.RateLimited || HttpStatus == 429;

    private static string Describe(AcmeProblem problem, int httpStatus, Uri? uri) =>
        $"ACME problem {problem}" + (httpStatus > 0 ? $" (HTTP {httpStatus}" + (uri is null ? ")" : $" from {uri})") : string.Empty);
}
