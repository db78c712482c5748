using System.Net;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.DnsRecords;
using Microsoft.Extensions.Configuration;

namespace MailAppliance.DnsCheck;

/// <summary>Builds the <see cref="DnsCheckTarget"/> from the config directory and settings, as DnsVerifier and mailctl do.</summary>
public static class DnsCheckTargetLoader
{
    /// <summary>
    /// Reads <c>Hostname</c>, the public addresses (<paramref name="addresses"/>, else <c>Dns:PublicAddresses</c>, else
    /// the interfaces), the domains (<paramref name="domain"/>, else <c>DnsVerifier:Domains</c>, else every directory
    /// under <c>config/domains</c>) and each domain's DKIM keys.
    /// </summary>
    /// <exception cref="DnsCheckConfigurationException">A setting is missing or wrong; the message says which to set.</exception>
    /// <exception cref="ConfigurationFileException">A DKIM key file is broken; the message names it.</exception>
    public static DnsCheckTarget Load(
        ApplianceDirectories directories, IConfiguration configuration, DnsCheckOptions options, string? domain = null,
        IReadOnlyList<IPAddress>? addresses = null)
    {
        string hostName = configuration["Hostname"] is { Length: > 0 } configured
            ? configured.TrimEnd('.').ToLowerInvariant()
            : throw new DnsCheckConfigurationException(
                $"no Hostname in {directories.SettingsFile}: set it to the relay's public name (the MX target), e.g. \"Hostname\": \"mail.example.com\"");
        if (!DnsNames.IsHostName(hostName) || !hostName.Contains('.'))
        {
            throw new DnsCheckConfigurationException($"the Hostname setting '{hostName}' is not a fully qualified host name");
        }

        addresses ??= configuration[PublicAddresses.Setting] is { Length: > 0 } setting
            ? PublicAddresses.Parse(setting, PublicAddresses.Setting)
            : PublicAddresses.Discover();
        if (addresses.Count == 0)
        {
            throw new DnsCheckConfigurationException(
                $"no public address found on this machine's interfaces: set {PublicAddresses.Setting} to the addresses the internet sees (e.g. behind NAT)");
        }

        IReadOnlyList<string> domains = domain is not null ? [domain.TrimEnd('.').ToLowerInvariant()]
            : options.DomainList() is { Count: > 0 } listed ? listed
            : Directory.Exists(directories.Domains)
                ? Directory.EnumerateDirectories(directories.Domains).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
                : [];
        if (domains.Count == 0)
        {
            throw new DnsCheckConfigurationException($"no domain to check: {directories.Domains} has no domain directory (add one with mailctl user add)");
        }

        var targets = new List<DomainCheckTarget>();
        foreach (string name in domains)
        {
            if (!DnsNames.IsHostName(name) || !Directory.Exists(directories.Domain(name)))
            {
                throw new DnsCheckConfigurationException($"unknown domain {name}: there is no {directories.Domain(name)}");
            }

            var keys = DkimKeyDirectory.Load(DkimKeyDirectory.For(directories, name), name);
            try
            {
                targets.Add(new DomainCheckTarget(name, keys.Select(k => new DkimSelectorRecord(k.Selector, k.Record())).ToArray()));
            }
            finally
            {
                foreach (var key in keys)
                {
                    key.Dispose();
                }
            }
        }

        return new DnsCheckTarget(hostName, addresses.Distinct().ToArray(), targets);
    }
}
