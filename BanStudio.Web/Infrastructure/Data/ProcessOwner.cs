using System.Diagnostics;
using System.Globalization;

namespace BanStudio.Web.Infrastructure.Data;

/// <summary>
/// Names the process that trains an experiment ("PID@START", the start time telling a reused id apart), so
/// the app starting up can tell an experiment the CLI's <c>run</c> is training right now from one a dead
/// process left "running".
/// </summary>
public static class ProcessOwner
{
    public static readonly string Current = Of(Process.GetCurrentProcess());

    static string Of(Process p) => string.Create(CultureInfo.InvariantCulture, $"{p.Id}@{p.StartTime.ToUniversalTime().Ticks}");

    public static bool IsAlive(string? owner)
    {
        if (owner is null || owner.Split('@') is not [var pid, _] || !int.TryParse(pid, CultureInfo.InvariantCulture, out int id)) return false;
        try
        {
            using var process = Process.GetProcessById(id);
            return !process.HasExited && Of(process) == owner;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // no such process, or one we may not look at (then not ours)
        }
    }
}
