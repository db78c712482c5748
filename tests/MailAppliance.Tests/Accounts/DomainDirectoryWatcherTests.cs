using MailAppliance.Accounts;
using MailAppliance.Core;

namespace MailAppliance.Tests.Accounts;

public class DomainDirectoryWatcherTests
{
    private const string Hash = AccountsTestDirectory.KnownHash;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_new_user_is_picked_up_without_an_explicit_reload()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "alice " + Hash);
        var failures = new FailureLog();
        using var watcher = new DomainDirectoryWatcher(
            directory.Domains, AddressNormalization.Default, failures.Add, TimeSpan.FromMilliseconds(50));
        Assert.False(watcher.Current.UserExists(EmailAddress.Parse("bob@example.com")));

        // Written the way mailctl writes: a temporary file renamed over the old one.
        SafeFile.WriteAllText(directory.UsersFile("example.com"), $"alice {Hash}\nbob {Hash}\n", SafeFile.Secret);

        await Eventually(() => watcher.Current.UserExists(EmailAddress.Parse("bob@example.com")));
        Assert.Equal(0, failures.Count);
    }

    [Fact]
    public async Task A_new_domain_is_picked_up()
    {
        using var directory = new AccountsTestDirectory();
        var failures = new FailureLog();
        using var watcher = new DomainDirectoryWatcher(
            directory.Domains, AddressNormalization.Default, failures.Add, TimeSpan.FromMilliseconds(50));

        directory.WriteUsers("new.example", "carol " + Hash);

        await Eventually(() => watcher.Current.UserExists(EmailAddress.Parse("carol@new.example")));
        Assert.Equal(0, failures.Count);
    }

    [Fact]
    public async Task A_broken_edit_is_reported_and_the_last_good_snapshot_stays()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "alice " + Hash);
        var failures = new FailureLog();
        using var watcher = new DomainDirectoryWatcher(
            directory.Domains, AddressNormalization.Default, failures.Add, TimeSpan.FromMilliseconds(50));
        var good = watcher.Current;

        directory.WriteUsers("example.com", "alice " + Hash, "bob");

        await Eventually(() => failures.Count > 0);
        var error = Assert.IsType<ConfigurationFileException>(failures.First);
        Assert.Equal((directory.UsersFile("example.com"), 2), (error.File, error.Line));
        Assert.Same(good, watcher.Current);
        Assert.True(watcher.Current.UserExists(EmailAddress.Parse("alice@example.com")));
        Assert.Throws<ConfigurationFileException>(() => watcher.Reload());
        Assert.Same(good, watcher.Current);

        directory.WriteUsers("example.com", "alice " + Hash, "bob " + Hash);
        Assert.True(watcher.Reload().UserExists(EmailAddress.Parse("bob@example.com")));
        Assert.NotSame(good, watcher.Current);
    }

    [Fact]
    public void Start_up_stops_on_a_broken_file()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteAliases("example.com", "sales alice");

        var error = Assert.Throws<ConfigurationFileException>(
            () => new DomainDirectoryWatcher(directory.Domains, AddressNormalization.Default, _ => { }));

        Assert.Equal((directory.AliasesFile("example.com"), 1), (error.File, error.Line));
    }

    [Fact]
    public async Task The_poll_reloads_even_without_file_events()
    {
        using var directory = new AccountsTestDirectory();
        string domains = Path.Combine(directory.Root, "not-yet");
        var failures = new FailureLog();
        using var watcher = new DomainDirectoryWatcher(
            domains, AddressNormalization.Default, failures.Add, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
        Assert.Empty(watcher.Current.Domains);

        Directory.CreateDirectory(Path.Combine(domains, "late.example"));

        await Eventually(() => watcher.Current.IsLocal("late.example"));
        Assert.Equal(0, failures.Count);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(20);
        }
    }

    /// <summary>Collects reload failures reported on timer threads.</summary>
    private sealed class FailureLog
    {
        private readonly List<Exception> failures = [];

        public int Count
        {
            get
            {
                lock (failures)
                {
                    return failures.Count;
                }
            }
        }

        public Exception First
        {
            get
            {
                lock (failures)
                {
                    return failures[0];
                }
            }
        }

        public void Add(Exception failure)
        {
            lock (failures)
            {
                failures.Add(failure);
            }
        }
    }
}
