using Microsoft.Data.Sqlite;

namespace Dashboard.Server.Storage;

/// <summary>Why the database cannot be used.</summary>
public enum StorageFault
{
    /// <summary>The file or its folder cannot be written (read-only mount, permissions).</summary>
    ReadOnly,

    /// <summary>The disk is full.</summary>
    Full,

    /// <summary>Another process holds the write lock longer than the busy timeout.</summary>
    Locked,

    /// <summary>The file is damaged or is not a SQLite database.</summary>
    Corrupt,

    /// <summary>The file was written by a newer release (a schema version this one does not know).</summary>
    NewerSchema,

    /// <summary>The file or its folder cannot be opened or made.</summary>
    CannotOpen,

    /// <summary>Anything else SQLite or the file system refused.</summary>
    Other,
}

/// <summary>
/// The database cannot serve this request: the API answers 503 with <see cref="Exception.Message"/> (a sentence
/// naming the cause, safe to show: no path, no SQL), and <c>/healthz</c> lists it until the cause goes away.
/// </summary>
public sealed class StorageUnavailableException(StorageFault fault, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public StorageFault Fault { get; } = fault;

    /// <summary>Faults that stop writes only: reading still works, so a successful read does not clear them.</summary>
    public static bool IsWriteOnly(StorageFault fault) => fault is StorageFault.ReadOnly or StorageFault.Full or StorageFault.Locked;

    private const string Consequence = "Snapshots and stored diagnoses are unavailable until it is fixed; the live view is not affected.";

    /// <summary>Names the cause of a SQLite or file-system error in words an operator can act on.</summary>
    public static StorageUnavailableException From(Exception e) => e switch
    {
        StorageUnavailableException already => already,
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
        {
            8 => new(StorageFault.ReadOnly, $"The database is read-only: {sqlite.Message.TrimEnd('.')}. Make the data directory writable again. {Consequence}", e),
            13 => new(StorageFault.Full, $"The disk holding the database is full: {sqlite.Message.TrimEnd('.')}. Free some space in the data directory's file system. {Consequence}", e),
            5 or 6 => new(StorageFault.Locked, $"The database is locked by another process: {sqlite.Message.TrimEnd('.')}. Stop whatever holds a transaction open on dashboard.db (a sqlite3 shell, a backup). {Consequence}", e),
            11 or 26 => new(StorageFault.Corrupt, $"The database file is corrupt or not a SQLite database: {sqlite.Message.TrimEnd('.')}. Move dashboard.db away (a new one is made) or restore it from a backup. {Consequence}", e),
            14 => new(StorageFault.CannotOpen, $"The database file cannot be opened: {sqlite.Message.TrimEnd('.')}. Check that the data directory exists and is writable. {Consequence}", e),
            10 when IsReadOnlyFileSystem(sqlite) => new(StorageFault.ReadOnly, $"The database is read-only: the file system is mounted read-only. Make the data directory writable again. {Consequence}", e),
            10 => new(StorageFault.Other, $"The database hit a disk I/O error: {sqlite.Message.TrimEnd('.')}. Check the data directory's file system (read-only, full, failing). {Consequence}", e),
            _ => new(StorageFault.Other, $"The database cannot be used: {sqlite.Message.TrimEnd('.')}. {Consequence}", e),
        },
        UnauthorizedAccessException => new(StorageFault.ReadOnly, $"The data directory cannot be written: permission denied. {Consequence}", e),
        IOException io when io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) =>
            new(StorageFault.ReadOnly, $"The database is read-only: the data directory is on a read-only file system. Make it writable again. {Consequence}", e),
        IOException io when io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) =>
            new(StorageFault.Full, $"The disk holding the database is full: no space left on the device. Free some space in the data directory's file system. {Consequence}", e),
        IOException => new(StorageFault.CannotOpen, $"The database file cannot be made or opened: {StripPaths(e.Message)}. {Consequence}", e),
        _ => new(StorageFault.Other, $"The database cannot be used: {StripPaths(e.Message)}. {Consequence}", e),
    };

    /// <summary>
    /// <see cref="From(Exception)"/>, and when SQLite's words are vague (cannot open, I/O error), what the data
    /// directory's file system says: mounted read-only, or full.
    /// </summary>
    public static StorageUnavailableException From(Exception e, string databasePath)
    {
        var error = From(e);
        if (error.Fault is not (StorageFault.CannotOpen or StorageFault.Other)) return error;
        var folder = System.IO.Path.GetDirectoryName(databasePath);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder)) return error;
        if (FileSystemProbe.IsReadOnlyMount(folder))
            return new(StorageFault.ReadOnly, $"The database is read-only: the data directory's file system is mounted read-only. Make it writable again. {Consequence}", e);
        if (FileSystemProbe.IsFull(folder))
            return new(StorageFault.Full, $"The disk holding the database is full: no space left in the data directory's file system. Free some space there. {Consequence}", e);
        return error;
    }

    /// <summary>An I/O error whose cause is a read-only mount (SQLite reports EROFS on an open descriptor as an I/O error).</summary>
    private static bool IsReadOnlyFileSystem(SqliteException e) =>
        e.Message.Contains("read-only", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("readonly", StringComparison.OrdinalIgnoreCase);

    /// <summary>.NET puts the path in quotes at the end of I/O messages; the answer does not need it (the log has it).</summary>
    private static string StripPaths(string message)
    {
        var quote = message.IndexOf(" : '", StringComparison.Ordinal);
        if (quote < 0) quote = message.IndexOf(" '/", StringComparison.Ordinal);
        return (quote < 0 ? message : message[..quote]).TrimEnd('.', ' ');
    }
}
