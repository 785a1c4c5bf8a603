using System.Diagnostics;
using System.Globalization;

namespace BanStudio.Web.Infrastructure.Data;

/// <summary>
/// Names the process that trains an experiment ("PID@START", the start telling a reused id apart), so the app
/// starting up can tell an experiment the CLI's <c>run</c> is training right now from one a dead process left
/// "running". On Linux START is "j" and the process's start in clock ticks since boot (<c>/proc/PID/stat</c>, field
/// 22), which a change of the wall clock (an NTP step, a VM resumed) leaves alone; <see cref="Process.StartTime"/> is
/// derived from the wall clock there and moves with it, which would make a live CLI run look dead (interrupted, then
/// resumable by the app while it still trains). Elsewhere START is the start time's UTC ticks.
/// </summary>
public static class ProcessOwner
{
    public static readonly string Current = Of(Environment.ProcessId) ?? "0@0";

    /// <summary>The owner name of process <paramref name="pid"/>; null when there is no such process (or it may not be read).</summary>
    public static string? Of(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                // "PID (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return fields.Length > 19 ? string.Create(CultureInfo.InvariantCulture, $"{pid}@j{fields[19]}") : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : string.Create(CultureInfo.InvariantCulture, $"{pid}@{process.StartTime.ToUniversalTime().Ticks}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null; // no such process, or one we may not look at (then not ours)
        }
    }

    public static bool IsAlive(string? owner) =>
        owner is not null && owner.Split('@') is [var pid, _] && int.TryParse(pid, CultureInfo.InvariantCulture, out int id)
        && id > 0 && Of(id) == owner;
}
