using System.Diagnostics;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Who holds a claim on outbox messages: "machine/process id/instance", so that a gateway starting on
/// a machine can tell the claims of a process that is gone (crashed, killed) from those of one alive.
/// </summary>
public static class ClaimOwner
{
    public static string ForThisProcess() => $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public static string MachineOf(string owner) => owner.Split('/')[0];

    /// <summary>
    /// Whether the process behind <paramref name="owner"/> (same machine) still runs. The current
    /// process id with another instance is an earlier life of this process (a restarted container
    /// keeps its process id): gone.
    /// </summary>
    public static bool IsAlive(string owner, string currentOwner)
    {
        var parts = owner.Split('/');
        if (parts.Length < 3 || !int.TryParse(parts[1], out var pid))
            return false;
        if (pid == Environment.ProcessId)
            return owner == currentOwner;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
