using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace MailAppliance.AppHost.Tests;

/// <summary>
/// The whole appliance as <c>dotnet run --project AppHost</c> starts it: the three services come up healthy on
/// the development config, and the relay takes mail on its <c>mx</c> endpoint the way a remote MTA delivers it.
/// </summary>
public sealed partial class AppHostTests(AppHostFixture fixture) : IClassFixture<AppHostFixture>
{
    private static readonly TimeSpan DialogTimeout = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("smtprelay")]
    [InlineData("certmanager")]
    [InlineData("dnsverifier")]
    public async Task Service_answers_health_and_alive(string service)
    {
        using var http = fixture.App.CreateHttpClient(service, "http");

        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());

        // /alive comes from ServiceDefaults' MapDefaultEndpoints, like /health.
        using var alive = await http.GetAsync(new Uri("/alive", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Services_get_the_dev_config_and_the_relay_its_listeners()
    {
        string devConfig = Path.GetFullPath(Path.Combine(FindRepository(), "dev", "config"));

        foreach (string service in AppHostFixture.Services)
        {
            var environment = await EnvironmentOfAsync(service);
            Assert.Equal(devConfig, environment["MAILAPPLIANCE_CONFIG"]);
            Assert.Equal(fixture.StateDirectory, environment["MAILAPPLIANCE_STATE"]);
        }

        var relayEnvironment = await EnvironmentOfAsync("smtprelay");
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var relay = model.Resources.OfType<ProjectResource>().Single(r => r.Name == "smtprelay");
        foreach (var (name, port) in new[] { ("mx", fixture.MxPort), ("submission", fixture.SubmissionPort), ("submissions", fixture.SubmissionsPort) })
        {
            Assert.Equal(port.ToString(CultureInfo.InvariantCulture), relayEnvironment[$"Smtp__Listeners__{name}__Port"]);
            Assert.Equal("127.0.0.1, ::1", relayEnvironment[$"Smtp__Listeners__{name}__Addresses"]);

            // Not proxied: the endpoint Aspire reports is the port the relay binds, so clients keep their address.
            var endpoint = relay.GetEndpoint(name);
            Assert.False(endpoint.EndpointAnnotation.IsProxied);
            Assert.Equal(port, endpoint.Port);
        }
    }

    [Fact]
    public async Task Mx_accepts_mail_from_outside_for_the_catch_all()
    {
        using var timeout = new CancellationTokenSource(DialogTimeout);
        var ct = timeout.Token;
        var endpoint = fixture.App.GetEndpoint("smtprelay", "mx");
        Assert.Equal(fixture.MxPort, endpoint.Port);

        await using var smtp = await SmtpDialog.ConnectAsync(endpoint.Host, endpoint.Port, ct);

        var greeting = await smtp.ReadReplyAsync(ct);
        Assert.True(greeting.Code == 220, smtp.Transcript);

        var ehlo = await smtp.CommandAsync("EHLO client.outside.test", ct);
        Assert.True(ehlo.Code == 250, smtp.Transcript);
        // DESIGN.md §3 puts an enhanced status code on every reply; RFC 2034 §3 then requires the keyword.
        Assert.True(ehlo.Lines.Skip(1).Any(l => l.Equals("ENHANCEDSTATUSCODES", StringComparison.OrdinalIgnoreCase)), smtp.Transcript);

        AssertPositive(await smtp.CommandAsync("MAIL FROM:<someone@outside.test>", ct), 250, smtp);
        // No user "anything" and no such alias: the catch-all "*" in dev/config/domains/example.test/aliases takes it.
        AssertPositive(await smtp.CommandAsync("RCPT TO:<anything@example.test>", ct), 250, smtp);

        var data = await smtp.CommandAsync("DATA", ct);
        Assert.True(data.Code == 354, smtp.Transcript);
        string date = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        AssertPositive(await smtp.SendDataAsync(
        [
            "From: Someone <someone@outside.test>",
            "To: <anything@example.test>",
            "Subject: AppHost test",
            "Date: " + date,
            $"Message-ID: <{Guid.NewGuid():N}@outside.test>",
            "",
            "Delivered through the mx endpoint by the AppHost test.",
            ".A line that starts with a dot, to be dot-stuffed.",
        ], ct), 250, smtp);

        AssertPositive(await smtp.CommandAsync("QUIT", ct), 221, smtp);
    }

    /// <summary>The expected code, with an RFC 3463 enhanced status code of the same class in front of the text.</summary>
    private static void AssertPositive(SmtpReply reply, int expectedCode, SmtpDialog smtp)
    {
        Assert.True(reply.Code == expectedCode, smtp.Transcript);
        var match = EnhancedStatusCode().Match(reply.LastLine);
        Assert.True(match.Success && match.Groups[1].Value == (expectedCode / 100).ToString(CultureInfo.InvariantCulture), smtp.Transcript);
    }

    // RFC 3463 §2: class "." subject "." detail; subject and detail up to three digits.
    [GeneratedRegex(@"^([245])\.\d{1,3}\.\d{1,3}( |$)")]
    private static partial Regex EnhancedStatusCode();

    /// <summary>The environment the service's process was started with, as DCP reports it.</summary>
    private async Task<IReadOnlyDictionary<string, string?>> EnvironmentOfAsync(string service)
    {
        using var timeout = new CancellationTokenSource(DialogTimeout);
        var running = await fixture.App.ResourceNotifications.WaitForResourceAsync(
            service, e => !e.Snapshot.EnvironmentVariables.IsDefaultOrEmpty, timeout.Token);
        return running.Snapshot.EnvironmentVariables.ToDictionary(v => v.Name, v => v.Value);
    }

    private static string FindRepository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MailAppliance.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MailAppliance.sln not found above " + AppContext.BaseDirectory);
    }
}
