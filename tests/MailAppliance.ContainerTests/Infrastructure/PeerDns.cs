using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>
/// The peer domain's DNS: a private bind9 (<c>named -g</c>) on a free 127.0.0.1 port, authoritative for one zone
/// whose MX points at 127.0.0.1. The relay in its container (host network) resolves through it, so no query
/// leaves the machine.
/// </summary>
public sealed class PeerDns : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _named;

    private PeerDns(string root, string zone)
    {
        Root = root;
        Zone = zone;
        Port = LoopbackPorts.Free();
    }

    /// <summary>The zone served.</summary>
    public string Zone { get; }

    /// <summary>Its directory (config and zone file).</summary>
    public string Root { get; }

    /// <summary>The port on 127.0.0.1 (UDP and TCP).</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, the form of <c>Dns:Servers</c>.</summary>
    public string Server => $"127.0.0.1:{Port}";

    /// <summary>What named printed.</summary>
    public string Log
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts named for <paramref name="zone"/> with <paramref name="records"/>; returns once it answers.</summary>
    public static async Task<PeerDns> StartAsync(string root, string zone, string records)
    {
        Directory.CreateDirectory(root);
        var dns = new PeerDns(root, zone);
        try
        {
            await dns.StartCoreAsync(records);
            return dns;
        }
        catch
        {
            await dns.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(string records)
    {
        await File.WriteAllTextAsync(Path.Combine(Root, "named.conf"), $$"""
            options {
                directory "{{Root}}";
                pid-file "{{Root}}/named.pid";
                session-keyfile "{{Root}}/session.key";
                managed-keys-directory "{{Root}}";
                listen-on port {{Port}} { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                allow-query { any; };
                dnssec-validation no;
                notify no;
            };
            controls { };
            zone "{{Zone}}" { type primary; file "{{Root}}/{{Zone}}.zone"; };

            """);
        await File.WriteAllTextAsync(Path.Combine(Root, Zone + ".zone"), string.Create(CultureInfo.InvariantCulture, $"""
            $ORIGIN {Zone}.
            $TTL 60
            @ IN SOA ns.{Zone}. hostmaster.{Zone}. 1 60 60 3600 60
            @ IN NS ns.{Zone}.
            ns IN A 127.0.0.1
            {records}

            """));
        var info = new ProcessStartInfo("/usr/sbin/named") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["-g", "-c", Path.Combine(Root, "named.conf")])
        {
            info.ArgumentList.Add(argument);
        }

        _named = new Process { StartInfo = info };
        _named.OutputDataReceived += (_, e) => Append(e.Data);
        _named.ErrorDataReceived += (_, e) => Append(e.Data);
        _named.Start();
        _named.BeginOutputReadLine();
        _named.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_named.HasExited)
            {
                throw new InvalidOperationException($"named exited with {_named.ExitCode}:\n{Log}");
            }

            var dig = await Shell.RunAsync("dig", ["@127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "+short", "+tcp", "SOA", Zone]);
            if (dig.StdOut.Contains($"hostmaster.{Zone}.", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"named did not serve {Zone}:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_named is { HasExited: false } named)
        {
            named.Kill();
            await named.WaitForExitAsync();
        }

        _named?.Dispose();
    }
}
