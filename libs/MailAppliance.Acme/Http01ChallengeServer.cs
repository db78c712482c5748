using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailAppliance.Acme;

/// <summary>
/// A small Kestrel server answering HTTP-01 requests from an <see cref="Http01ChallengeResponder"/> (RFC 8555
/// §8.3: plain HTTP, the key authorization as the body). Everything else is 404. Runs only while needed or for
/// the life of the service, as the caller decides.
/// </summary>
public sealed class Http01ChallengeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Http01ChallengeServer(WebApplication app) => _app = app;

    /// <summary>Starts listening on <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static async Task<Http01ChallengeServer> StartAsync(Http01ChallengeResponder responder, IPAddress address, int port,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(address, port));
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var app = builder.Build();
        app.Run(context => AnswerAsync(responder, loggerFactory?.CreateLogger<Http01ChallengeServer>(), context));
        await app.StartAsync(cancellationToken);
        return new Http01ChallengeServer(app);
    }

    private static Task AnswerAsync(Http01ChallengeResponder responder, ILogger? logger, HttpContext context)
    {
        string path = context.Request.Path.Value ?? string.Empty;
        if (HttpMethods.IsGet(context.Request.Method)
            && path.StartsWith(Http01ChallengeResponder.PathPrefix, StringComparison.Ordinal)
            && responder.TryGetKeyAuthorization(path[Http01ChallengeResponder.PathPrefix.Length..], out string keyAuthorization))
        {
            logger?.LogInformation("answered HTTP-01 challenge for {Host} from {Remote}", context.Request.Host, context.Connection.RemoteIpAddress);
            // RFC 8555 §8.3: the body is the key authorization; the CA compares it after trimming whitespace.
            context.Response.ContentType = "application/octet-stream";
            return context.Response.WriteAsync(keyAuthorization);
        }

        logger?.LogInformation("HTTP-01 server: no challenge at {Path}", path);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
