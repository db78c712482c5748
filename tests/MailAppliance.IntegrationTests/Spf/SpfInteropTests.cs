using System.Net;
using System.Text.Json;
using MailAppliance.IntegrationTests.Network;
using MailAppliance.Spf;

namespace MailAppliance.IntegrationTests.Spf;

/// <summary>
/// Our SPF evaluator and pyspf (Debian python3-spf) over the same records served by a real bind9 in the test
/// internet: for each record, client (IPv4 and IPv6, inside and outside the authorized networks) and sender, both
/// must give the same result. pyspf runs inside a test host, so its DNS is the test bind9.
/// </summary>
public sealed class SpfInteropTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>
{
    private const string Python = "/usr/bin/python3";

    // Only SPF inputs, never contacted: addresses outside the test prefixes (and outside 192.0.2.0/24).
    private static readonly IPAddress OutsideV4 = IPAddress.Parse("100.64.0.1");
    private static readonly IPAddress OutsideV6 = IPAddress.Parse("2001:db8:ffff::1");

    private TestInternet Net => fixture.Net;

    [NetFact]
    public async Task SameResultsAsPyspfOverBind()
    {
        var mx = await Net.AddHostAsync("spfmx");
        var checker = await Net.AddHostAsync("spfcheck");
        await Net.Dns.SetZoneAsync("spf.test", $$"""
            @ IN TXT "v=spf1 ip4:{{Net.IPv4Network}}" " ip6:{{Net.IPv6Network}} -all"
            @ IN MX 10 spfmx
            {{mx.AddressRecords("spfmx")}}
            mxonly IN TXT "v=spf1 mx:spf.test -all"
            a IN TXT "v=spf1 a:spfmx.spf.test ~all"
            cidr IN TXT "v=spf1 a:spfmx.spf.test/24//48 ?all"
            inc IN TXT "v=spf1 include:spf.test ~all"
            redir IN TXT "v=spf1 redirect=mxonly.spf.test"
            macro IN TXT "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all"
            {{Reverse(mx.IPv4)}}.user._spf.macro IN A 127.0.0.2
            loop IN TXT "v=spf1 include:loop.spf.test -all"
            voids IN TXT "v=spf1 a:n1.spf.test a:n2.spf.test a:n3.spf.test -all"
            two IN TXT "v=spf1 -all"
            two IN TXT "v=spf1 +all"
            bad IN TXT "v=spf1 ip4:300.1.1.1 -all"
            exp IN TXT "v=spf1 -all exp=why.spf.test"
            why IN TXT "%{i} is not one of %{d}'s designated mail servers."
            """);

        string[] senders =
        [
            "user@spf.test", "user@mxonly.spf.test", "user@a.spf.test", "user@cidr.spf.test", "user@inc.spf.test",
            "user@redir.spf.test", "user@macro.spf.test", "other@macro.spf.test", "user@loop.spf.test",
            "user@voids.spf.test", "user@two.spf.test", "user@bad.spf.test", "user@exp.spf.test", "user@none.spf.test",
        ];
        IPAddress[] clients = [mx.IPv4, mx.IPv6, checker.IPv4, OutsideV4, OutsideV6];
        var cases = (from sender in senders from client in clients select (Client: client, Sender: sender)).ToList();

        var evaluator = new SpfEvaluator(Net.Dns.CreateResolver());
        var ours = new List<SpfCheck>();
        foreach (var (client, sender) in cases)
        {
            ours.Add(await evaluator.CheckMailFromAsync(client, sender, "helo.spf.test"));
        }

        var theirs = await PyspfAsync(checker, cases.Select(c => new[] { c.Client.ToString(), c.Sender, "helo.spf.test" }).ToArray());

        var differences = cases.Select((c, i) => (Case: c, Ours: ours[i].Result.Keyword(), Theirs: theirs[i][0]))
            .Where(x => x.Ours != x.Theirs)
            .Select(x => $"{x.Case.Sender} from {x.Case.Client}: ours {x.Ours}, pyspf {x.Theirs}")
            .ToList();
        Assert.True(differences.Count == 0, "SPF results differ from pyspf:\n" + string.Join('\n', differences));

        // Spot checks that the comparison covers what it should (a vacuous agreement would prove nothing).
        Assert.Equal(SpfResult.Pass, ours[cases.IndexOf((mx.IPv6, "user@spf.test"))].Result);
        Assert.Equal(SpfResult.Fail, ours[cases.IndexOf((OutsideV4, "user@spf.test"))].Result);
        Assert.Equal(SpfResult.Pass, ours[cases.IndexOf((mx.IPv4, "user@macro.spf.test"))].Result);
        Assert.Equal(SpfResult.PermError, ours[cases.IndexOf((mx.IPv4, "user@voids.spf.test"))].Result);
        Assert.Equal(SpfResult.None, ours[cases.IndexOf((mx.IPv4, "user@none.spf.test"))].Result);
        int explained = cases.IndexOf((OutsideV4, "user@exp.spf.test"));
        Assert.Equal($"{OutsideV4} is not one of exp.spf.test's designated mail servers.", ours[explained].Explanation);
        Assert.Equal(ours[explained].Explanation, theirs[explained][1]);
    }

    /// <summary>Runs pyspf inside a test host (its resolver is the test bind9) over every case at once.</summary>
    private static async Task<string?[][]> PyspfAsync(NetHost host, string[][] cases)
    {
        string directory = Directory.CreateTempSubdirectory("spf-interop-").FullName;
        try
        {
            string casesPath = Path.Combine(directory, "cases.json");
            await File.WriteAllTextAsync(casesPath, JsonSerializer.Serialize(cases));
            string script = Path.Combine(Infrastructure.Repo.Root, "tests", "MailAppliance.IntegrationTests", "Spf", "pyspf_check.py");
            var run = await host.RunAsync(Python, script, casesPath);
            Assert.True(run.Succeeded, run.ToString());
            var results = JsonSerializer.Deserialize<string?[][]>(run.StdOut)!;
            Assert.Equal(cases.Length, results.Length);
            return results;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Reverse(IPAddress address) => string.Join('.', address.ToString().Split('.').Reverse());
}
