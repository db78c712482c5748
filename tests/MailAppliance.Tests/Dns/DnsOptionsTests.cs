using System.Net;
using MailAppliance.Dns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailAppliance.Tests.Dns;

public sealed class DnsOptionsTests
{
    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData("192.0.2.53:5353", "192.0.2.53:5353")]
    [InlineData("2001:db8::53", "[2001:db8::53]:53")]
    [InlineData("[2001:db8::53]", "[2001:db8::53]:53")]
    [InlineData("[2001:db8::53]:5353", "[2001:db8::53]:5353")]
    public void OneServerIsParsed(string text, string expected) =>
        Assert.Equal(IPEndPoint.Parse(expected), Assert.Single(DnsOptions.ParseServers(text)));

    [Fact]
    public void SeveralServersKeepTheirOrder() =>
        Assert.Equal(
            [IPEndPoint.Parse("192.0.2.1:53"), IPEndPoint.Parse("[2001:db8::1]:5353"), IPEndPoint.Parse("127.0.0.1:1053")],
            DnsOptions.ParseServers(" 192.0.2.1, [2001:db8::1]:5353 ,127.0.0.1:1053"));

    [Theory]
    [InlineData("dns.example.test")]
    [InlineData("192.0.2.1:0")]
    [InlineData("192.0.2.1:99999")]
    [InlineData(",")]
    public void ABadServerIsRefusedWithTheEntryNamed(string text)
    {
        var e = Assert.Throws<FormatException>(() => DnsOptions.ParseServers(text));
        Assert.Contains("Dns:Servers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemServersComeFromResolvConf()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# comment\nsearch example.test\nnameserver 192.0.2.53\nnameserver\t2001:db8::53\noptions ndots:1\n");
            Assert.Equal([IPEndPoint.Parse("192.0.2.53:53"), IPEndPoint.Parse("[2001:db8::53]:53")], DnsOptions.SystemServers(path));
            File.WriteAllText(path, "search example.test\n");
            Assert.Equal([IPEndPoint.Parse("127.0.0.1:53")], DnsOptions.SystemServers(path));
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal([IPEndPoint.Parse("127.0.0.1:53")], DnsOptions.SystemServers(path));
    }

    [Fact]
    public void TheDnsSectionConfiguresTheRegisteredResolver()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dns:Servers"] = "127.0.0.1:5353",
            ["Dns:Timeout"] = "00:00:02",
            ["Dns:Retries"] = "1",
            ["Dns:UseCache"] = "false",
        }).Build();
        using var provider = new ServiceCollection().AddDnsResolver(configuration).BuildServiceProvider();

        var resolver = Assert.IsType<DnsClientResolver>(provider.GetRequiredService<IDnsResolver>());
        Assert.Equal([IPEndPoint.Parse("127.0.0.1:5353")], resolver.Servers);
        Assert.Same(resolver, provider.GetRequiredService<IDnsResolver>());
    }

    [Fact]
    public void AFakeRegisteredFirstIsKept()
    {
        var fake = new FakeDnsResolver();
        var services = new ServiceCollection().AddSingleton<IDnsResolver>(fake);
        using var provider = services.AddDnsResolver(new ConfigurationBuilder().Build()).BuildServiceProvider();
        Assert.Same(fake, provider.GetRequiredService<IDnsResolver>());
    }
}
