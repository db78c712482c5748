namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>
/// What the container tests need on the machine: root (they start dockerd and bind host ports) and the Debian
/// packages docker.io, docker-compose and debootstrap (tests/run.sh installs them). In CI nothing is missing by
/// definition: there the tests run and fail if the engine cannot start.
/// </summary>
public static class ContainerPrerequisites
{
    /// <summary>The programs the tests and build scripts run.</summary>
    public static readonly IReadOnlyList<string> Programs = ["docker", "dockerd", "docker-compose", "debootstrap"];

    /// <summary>Why the tests cannot run here, or null when they can (always null in CI).</summary>
    public static string? Missing { get; } = Find();

    /// <summary>True when running under CI (CI=true), where skipping is not allowed.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string? Find()
    {
        if (InCi)
        {
            return null;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "container tests need root: they start dockerd and bind host ports";
        }

        var absent = Programs.Where(p => Shell.Which(p) is null).ToList();
        return absent.Count == 0
            ? null
            : $"{string.Join(", ", absent)} not installed (apt-get install docker.io docker-compose debootstrap, or bash tests/run.sh)";
    }
}

/// <summary>A test that runs only where <see cref="ContainerPrerequisites.Missing"/> is null, and says why otherwise.</summary>
public sealed class ContainerFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> to the missing prerequisite, if any.</summary>
    public ContainerFactAttribute()
    {
        if (ContainerPrerequisites.Missing is { } reason)
        {
            Skip = reason;
        }
    }
}
