using MailAppliance.IntegrationTests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailAppliance.IntegrationTests.Queue;

/// <summary>
/// <c>mailctl queue</c> against a running relay whose queue is paused (so what is queued stays put): list and show read
/// the spool and state files, retry/hold/release/delete go through the relay's admin API.
/// </summary>
public sealed class MailCtlQueueTests : IAsyncLifetime
{
    private const string Sender = "alice@example.test";
    private const string Password = "queue-password";
    private RelayProcess _relay = null!;

    public async Task InitializeAsync() => _relay = await RelayProcess.StartAsync(new RelaySetup().WithUser(Sender, Password));

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Hold_release_retry_and_delete_act_on_the_running_relay_and_list_and_show_follow()
    {
        string id = await SubmitAsync("bob@outside.test");

        var list = await MailCtlAsync("queue", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(id, list.StdOut, StringComparison.Ordinal);
        Assert.Contains("bob@outside.test", list.StdOut, StringComparison.Ordinal);

        var hold = await MailCtlAsync("queue", "hold", id);
        Assert.True(hold.ExitCode == 0, hold.StdErr);
        Assert.Contains("\"held\": true", (await MailCtlAsync("queue", "show", id)).StdOut, StringComparison.Ordinal);
        Assert.Contains("held", (await MailCtlAsync("queue", "list")).StdOut, StringComparison.Ordinal);

        Assert.Equal(0, (await MailCtlAsync("queue", "release", id)).ExitCode);
        Assert.Contains("\"held\": false", (await MailCtlAsync("queue", "show", id)).StdOut, StringComparison.Ordinal);

        var retryAll = await MailCtlAsync("queue", "retry", "--all");
        Assert.Equal(0, retryAll.ExitCode);
        Assert.Contains("1 message(s)", retryAll.StdOut, StringComparison.Ordinal);
        Assert.Equal(0, (await MailCtlAsync("queue", "retry", id)).ExitCode);

        var json = await MailCtlAsync("queue", "list", "--json");
        Assert.Contains("\"recipients\"", json.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"Pending\"", json.StdOut, StringComparison.Ordinal);

        Assert.Equal(0, (await MailCtlAsync("queue", "delete", id)).ExitCode);
        Assert.Contains("the queue is empty", (await MailCtlAsync("queue", "list")).StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_relay.Queue, id + ".msg")));
    }

    [Fact]
    public async Task Unknown_ids_bad_ids_and_a_stopped_relay_are_clear_errors()
    {
        var unknown = await MailCtlAsync("queue", "hold", "0000000000000000aa");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no message 0000000000000000aa in the queue", unknown.StdErr, StringComparison.Ordinal);

        var bad = await MailCtlAsync("queue", "delete", "../../etc/passwd");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("not a queue id", bad.StdErr, StringComparison.Ordinal);

        var usage = await MailCtlAsync("queue", "retry");
        Assert.NotEqual(0, usage.ExitCode);
        Assert.Contains("--all", usage.StdErr, StringComparison.Ordinal);

        _relay.Kill();
        var down = await MailCtlAsync("queue", "retry", "--all");
        Assert.Equal(1, down.ExitCode);
        Assert.Contains("is the relay running?", down.StdErr, StringComparison.Ordinal);
        await _relay.StartAsync();
    }

    private Task<(int ExitCode, string StdOut, string StdErr)> MailCtlAsync(params string[] arguments) =>
        Repo.RunDotnetAsync(Repo.MailCtl, ["--config", _relay.Config, "--state", _relay.State, .. arguments], new Dictionary<string, string>());

    private async Task<string> SubmitAsync(string recipient)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Sender));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = "queued";
        message.Body = new TextPart("plain") { Text = "stays queued\n" };
        using var client = new SmtpClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", _relay.SubmissionPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(Sender, Password);
        string response = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
        return SpoolFiles.QueueIdIn(response);
    }
}
