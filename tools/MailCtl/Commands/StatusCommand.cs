using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary>
/// <c>mailctl status [--json]</c>: asks each service over its loopback HTTP endpoint how it is. The relay answers
/// <c>/admin/status</c> (listeners, certificate, queue), CertManager and DnsVerifier <c>/health</c>, DnsVerifier
/// also <c>/checks</c> (the last DNS check run). A part that does not answer is shown as down.
/// </summary>
public sealed class StatusCommand : ICommandGroup
{
    private const string JsonFlag = "--json";

    /// <summary>How long a service may take to answer before it counts as down.</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <inheritdoc />
    public string Name => "status";

    /// <inheritdoc />
    public string Summary => "are the services up: relay listeners, certificate expiry, queue depth, CertManager, DnsVerifier and its last checks";

    /// <inheritdoc />
    public string Help =>
        "usage: mailctl status [--json]\n\n" +
        "Asks the relay (SmtpRelay:AdminUrls, GET /admin/status), CertManager (CertManager:Urls, GET /health) and\n" +
        "DnsVerifier (DnsVerifier:Urls, GET /health and /checks). Each part that does not answer is shown as down.\n" +
        "Exit 1 when the relay is down; CertManager or DnsVerifier being down is shown but not an error.\n";

    /// <inheritdoc />
    public async Task<int> RunAsync(CommandContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        if (arguments.Any(CommandGroup.IsHelpOption))
        {
            context.Console.Output.Write(Help);
            return ExitCode.Ok;
        }

        var parsed = ArgumentParser.Parse(arguments, [], [JsonFlag]);
        if (parsed.Positional.Count != 0)
        {
            throw new UsageException("usage: mailctl status [--json]");
        }

        // The same defaults the services use (docs/configuration.md).
        string relayUrl = FirstUrl(context.Configuration["SmtpRelay:AdminUrls"], "http://127.0.0.1:8025");
        string certManagerUrl = FirstUrl(context.Configuration["CertManager:Urls"], "http://127.0.0.1:8026");
        string dnsVerifierUrl = FirstUrl(context.Configuration["DnsVerifier:Urls"], "http://127.0.0.1:8027");

        using var http = new HttpClient { Timeout = AnswerTimeout };
        var relay = await GetAsync(http, $"{relayUrl}/admin/status", cancellationToken);
        var certManager = await GetAsync(http, $"{certManagerUrl}/health", cancellationToken);
        var dnsVerifier = await GetAsync(http, $"{dnsVerifierUrl}/health", cancellationToken);
        var checks = dnsVerifier.Up ? await GetAsync(http, $"{dnsVerifierUrl}/checks", cancellationToken) : dnsVerifier;

        var relayStatus = relay.Up ? TryParse(relay.Body) : null;
        var checkStatus = checks.Up ? TryParse(checks.Body) : null;
        if (parsed.Options.ContainsKey(JsonFlag))
        {
            var json = new JsonObject
            {
                ["relay"] = Part(relayUrl, relay, relayStatus),
                ["certManager"] = Part(certManagerUrl, certManager, null),
                ["dnsVerifier"] = Part(dnsVerifierUrl, dnsVerifier, null),
                ["dnsChecks"] = checkStatus,
            };
            context.WriteLine(json.ToJsonString(Indented));
        }
        else
        {
            PrintRelay(context, relayUrl, relay, relayStatus);
            context.WriteLine($"certmanager: {Describe(certManagerUrl, certManager)}");
            context.WriteLine($"dnsverifier: {Describe(dnsVerifierUrl, dnsVerifier)}");
            if (dnsVerifier.Up)
            {
                context.WriteLine($"  last dns checks: {DescribeChecks(checks, checkStatus)}");
            }
        }

        return relay.Up ? ExitCode.Ok : ExitCode.Failure;
    }

    private static void PrintRelay(CommandContext context, string url, Answer answer, JsonNode? status)
    {
        context.WriteLine($"relay: {Describe(url, answer)}");
        if (status is null)
        {
            return;
        }

        foreach (var listener in status["listeners"]?.AsArray() ?? [])
        {
            context.WriteLine($"  listener {listener?["name"]}: {listener?["endpoint"]}");
        }

        if (status["certificate"] is { } certificate)
        {
            string expiry = certificate["notAfter"]?.GetValue<DateTimeOffset>() is { } notAfter
                ? $"expires {notAfter.UtcDateTime:u} (in {(notAfter - DateTimeOffset.UtcNow).TotalDays.ToString("0", CultureInfo.InvariantCulture)} days)"
                : "expiry unknown";
            context.WriteLine($"  certificate: {certificate["subject"]} from {certificate["issuer"]}, {expiry}");
        }

        context.WriteLine($"  queue: {status["queue"]?["messages"]?.ToJsonString() ?? "?"} message(s)");
    }

    private static string Describe(string url, Answer answer) =>
        answer.Up ? $"up ({url})" : $"down ({url}: {answer.Problem})";

    private static string DescribeChecks(Answer answer, JsonNode? checks)
    {
        if (!answer.Up)
        {
            return $"unavailable ({answer.Problem})";
        }

        if (checks?["status"]?.GetValue<string>() == "not-run")
        {
            return "none has run yet";
        }

        if (checks?["counts"] is JsonObject counts)
        {
            string summary = string.Join(", ", counts.Where(c => c.Value?.GetValue<int>() > 0).Select(c => $"{c.Value} {c.Key}"));
            return $"{checks["status"]} at {checks["startedAt"]} ({summary})";
        }

        return "an answer mailctl does not understand";
    }

    private static JsonObject Part(string url, Answer answer, JsonNode? status) => new()
    {
        ["url"] = url,
        ["up"] = answer.Up,
        ["problem"] = answer.Problem,
        ["status"] = status?.DeepClone(),
    };

    private static string FirstUrl(string? setting, string fallback) =>
        (setting is { Length: > 0 } ? setting : fallback)
        .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0]
        .TrimEnd('/')
        // A service listening on every address is still asked on loopback.
        .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
        .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
        .Replace("://*", "://127.0.0.1", StringComparison.Ordinal);

    private static JsonNode? TryParse(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<Answer> GetAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? new Answer(true, null, body)
                : new Answer(false, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", body);
        }
        catch (HttpRequestException e)
        {
            return new Answer(false, e.Message, string.Empty);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(false, $"no answer within {AnswerTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", string.Empty);
        }
    }

    /// <summary>What one endpoint answered: up with its body, or down with the reason.</summary>
    private sealed record Answer(bool Up, string? Problem, string Body);
}
