using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Acme;

/// <summary>
/// A private bind9 (<c>named -g</c>) on a free 127.0.0.1 port, primary for one zone that accepts RFC 2136 updates
/// signed with one TSIG key (hmac-sha256). No control channel, no recursion.
/// </summary>
public sealed class BindServer : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _named;

    private BindServer(string zone)
    {
        Zone = zone;
        Root = Directory.CreateTempSubdirectory("mailappliance-named-").FullName;
        Port = PebbleServer.FreeUdpAndTcpPort();
        TsigSecret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>The zone served and updatable.</summary>
    public string Zone { get; }

    /// <summary>Its directory (config, zone file, journal).</summary>
    public string Root { get; }

    /// <summary>The port on 127.0.0.1 (UDP and TCP).</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Server => $"127.0.0.1:{Port}";

    /// <summary>The TSIG key name allowed to update.</summary>
    public string TsigKeyName => "acme-update";

    /// <summary>The key's secret, base64.</summary>
    public string TsigSecret { get; }

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

    /// <summary>Writes the config and zone and starts named; returns once it serves the zone.</summary>
    public static async Task<BindServer> StartAsync(string zone, string records)
    {
        var bind = new BindServer(zone);
        try
        {
            await bind.StartCoreAsync(records);
            return bind;
        }
        catch
        {
            await bind.DisposeAsync();
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
            key "{{TsigKeyName}}" { algorithm hmac-sha256; secret "{{TsigSecret}}"; };
            zone "{{Zone}}" {
                type primary;
                file "{{Root}}/{{Zone}}.zone";
                allow-update { key "{{TsigKeyName}}"; };
            };

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
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_named.HasExited)
            {
                throw new InvalidOperationException($"named exited with {_named.ExitCode}:\n{Log}");
            }

            if ((await DigAsync("SOA", Zone)).Contains($"hostmaster.{Zone}.", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("named did not serve " + Zone + ":\n" + Log);
    }

    /// <summary>The answer section of <c>dig +short TYPE NAME</c> against this server.</summary>
    public async Task<string> DigAsync(string type, string name)
    {
        var (_, stdout, _) = await Repo.RunAsync("dig", ["@127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "+short", "+tcp", type, name], timeout: TimeSpan.FromSeconds(10));
        return stdout.Trim();
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
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
