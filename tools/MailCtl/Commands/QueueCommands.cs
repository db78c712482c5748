using System.Globalization;
using System.Text.Json;
using MailAppliance.MailCtl.Cli;
using MailAppliance.Queue;
using MailAppliance.Spool;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl queue ...</c>: what is in the spool (<c>state/queue/</c>).</summary>
public sealed class QueueCommands : CommandGroup
{
    // The admin API's shape: camelCase, enums as names, nulls left out.
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    /// <inheritdoc />
    public override string Name => "queue";

    /// <inheritdoc />
    public override string Summary => "list, show, retry, hold, release and delete queued messages";

    /// <inheritdoc />
    protected override string Description =>
        "list and show read the spool (state/queue) directly, so they work whether the relay runs or not;\n" +
        "every message listed was acknowledged with 250 and made durable. retry, hold, release and delete ask\n" +
        "the running relay through its loopback admin API (SmtpRelay:AdminUrls).";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("list", "[--json]", "one line per message: id, age, size, sender, recipients", ListAsync) { MaxArguments = 0, Flags = ["--json"] },
        new("show", "ID", "the envelope, each recipient's state and the header fields", ShowAsync) { MinArguments = 1, MaxArguments = 1 },
        new("retry", "ID|--all", "attempt delivery now (held messages stay held)", RetryAsync) { MaxArguments = 1, Flags = ["--all"] },
        new("hold", "ID", "stop attempts until released (survives restarts)", (c, a, t) => AdminAsync(c, a, "hold", t)) { MinArguments = 1, MaxArguments = 1 },
        new("release", "ID", "release a held message and attempt it now", (c, a, t) => AdminAsync(c, a, "release", t)) { MinArguments = 1, MaxArguments = 1 },
        new("delete", "ID", "remove a message without delivering it or sending a DSN", (c, a, t) => AdminAsync(c, a, "delete", t)) { MinArguments = 1, MaxArguments = 1 },
    ];

    private static Task<int> ListAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var states = new QueueStateStore(context.Directories.Queue);
        var messages = Open(context).List().Select(m => new QueuedMessage(m.Envelope, states.Load(m.Id) ?? QueueStateStore.Initial(m.Envelope, m.Envelope.ReceivedAt), false)).ToList();
        if (arguments.Options.ContainsKey("--json"))
        {
            context.WriteLine(JsonSerializer.Serialize(messages, Indented));
            return Task.FromResult(ExitCode.Ok);
        }

        if (messages.Count == 0)
        {
            context.WriteLine("the queue is empty");
            return Task.FromResult(ExitCode.Ok);
        }

        var now = DateTimeOffset.UtcNow;
        context.WriteLine($"{"ID",-18}  {"AGE",6}  {"SIZE",8}  {"TRIES",5}  {"NEXT",6}  SENDER -> RECIPIENTS");
        foreach (var (envelope, state, _) in messages)
        {
            string sender = envelope.MailFrom.Length == 0 ? "<>" : envelope.MailFrom;
            string next = state.Held ? "held" : state.NextAttempt <= now ? "now" : Age(state.NextAttempt - now);
            var pending = state.Recipients.Where(r => r.Status == RecipientStatus.Pending).Select(r => r.Address);
            context.WriteLine($"{envelope.Id,-18}  {Age(now - envelope.ReceivedAt),6}  {envelope.Size,8}  {state.Attempts,5}  {next,6}  {sender} -> {string.Join(", ", pending)}");
            foreach (var recipient in state.Recipients.Where(r => r.Status == RecipientStatus.Pending && r.LastResult is not null))
            {
                context.WriteLine($"{"",20}{recipient.Address}: {recipient.LastResult}");
            }
        }

        context.WriteLine($"{messages.Count} message(s)");
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> ShowAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        string id = arguments.Positional[0];
        var message = (QueueId.IsValid(id) ? Open(context).Find(id) : null) ?? throw new CommandFailedException($"no message {id} in {context.Directories.Queue}");
        context.WriteLine(JsonSerializer.Serialize(message.Envelope, Indented));
        var state = new QueueStateStore(context.Directories.Queue).Load(id);
        context.WriteLine(state is null ? "not attempted yet" : JsonSerializer.Serialize(state, QueueJsonContext.Default.QueueItemState));
        context.WriteLine(string.Empty);
        using var reader = new StreamReader(message.OpenMessage());
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            context.WriteLine(line);
        }

        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> RetryAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        bool all = arguments.Options.ContainsKey("--all");
        if (all == (arguments.Positional.Count == 1))
        {
            throw new UsageException("give either a queue id or --all");
        }

        return all ? AdminCallAsync(context, HttpMethod.Post, "admin/queue/retry", "retried", cancellationToken)
            : AdminAsync(context, arguments, "retry", cancellationToken);
    }

    private static Task<int> AdminAsync(CommandContext context, ParsedArguments arguments, string action, CancellationToken cancellationToken)
    {
        string id = arguments.Positional[0];
        if (!QueueId.IsValid(id))
        {
            throw new CommandFailedException($"'{id}' is not a queue id (18 lower-case letters and digits, as `mailctl queue list` shows)");
        }

        return action == "delete"
            ? AdminCallAsync(context, HttpMethod.Delete, $"admin/queue/{id}", $"{id} deleted", cancellationToken)
            : AdminCallAsync(context, HttpMethod.Post, $"admin/queue/{id}/{action}", $"{id}: {action} done", cancellationToken);
    }

    /// <summary>Calls the relay's loopback admin API (the queue's schedule lives in the running relay).</summary>
    private static async Task<int> AdminCallAsync(CommandContext context, HttpMethod method, string path, string done, CancellationToken cancellationToken)
    {
        string baseUrl = (context.Configuration["SmtpRelay:AdminUrls"] ?? "http://127.0.0.1:8025").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0]
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://[::1]", StringComparison.Ordinal).TrimEnd('/');
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(new HttpRequestMessage(method, $"{baseUrl}/{path}"), cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailedException($"the relay's admin API at {baseUrl} does not answer ({e.Message}); is the relay running? (SmtpRelay:AdminUrls)");
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                string detail = body;
                try
                {
                    detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString() ?? body;
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                }

                throw new CommandFailedException($"the relay refused: {detail}");
            }

            if (done == "retried")
            {
                context.WriteLine($"{JsonDocument.Parse(body).RootElement.GetProperty("retried").GetInt32()} message(s) to be retried now");
            }
            else
            {
                context.WriteLine(done);
            }

            return ExitCode.Ok;
        }
    }

    private static SpoolReader Open(CommandContext context) => new(context.Directories.Queue);

    private static string Age(TimeSpan age) => age.TotalMinutes < 1 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
        : age.TotalHours < 1 ? $"{(int)age.TotalMinutes}m"
        : age.TotalDays < 1 ? $"{(int)age.TotalHours}h"
        : string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d");
}
