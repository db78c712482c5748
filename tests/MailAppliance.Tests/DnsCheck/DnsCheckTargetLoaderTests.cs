using System.Net;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.DnsCheck;
using Microsoft.Extensions.Configuration;

namespace MailAppliance.Tests.DnsCheck;

/// <summary>What the checks are run against, read from the config directory and settings as DnsVerifier and mailctl do.</summary>
public sealed class DnsCheckTargetLoaderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("dnscheck-target-").FullName;
    private readonly ApplianceDirectories directories;

    public DnsCheckTargetLoaderTests()
    {
        directories = new ApplianceDirectories(Path.Combine(root, "config"), Path.Combine(root, "state"));
        Directory.CreateDirectory(directories.Domain("example.com"));
        Directory.CreateDirectory(directories.Domain("example.org"));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Reads_host_addresses_domains_and_dkim_keys()
    {
        DkimKeyGenerator.CreateKeyFile(DkimKeyDirectory.For(directories, "example.com"), "example.com", "s1", DkimKeyType.Ed25519).Dispose();

        var target = DnsCheckTargetLoader.Load(directories, Settings(("Hostname", "Mail.Example.com."), ("Dns:PublicAddresses", "192.0.2.10, 2001:db8::25")), new DnsCheckOptions());

        Assert.Equal("mail.example.com", target.HostName);
        Assert.Equal([IPAddress.Parse("192.0.2.10"), IPAddress.Parse("2001:db8::25")], target.PublicAddresses);
        Assert.Equal(["example.com", "example.org"], target.Domains.Select(d => d.Domain));
        Assert.Equal("s1", Assert.Single(target.Domains[0].DkimKeys).Selector);
        Assert.Empty(target.Domains[1].DkimKeys);
    }

    [Fact]
    public void A_domain_argument_or_the_domains_setting_narrows_the_domains_and_ip_overrides()
    {
        var settings = Settings(("Hostname", "mail.example.com"), ("Dns:PublicAddresses", "192.0.2.10"));

        Assert.Equal(["example.org"], DnsCheckTargetLoader.Load(directories, settings, new DnsCheckOptions { Domains = "example.org" }).Domains.Select(d => d.Domain));
        var one = DnsCheckTargetLoader.Load(directories, settings, new DnsCheckOptions(), "Example.COM", [IPAddress.Parse("2001:db8::1")]);
        Assert.Equal(["example.com"], one.Domains.Select(d => d.Domain));
        Assert.Equal([IPAddress.Parse("2001:db8::1")], one.PublicAddresses);
    }

    [Fact]
    public void Configuration_problems_say_what_to_set()
    {
        var noHost = Assert.Throws<DnsCheckConfigurationException>(() => DnsCheckTargetLoader.Load(directories, Settings(), new DnsCheckOptions()));
        Assert.StartsWith("no Hostname in ", noHost.Message, StringComparison.Ordinal);

        var badIp = Assert.Throws<DnsCheckConfigurationException>(() =>
            DnsCheckTargetLoader.Load(directories, Settings(("Hostname", "mail.example.com"), ("Dns:PublicAddresses", "192.0.2")), new DnsCheckOptions()));
        Assert.Equal("Dns:PublicAddresses: '192.0.2' is not an IPv4 or IPv6 address", badIp.Message);

        var unknown = Assert.Throws<DnsCheckConfigurationException>(() =>
            DnsCheckTargetLoader.Load(directories, Settings(("Hostname", "mail.example.com"), ("Dns:PublicAddresses", "192.0.2.1")), new DnsCheckOptions(), "example.net"));
        Assert.StartsWith("unknown domain example.net", unknown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("203.0.113.5", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("2a01:4f8::1", true)]
    [InlineData("fd00:1::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::1", false)]
    public void Discovery_keeps_global_unicast_addresses_only(string address, bool global) =>
        Assert.Equal(global, PublicAddresses.IsGlobalUnicast(IPAddress.Parse(address)));

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
