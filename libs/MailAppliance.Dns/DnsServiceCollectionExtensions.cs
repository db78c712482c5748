using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailAppliance.Dns;

/// <summary>Registers the resolver in a service collection.</summary>
public static class DnsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DnsOptions"/> to the <c>Dns</c> section and registers one shared <see cref="DnsClientResolver"/>
    /// as <see cref="IDnsResolver"/> (unless an <see cref="IDnsResolver"/> is already registered, e.g. a fake).
    /// </summary>
    public static IServiceCollection AddDnsResolver(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<DnsOptions>(configuration.GetSection(DnsOptions.Section));
        services.TryAddSingleton<IDnsResolver>(sp =>
            new DnsClientResolver(sp.GetRequiredService<IOptions<DnsOptions>>().Value, sp.GetService<ILogger<DnsClientResolver>>()));
        return services;
    }
}
