using System.Globalization;
using System.Text.Json;
using MailAppliance.MailCtl.Cli;
using MailAppliance.Spool;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl queue ...</c>: what is in the spool (<c>state/queue/</c>).</summary>
public sealed class QueueCommands : CommandGroup
{
    private static readonly JsonSerializerOptions Indented = new(SpoolJsonContext.Default.Options) { WriteIndented = true };

    /// <inheritdoc />
    public override string Name => "queue";

    /// <inheritdoc />
    public override string Summary => "list and show spooled messages (state/queue)";

    /// <inheritdoc />
    protected override string Description =>
        "Reads the spool directly, so it works whether the relay runs or not. Every message listed was\n" +
        "acknowledged with 250 and made durable.";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("list", "[--json]", "one line per message: id, age, size, sender, recipients", ListAsync) { MaxArguments = 0, Flags = ["--json"] },
        new("show", "ID", "the envelope of one message and its header fields", ShowAsync) { MinArguments = 1, MaxArguments = 1 },
    ];

    private static Task<int> ListAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var messages = Open(context).List().ToList();
        if (arguments.Options.ContainsKey("--json"))
        {
            context.WriteLine(JsonSerializer.Serialize(messages.Select(m => m.Envelope).ToList(), Indented));
            return Task.FromResult(ExitCode.Ok);
        }

        if (messages.Count == 0)
        {
            context.WriteLine("the queue is empty");
            return Task.FromResult(ExitCode.Ok);
        }

        var now = DateTimeOffset.UtcNow;
        context.WriteLine($"{"ID",-18}  {"AGE",6}  {"SIZE",8}  SENDER -> RECIPIENTS");
        foreach (var message in messages)
        {
            var envelope = message.Envelope;
            string sender = envelope.MailFrom.Length == 0 ? "<>" : envelope.MailFrom;
            context.WriteLine($"{envelope.Id,-18}  {Age(now - envelope.ReceivedAt),6}  {envelope.Size,8}  {sender} -> {string.Join(", ", envelope.Recipients.Select(r => r.Address))}");
        }

        context.WriteLine($"{messages.Count} message(s)");
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> ShowAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        string id = arguments.Positional[0];
        var message = Open(context).Find(id) ?? throw new CommandFailedException($"no message {id} in {context.Directories.Queue}");
        context.WriteLine(JsonSerializer.Serialize(message.Envelope, Indented));
        context.WriteLine(string.Empty);
        using var reader = new StreamReader(message.OpenMessage());
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            context.WriteLine(line);
        }

        return Task.FromResult(ExitCode.Ok);
    }

    private static SpoolReader Open(CommandContext context) => new(context.Directories.Queue);

    private static string Age(TimeSpan age) => age.TotalMinutes < 1 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
        : age.TotalHours < 1 ? $"{(int)age.TotalMinutes}m"
        : age.TotalDays < 1 ? $"{(int)age.TotalHours}h"
        : string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d");
}
