using System.Runtime.InteropServices;

namespace Dashboard.Server.Storage;

/// <summary>
/// Facts about the data directory's file system that SQLite's own errors do not always tell: a read-only mount
/// shows up as "unable to open database file" when the WAL index cannot be made, for instance.
/// </summary>
internal static partial class FileSystemProbe
{
    private const int WriteOk = 2;
    private const int Erofs = 30;

    /// <summary>Whether <paramref name="folder"/> is on a file system mounted read-only (access(2) gives EROFS, root or not).</summary>
    public static bool IsReadOnlyMount(string folder) =>
        access(folder, WriteOk) != 0 && Marshal.GetLastPInvokeError() == Erofs;

    /// <summary>Whether the file system holding <paramref name="folder"/> has (almost) no room left for an unprivileged write.</summary>
    public static bool IsFull(string folder)
    {
        try
        {
            return new DriveInfo(folder).AvailableFreeSpace < 64 * 1024;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string path, int mode);
}
