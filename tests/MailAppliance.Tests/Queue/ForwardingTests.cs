using System.Text;
using MailAppliance.Accounts;
using MailAppliance.Delivery;
using MailAppliance.Dkim;
using MailAppliance.Inbound;
using MailAppliance.Queue;
using MailAppliance.Spool;
using MailAppliance.Srs;

namespace MailAppliance.Tests.Queue;

/// <summary>
/// Forwarding in the queue: mail from outside for an alias with outside targets becomes a new spooled copy with an
/// SRS sender, our ARC set and the loop marker on top of the unchanged message; bounces to our SRS addresses are routed
/// back to the original sender; a message that comes back for the same alias is bounced as a loop.
/// </summary>
public sealed class ForwardingTests : IDisposable
{
    private readonly string _domains = Directory.CreateTempSubdirectory("mailappliance-forwarding-").FullName;
    private readonly TempSpool _spool = new();
    private readonly Forwarder _forwarder = new(new SrsRewriter(SrsSecrets.FromLines(["forwarding unit secret"])),
        new InboundOptions { AuthservId = "mx.ours.test" });

    public ForwardingTests()
    {
        string domain = Path.Combine(_domains, "ours.test");
        Directory.CreateDirectory(domain);
        File.WriteAllText(Path.Combine(domain, "aliases"), "*: me@gmail.test\nteam: a@out.test, local@ours.test\n");
        File.WriteAllText(Path.Combine(domain, "users"), "");
        DkimKeyGenerator.CreateKeyFile(Path.Combine(domain, DkimKeyDirectory.DirectoryName), "ours.test", "arc1", DkimKeyType.Ed25519).Dispose();
    }

    public void Dispose()
    {
        _spool.Dispose();
        Directory.Delete(_domains, recursive: true);
    }

    private DomainDirectory Domains() => DomainDirectory.Load(_domains, AddressNormalization.Default);

    private async Task<SpooledMessage> PutFromOutsideAsync(string content, string recipient, bool fromOutside = true)
    {
        await using var writer = _spool.Store.Create();
        writer.Write(Encoding.ASCII.GetBytes(content));
        await writer.CommitAsync(Encoding.ASCII.GetBytes("Received: from mail.sender.test by mx.ours.test\r\nAuthentication-Results: mx.ours.test; spf=pass smtp.mailfrom=sender.test\r\n"), new Envelope
        {
            Id = writer.Id, MailFrom = "alice@sender.test", Recipients = [new EnvelopeRecipient { Address = recipient }], ReceivedAt = DateTimeOffset.UtcNow,
            Listener = "mx",
            Authentication = fromOutside ? new ReceivedAuthentication { Results = "mx.ours.test; spf=pass smtp.mailfrom=sender.test", ArcStatus = "none" } : null,
        });
        return _spool.Store.Find(writer.Id)!;
    }

    private const string Message = "From: Alice <alice@sender.test>\r\nTo: x@ours.test\r\nSubject: hi\r\n\r\nbody\r\n";

    [Fact]
    public async Task A_catch_all_target_gets_a_new_copy_with_an_srs_sender_an_arc_set_and_the_message_unchanged()
    {
        var message = await PutFromOutsideAsync(Message, "anything@ours.test");
        var remote = new ScriptedCourier();
        using var keyring = new DkimKeyring(_domains);
        var router = new DestinationRouter(Domains, new ScriptedCourier(), remote, new ForwardingCourier(_forwarder, _spool.Store, keyring));
        var recipients = new AliasExpander(Domains).Expand(message.Envelope.Recipients[0]);

        var outcome = Assert.Single(await router.DeliverAsync(message, "gmail.test", recipients));

        Assert.Equal(DeliveryStatus.Delivered, outcome.Status);
        Assert.Contains("forwarded as", outcome.Detail, StringComparison.Ordinal);
        Assert.Empty(remote.Calls);
        var copy = Assert.Single(_spool.Store.List(), m => m.Id != message.Id);
        Assert.StartsWith("SRS0=", copy.Envelope.MailFrom, StringComparison.Ordinal);
        Assert.EndsWith("@ours.test", copy.Envelope.MailFrom, StringComparison.Ordinal);
        Assert.Equal("me@gmail.test", Assert.Single(copy.Envelope.Recipients).Address);
        Assert.Equal("rfc822;anything@ours.test", copy.Envelope.Recipients[0].OriginalRecipient);
        Assert.Null(copy.Envelope.Authentication);
        string text = Read(copy);
        Assert.StartsWith("ARC-Seal: ", text, StringComparison.Ordinal);
        Assert.Contains("ARC-Message-Signature: ", text, StringComparison.Ordinal);
        Assert.Contains("ARC-Authentication-Results: i=1; mx.ours.test;", text, StringComparison.Ordinal);
        Assert.Contains("X-MailAppliance-Forwarded-For: anything@ours.test\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith(Read(message), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_that_comes_back_for_the_same_alias_is_a_loop_and_fails_permanently()
    {
        var message = await PutFromOutsideAsync("X-MailAppliance-Forwarded-For: anything@ours.test\r\n" + Message, "anything@ours.test");
        using var keyring = new DkimKeyring(_domains);
        var courier = new ForwardingCourier(_forwarder, _spool.Store, keyring);
        var recipients = new AliasExpander(Domains).Expand(message.Envelope.Recipients[0]);

        var outcome = Assert.Single(await courier.DeliverAsync(message, "gmail.test", recipients));

        Assert.Equal((DeliveryStatus.PermanentFailure, "5.4.6"), (outcome.Status, outcome.StatusCode));
        Assert.Single(_spool.Store.List());
    }

    [Fact]
    public async Task Submissions_and_direct_recipients_are_not_forwarded_and_local_users_stay_local()
    {
        var submitted = await PutFromOutsideAsync(Message, "anything@ours.test", fromOutside: false);
        var remote = new ScriptedCourier();
        var local = new ScriptedCourier();
        using var keyring = new DkimKeyring(_domains);
        var router = new DestinationRouter(Domains, local, remote, new ForwardingCourier(_forwarder, _spool.Store, keyring));
        var expander = new AliasExpander(Domains);

        await router.DeliverAsync(submitted, "gmail.test", expander.Expand(submitted.Envelope.Recipients[0]));
        var fromOutside = await PutFromOutsideAsync(Message, "team@ours.test");
        await router.DeliverAsync(fromOutside, "ours.test", [new RecipientState { Address = "local@ours.test", Original = "team@ours.test" }]);

        Assert.Equal("me@gmail.test", Assert.Single(remote.Calls).Recipients.Single());
        Assert.Equal("local@ours.test", Assert.Single(local.Calls).Recipients.Single());
        Assert.Equal(2, _spool.Store.List().Count());
    }

    [Fact]
    public void A_bounce_to_our_srs_address_is_routed_to_the_original_sender()
    {
        var rewrite = new SrsRewriter(SrsSecrets.FromLines(["forwarding unit secret"])).Forward("alice@sender.test", "ours.test");
        var expander = new AliasExpander(Domains, address => _forwarder.ReverseBounce(address) is { IsOk: true } r ? r.OriginalAddress : null);

        var routed = Assert.Single(expander.Expand(new EnvelopeRecipient { Address = rewrite.Address }));

        Assert.Equal("alice@sender.test", routed.Address);
        Assert.Equal(rewrite.Address, routed.Original);
        // Anything else still goes through the aliases (here the catch-all).
        Assert.Equal("me@gmail.test", Assert.Single(expander.Expand(new EnvelopeRecipient { Address = "SRS0=xx@ours.test" })).Address);
    }

    private static string Read(SpooledMessage message)
    {
        using var stream = message.OpenMessage();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Encoding.ASCII.GetString(copy.ToArray());
    }
}
