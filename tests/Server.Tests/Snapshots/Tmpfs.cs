using Dashboard.Server.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace Dashboard.Server.Tests.Snapshots;

/// <summary>
/// A small tmpfs of its own, mounted on a new folder under /tmp ("ndt{pid}-tmpfs-…"), to make a data directory
/// read-only or full for real. Always unmounted on Dispose (lazily when something still holds it open).
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<bool> Swept = new(SweepStale);

    public Tmpfs(string size = "4m")
    {
        _ = Swept.Value;
        Path = Directory.CreateTempSubdirectory($"{TestNet.SuitePrefix}{Environment.ProcessId:x}-tmpfs-").FullName;
        Run.Ok("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "ndt-tmpfs", Path);
    }

    public string Path { get; }

    /// <summary>
    /// Remounts read-only. The kernel refuses while a file is open for writing, so idle pooled SQLite connections
    /// are closed first, and it is tried again for a while.
    /// </summary>
    public void ReadOnly() => Remount("ro");

    public void ReadWrite() => Remount("rw");

    private void Remount(string mode)
    {
        Run.Result last = null!;
        for (int i = 0; i < 50; i++)
        {
            SqliteConnection.ClearAllPools();
            last = Run.Try("mount", ["-o", $"remount,{mode}", Path]);
            if (last.ExitCode == 0) return;
            Thread.Sleep(100);
        }
        throw new InvalidOperationException($"mount -o remount,{mode} {Path} failed: {last.Stderr}");
    }

    /// <summary>Writes a file until the file system is full; returns its path.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        var chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk);
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true) stream.Write(chunk);
        }
        catch (IOException)
        {
            // Full. Smaller pieces fill what is left.
        }
        for (int size = 32 * 1024; size >= 512; size /= 2)
        {
            try
            {
                while (true) stream.Write(chunk, 0, size);
            }
            catch (IOException)
            {
            }
        }
        return filler;
    }

    /// <summary>Unmounts what killed test runs left: /tmp/ndt{pid}-tmpfs-… of a pid that is gone.</summary>
    private static bool SweepStale()
    {
        var pattern = new System.Text.RegularExpressions.Regex($"^/tmp/{TestNet.SuitePrefix}([0-9a-f]+)-tmpfs-[^/]+$");
        foreach (var line in File.ReadAllLines("/proc/self/mounts"))
        {
            var fields = line.Split(' ');
            if (fields.Length < 2 || pattern.Match(fields[1]) is not { Success: true } m) continue;
            var pid = Convert.ToInt32(m.Groups[1].Value, 16);
            if (Directory.Exists($"/proc/{pid}")) continue;
            Run.Try("umount", ["-l", fields[1]]);
            try { Directory.Delete(fields[1], recursive: true); }
            catch (IOException) { }
        }
        return true;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Run.Try("umount", [Path]).ExitCode != 0)
            Run.Try("umount", ["-l", Path]);
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
