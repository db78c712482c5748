using MailAppliance.Core;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>Runs only where systemd-analyze exists (Debian package <c>systemd</c>).</summary>
public sealed class SystemdAnalyzeFactAttribute : FactAttribute
{
    public SystemdAnalyzeFactAttribute()
    {
        if (!File.Exists(SystemdUnitTests.SystemdAnalyze))
        {
            Skip = SystemdUnitTests.SystemdAnalyze + " not found (Debian package systemd)";
        }
    }
}

/// <summary>
/// The units in deploy/systemd: systemd's own verifier accepts them without a warning, and they say what the
/// deployment promises (an unprivileged user, only CAP_NET_BIND_SERVICE where a port below 1024 is needed, a
/// read-only system, the directories the services read, the programs install.sh publishes).
/// </summary>
public sealed class SystemdUnitTests
{
    /// <summary>The verifier.</summary>
    public const string SystemdAnalyze = "/usr/bin/systemd-analyze";

    /// <summary>The three service units.</summary>
    public static readonly string[] Services =
        ["mailappliance-relay.service", "mailappliance-certmanager.service", "mailappliance-dnsverifier.service"];

    private static readonly string[] AllUnits = [.. Services, "mailappliance.target"];

    [SystemdAnalyzeFact]
    public async Task SystemdAnalyzeVerify_AcceptsEveryUnit_WithoutAnyWarning()
    {
        var result = await VerifyAsync(unit => File.ReadAllText(unit.Path));

        // Unknown or misspelled keys are only warnings for systemd ("Unknown key ..., ignoring"): any output fails.
        Assert.True(result.Succeeded && result.StdOut.Length == 0 && result.StdErr.Length == 0, result.ToString());
    }

    [SystemdAnalyzeFact]
    public async Task SystemdAnalyzeVerify_ReportsAMisspelledHardeningKey()
    {
        // The check above has teeth: a typo that would silently drop the read-only system is reported.
        var result = await VerifyAsync(unit => File.ReadAllText(unit.Path).Replace("ProtectSystem=", "ProtectSytem=", StringComparison.Ordinal));

        Assert.Contains("Unknown key 'ProtectSytem'", result.StdOut + result.StdErr, StringComparison.Ordinal);
    }

    [SystemdAnalyzeFact]
    public async Task SystemdAnalyzeSecurity_RatesEveryServiceAtMost3Point5()
    {
        // systemd's own exposure score (0 = locked down, 10 = unprotected; "OK" below 5). 3.5 leaves room for what
        // .NET needs (no MemoryDenyWriteExecute: the JIT) and what the service is (the network), and fails when
        // hardening is dropped. The units score 2.9 to 3.1 with systemd 252.
        foreach (string name in Services)
        {
            var result = await Command.RunAsync(SystemdAnalyze,
                ["security", "--offline=yes", "--threshold=35", "--no-pager", SystemdUnit.Load(name).Path]);
            Assert.True(result.Succeeded, result.ToString());
        }
    }

    [Fact]
    public void Services_RunAsTheInstalledUser_WithOnlyTheCapabilitiesTheyNeed()
    {
        var needsPortBelow1024 = new Dictionary<string, bool>
        {
            ["mailappliance-relay.service"] = true,        // 25, 465, 587
            ["mailappliance-certmanager.service"] = true,  // 80 for HTTP-01
            ["mailappliance-dnsverifier.service"] = false,
        };
        foreach (var (name, needsPort) in needsPortBelow1024)
        {
            var unit = SystemdUnit.Load(name);
            Assert.Equal(InstallLayout.User, unit.Service("User"));
            Assert.Equal(InstallLayout.User, unit.Service("Group"));
            string[] expected = needsPort ? ["CAP_NET_BIND_SERVICE"] : [];
            Assert.Equal(expected, unit.Capabilities("AmbientCapabilities").Order());
            Assert.Equal(expected, unit.Capabilities("CapabilityBoundingSet").Order());

            // An absent CapabilityBoundingSet= would mean "all": the key must be there even when empty.
            Assert.True(unit.Has("Service", "CapabilityBoundingSet"), $"{name}: no CapabilityBoundingSet=");
            Assert.Equal("yes", unit.Service("NoNewPrivileges"));
            Assert.Equal("strict", unit.Service("ProtectSystem"));
            Assert.Equal("yes", unit.Service("PrivateTmp"));
            Assert.Equal("yes", unit.Service("ProtectHome"));
            Assert.Equal("on-failure", unit.Service("Restart"));
        }
    }

    [Fact]
    public void Services_FindConfigInEtcAndStateInVarLib_ThroughTheVariablesTheServicesRead()
    {
        var directories = new ApplianceDirectories("/etc/mailappliance", "/var/lib/mailappliance");
        foreach (string name in Services)
        {
            var unit = SystemdUnit.Load(name);
            var environment = unit.Environment();
            Assert.Equal(directories.Config, environment[ApplianceDirectories.ConfigVariable]);
            Assert.Equal(directories.State, environment[ApplianceDirectories.StateVariable]);
            Assert.Equal(directories.State, unit.Service("WorkingDirectory"));

            var writable = unit.All("Service", "ReadWritePaths").SelectMany(v => v.Split(' ')).ToHashSet(StringComparer.Ordinal);
            Assert.Contains(directories.State, writable);

            // Only CertManager writes into the config directory, and only certs/ (where the relay reads them).
            Assert.Equal(name == "mailappliance-certmanager.service", writable.Contains(directories.Certs));
            Assert.DoesNotContain(directories.Config, writable);
        }
    }

    [Fact]
    public void EachServiceStarts_TheProgramInstallShPublishes()
    {
        var published = InstallLayout.Published();
        foreach (string name in Services)
        {
            var (program, arguments) = SystemdUnit.Load(name).ExecStart();
            Assert.StartsWith(InstallLayout.Prefix + "/", program, StringComparison.Ordinal);
            Assert.Empty(arguments); // The directories come from the environment, as for mailctl.

            // The build output of the same project exists under that assembly name (install.sh publishes it).
            Assert.True(File.Exists(InstallLayout.BuildOutputFor(program)), $"{name}: {program} is not a published program");
        }

        Assert.Contains("tools/MailCtl", published.Values);
    }

    [Fact]
    public void Relay_DoesNotRestartOnAConfigurationError()
    {
        // SmtpRelay exits 78 (EX_CONFIG) when it cannot start (services/SmtpRelay/Program.cs); restarting every 5 s
        // would only repeat the same error. RelayCapabilityTests sees that exit code from the real relay.
        Assert.Equal("78", SystemdUnit.Load("mailappliance-relay.service").Service("RestartPreventExitStatus"));
    }

    /// <summary>
    /// <c>systemd-analyze verify --root=DIR</c> on every unit (after <paramref name="edit"/>) installed in a root
    /// holding the system's own units (for targets the ours refer to) and an executable for every Exec program,
    /// since verify also checks that those exist.
    /// </summary>
    private static async Task<CommandResult> VerifyAsync(Func<SystemdUnit, string> edit)
    {
        var root = Directory.CreateTempSubdirectory("mailappliance-systemd-");
        try
        {
            string systemUnits = Path.Combine(root.FullName, "usr/lib/systemd/system");
            Directory.CreateDirectory(systemUnits);
            foreach (string file in Directory.EnumerateFiles("/usr/lib/systemd/system", "*.target"))
            {
                File.Copy(file, Path.Combine(systemUnits, Path.GetFileName(file)));
            }

            string etcUnits = Path.Combine(root.FullName, "etc/systemd/system");
            Directory.CreateDirectory(etcUnits);
            foreach (string name in AllUnits)
            {
                var unit = SystemdUnit.Load(name);
                await File.WriteAllTextAsync(Path.Combine(etcUnits, name), edit(unit));
                foreach (string program in unit.ExecPrograms())
                {
                    string stub = Path.Combine(root.FullName, program.TrimStart('/'));
                    Directory.CreateDirectory(Path.GetDirectoryName(stub)!);
                    await File.WriteAllTextAsync(stub, "#!/bin/sh\n");
                    File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            return await Command.RunAsync(SystemdAnalyze, ["verify", "--root=" + root.FullName, "--man=no", .. AllUnits]);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
