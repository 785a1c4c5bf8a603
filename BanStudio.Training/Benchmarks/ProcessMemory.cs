namespace BanStudio.Training.Benchmarks;

/// <summary>The process's resident memory as the kernel counts it (native libtorch buffers included).</summary>
public static class ProcessMemory
{
    /// <summary>Resident set size now, in bytes (VmRSS); 0 where /proc is missing.</summary>
    public static long Resident() => Read("VmRSS:");

    /// <summary>Peak resident set size since the process started, in bytes (VmHWM); 0 where /proc is missing.</summary>
    public static long PeakResident() => Read("VmHWM:");

    static long Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]) * 1024; // reported in kB
        return 0;
    }

    public static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):0} MiB";
}
