namespace Dreaming.Sqlite;

/// <summary>How hard SQLite works to make each write durable (<c>PRAGMA synchronous</c>).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// Syncs the write-ahead log at checkpoints only. A write survives a crash of the process as soon as it returns;
    /// an operating-system crash or power loss may lose the last writes, but never corrupts the file.
    /// </summary>
    Normal = 0,

    /// <summary>Syncs the write-ahead log on every commit, so writes also survive power loss, at the cost of slower writes.</summary>
    Full = 1,
}
