using MailAppliance.Accounts;
using MailAppliance.Queue;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Queue;

public sealed class AliasExpanderTests : IDisposable
{
    private readonly string _domains = Directory.CreateTempSubdirectory("mailappliance-expand-").FullName;

    public void Dispose() => Directory.Delete(_domains, recursive: true);

    private AliasExpander Expander(string aliases)
    {
        string domain = Path.Combine(_domains, "example.test");
        Directory.CreateDirectory(domain);
        File.WriteAllText(Path.Combine(domain, "aliases"), aliases);
        File.WriteAllText(Path.Combine(domain, "users"), "");
        var directory = DomainDirectory.Load(_domains, AddressNormalization.Default);
        return new AliasExpander(() => directory);
    }

    [Fact]
    public void The_catch_all_and_aliases_are_replaced_by_their_targets_and_other_domains_stay()
    {
        var expander = Expander("*: me@gmail.test\nteam: a@out.test, b@out.test\n");

        Assert.Equal(["me@gmail.test"], expander.Expand(new EnvelopeRecipient { Address = "anything@example.test" }).Select(r => r.Address));
        var team = expander.Expand(new EnvelopeRecipient { Address = "team@example.test", Notify = "FAILURE" });
        Assert.Equal(["a@out.test", "b@out.test"], team.Select(r => r.Address));
        Assert.All(team, r => Assert.Equal("team@example.test", r.Original));
        Assert.All(team, r => Assert.Equal("FAILURE", r.Notify));
        var outside = Assert.Single(expander.Expand(new EnvelopeRecipient { Address = "x@elsewhere.test" }));
        Assert.Null(outside.Original);
    }

    [Fact]
    public void Aliases_of_aliases_are_followed_and_loops_are_cut()
    {
        var expander = Expander("a: b@example.test\nb: c@out.test, a@example.test\n");

        Assert.Equal(["c@out.test"], expander.Expand(new EnvelopeRecipient { Address = "a@example.test" }).Select(r => r.Address));
    }
}
