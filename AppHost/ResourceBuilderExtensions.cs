namespace MailAppliance.AppHost;

/// <summary>The two pieces of wiring the services need beyond Aspire's own.</summary>
internal static class ResourceBuilderExtensions
{
    /// <summary>
    /// Passes the config and state directories the way every service resolves them
    /// (<c>MailAppliance.Core.ApplianceDirectories</c>: <c>MAILAPPLIANCE_CONFIG</c>, <c>MAILAPPLIANCE_STATE</c>).
    /// </summary>
    /// <remarks>Also <c>Dns__Servers</c> when <see cref="ApplianceSettings.DnsServers"/> is set.</remarks>
    public static IResourceBuilder<ProjectResource> WithApplianceDirectories(
        this IResourceBuilder<ProjectResource> project, ApplianceSettings appliance)
    {
        project
            .WithEnvironment("MAILAPPLIANCE_CONFIG", appliance.ConfigDirectory)
            .WithEnvironment("MAILAPPLIANCE_STATE", appliance.StateDirectory);
        return string.IsNullOrWhiteSpace(appliance.DnsServers) ? project : project.WithEnvironment("Dns__Servers", appliance.DnsServers);
    }

    /// <summary>
    /// Declares one of the relay's SMTP listeners as a non-proxied TCP endpoint named <paramref name="name"/>, and
    /// hands the relay its port and addresses as <c>Smtp__Listeners__&lt;name&gt;__Port</c> and
    /// <c>Smtp__Listeners__&lt;name&gt;__Addresses</c>, which override the same listener in <c>appliance.json</c>.
    /// </summary>
    /// <remarks>
    /// Not proxied: DCP's proxy would make every client appear to come from 127.0.0.1, which breaks SPF, the
    /// per-IP connection limit and the Received header. The relay binds the port itself; Aspire only records
    /// the endpoint (dashboard, <c>GetEndpoint</c> in tests). The listener's mode (Mx, Submission, ImplicitTls)
    /// stays in <c>appliance.json</c>.
    /// </remarks>
    public static IResourceBuilder<ProjectResource> WithSmtpListener(
        this IResourceBuilder<ProjectResource> relay, string name, int port, string addresses) =>
        relay
            .WithEndpoint(
                port: port,
                targetPort: port,
                scheme: "tcp",
                name: name,
                env: $"Smtp__Listeners__{name}__Port",
                isProxied: false)
            .WithEnvironment($"Smtp__Listeners__{name}__Addresses", addresses);
}
