using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MailAppliance.IntegrationTests.MailCtl;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.DnsCheck;

/// <summary>
/// The real <c>mailctl</c>: what <c>mailctl dns records</c> prints, loaded into bind9 (the zone lines, and the PTR
/// lines into the reverse zones), passes <c>mailctl dns check</c> (exit 0); a broken record makes it exit 1 and name
/// the check.
/// </summary>
public sealed class DnsCheckCommandTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>, IDisposable
{
    private const string Domain = "published.test";
    private const string HostName = "mail.published.test";

    private readonly MailCtlFixture mailctl = new();

    public void Dispose() => mailctl.Dispose();

    [NetFact]
    public async Task What_dns_records_prints_passes_dns_check()
    {
        var relay = await ConfigureAsync();
        var printed = await mailctl.RunAsync(["dns", "records", Domain]);
        Assert.True(printed.ExitCode == 0, printed.ToString());

        string[] lines = printed.StdOut.Split('\n');
        string zone = string.Join('\n', lines.Where(l => l.Length > 0 && !l.StartsWith(';')));
        await fixture.Net.Dns.SetZoneAsync(Domain, zone + "\n");
        var ptrs = lines.Where(l => l.Contains(" IN PTR ", StringComparison.Ordinal)).Select(l => l.TrimStart(';', ' ').Split(' ')).ToArray();
        Assert.Equal(2, ptrs.Length);
        foreach (var ptr in ptrs)
        {
            var address = relay.Addresses.Single(a => MailAppliance.Dns.DnsNames.ReverseName(a) + "." == ptr[0]);
            await fixture.Net.Dns.SetPtrAsync(address, ptr[^1]);
        }

        var check = await mailctl.RunAsync(["dns", "check"]);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("0 errors, 0 warnings, ", check.StdOut, StringComparison.Ordinal);
        Assert.Contains(check.Lines, l => l.StartsWith("ok          spf.ipv6", StringComparison.Ordinal) && l.Contains(relay.IPv6.ToString(), StringComparison.Ordinal));
        Assert.Contains(check.Lines, l => l.StartsWith("ok          ptr.ipv4", StringComparison.Ordinal));

        var json = await mailctl.RunAsync(["dns", "check", Domain, "--json"]);
        Assert.Equal(0, json.ExitCode);
        var report = JsonNode.Parse(json.StdOut)!;
        Assert.Equal(HostName, (string?)report["hostname"]);
        Assert.Equal(0, (int)report["counts"]!["error"]!);
        Assert.All(report["results"]!.AsArray(), r => Assert.Contains((string?)r!["status"], new[] { "ok", "not-checked" }));

        // Now the hosting provider forgets the IPv6 PTR: exit 1, and the line says what to do.
        await fixture.Net.Dns.SetPtrAsync(relay.IPv6);
        var broken = await mailctl.RunAsync(["dns", "check", Domain]);
        Assert.Equal(1, broken.ExitCode);
        int line = Array.FindIndex(broken.Lines, l => l.StartsWith("error       ptr.ipv6", StringComparison.Ordinal));
        Assert.True(line >= 0, broken.ToString());
        Assert.Equal($"→ Ask your hosting provider (where {relay.IPv6} comes from) to set its reverse DNS (PTR) to {HostName}.", broken.Lines[line + 1].Trim());
        Assert.Contains("1 errors, 0 warnings, ", broken.StdOut, StringComparison.Ordinal);
    }

    [NetFact]
    public async Task Configuration_errors_are_one_line()
    {
        await ConfigureAsync();
        var unknown = await mailctl.RunAsync(["dns", "check", "nowhere.test"]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("mailctl: unknown domain nowhere.test", unknown.StdErr, StringComparison.Ordinal);

        var badIp = await mailctl.RunAsync(["dns", "check", "--ip", "300.1.2.3"]);
        Assert.Equal(2, badIp.ExitCode);
        Assert.Contains("'300.1.2.3' is not an IPv4 or IPv6 address", badIp.StdErr, StringComparison.Ordinal);
    }

    private async Task<NetHost> ConfigureAsync()
    {
        var relay = await fixture.Net.AddHostAsync("published-relay");
        await File.WriteAllTextAsync(Path.Combine(mailctl.Config, "appliance.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "Hostname": "{{HostName}}",
              "Dns": { "PublicAddresses": "{{relay.IPv4}}, {{relay.IPv6}}", "Servers": "{{fixture.Net.Dns.Servers}}", "UseCache": false, "Timeout": "00:00:02", "Retries": 1 },
              "DnsVerifier": { "Dnsbls": "", "CheckMtaStsPolicy": false, "RelayAdminUrl": "" }
            }
            """));
        if (!Directory.Exists(Path.Combine(mailctl.Config, "domains", Domain, "dkim")))
        {
            var keygen = await mailctl.RunAsync(["dkim", "keygen", Domain, "--selector", "s1"]);
            Assert.True(keygen.ExitCode == 0, keygen.ToString());
        }

        return relay;
    }
}
