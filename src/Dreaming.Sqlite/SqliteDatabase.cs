using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Where the store lives and how connections to it are opened, checked and explained when they fail.</summary>
internal sealed partial class SqliteDatabase
{
    /// <summary>SQLite's <c>PRAGMA auto_vacuum</c> value for incremental auto-vacuum.</summary>
    internal const long IncrementalAutoVacuum = 2;

    private const string DataDirectoryMacro = "|DataDirectory|";

    private readonly string _readerConnectionString;
    private readonly string _writerConnectionString;
    private readonly string _connectionPragmas;
    private readonly TimeSpan _busyTimeout;

    // The file the database lives in (a plain path, or the path of a file: URI), null for an in-memory database; and the
    // setting that keeps SQLite from creating it (Mode=ReadOnly, Mode=ReadWrite, a URI's mode=ro or mode=rw), if any.
    private readonly string? _filePath;
    private readonly string? _openMode;

    // A file: URI's mode= value SQLite does not know (it reads ro, rw, rwc and memory case-sensitively), so it refuses
    // to open the database whatever the file; null when there is none.
    private readonly string? _unknownUriMode;

    // The busy timeout a reader is given when it is opened (OpenReader), at most int.MaxValue (the options' validation).
    private readonly int _busyMilliseconds;

    public SqliteDatabase(SqliteTraceStoreOptions options)
    {
        var builder = SqliteTraceStoreOptionsValidator.ToBuilder(options.ConnectionString);
        if (builder.DataSource.StartsWith(DataDirectoryMacro, StringComparison.OrdinalIgnoreCase))
        {
            // Expanded here, as Microsoft.Data.Sqlite would, because the path is made absolute below.
            var dataDirectory = AppDomain.CurrentDomain.GetData("DataDirectory") as string ?? AppContext.BaseDirectory;
            builder.DataSource = Path.Combine(dataDirectory, builder.DataSource[DataDirectoryMacro.Length..].TrimStart('/', '\\'));
        }

        IsFile = builder.Mode != SqliteOpenMode.Memory
            && !string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal)
            && !builder.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        if (IsFile)
        {
            // A full path keeps every connection on the same file even if the current directory changes.
            builder.DataSource = Path.GetFullPath(builder.DataSource);
        }

        Location = builder.DataSource;
        (_filePath, _openMode, _unknownUriMode) = IsFile
            ? (Location, builder.Mode is SqliteOpenMode.ReadOnly or SqliteOpenMode.ReadWrite ? $"Mode={builder.Mode}" : null, null)
            : ReadFileUri(builder);
        _busyTimeout = options.BusyTimeout;

        // Microsoft.Data.Sqlite retries busy commands until its own timeout (whole seconds, 0 meaning forever), so it is
        // kept in step with busy_timeout, which covers the waiting inside SQLite itself.
        builder.DefaultTimeout = (int)Math.Max(1, Math.Ceiling(options.BusyTimeout.TotalSeconds));
        _readerConnectionString = builder.ToString();

        // The writer lives as long as the store; keeping it out of the pool lets Dispose really close the file.
        builder.Pooling = false;
        _writerConnectionString = builder.ToString();

        _busyMilliseconds = (int)options.BusyTimeout.TotalMilliseconds;
        var busyMilliseconds = _busyMilliseconds.ToString(CultureInfo.InvariantCulture);
        var synchronous = options.Synchronous == SqliteSynchronousMode.Full ? "FULL" : "NORMAL";
        _connectionPragmas = $"PRAGMA busy_timeout = {busyMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous};";
    }

    /// <summary>Gets the full path of the database file, or the data source when it is not a file.</summary>
    public string Location { get; }

    /// <summary>Gets a value indicating whether the database is a file (not an in-memory database).</summary>
    public bool IsFile { get; }

    /// <summary>Opens the connection all writes go through, creating or migrating the schema. A file already at the
    /// current schema with every ensured index (and in write-ahead-log mode) is only read, so opening it does not wait for
    /// another process's write; a new or older file, or one lacking an ensured index, is migrated in an immediate
    /// transaction, which does.</summary>
    /// <returns>The open connection.</returns>
    /// <exception cref="TraceStoreException">The database cannot be opened or is not a store this library can use.</exception>
    public SqliteConnection OpenWriter()
    {
        CheckLocation();
        var connection = new SqliteConnection(_writerConnectionString);
        try
        {
            connection.Open();
            Execute(connection, _connectionPragmas);

            // Only reads happen until the file is known to be a store of a version this library can migrate, so a file
            // that is not one is left exactly as it was. They take no write lock, so a file already at the current
            // schema opens while another process writes (an import holding the lock for seconds).
            var state = SqliteSchema.Read(connection);
            if (SqliteSchema.FindProblem(state.Version, state.HasStoreTables, Location) is { } problem)
            {
                throw new TraceStoreException(problem);
            }

            // A string holding a NUL is bound as its UTF-8 bytes cast AS TEXT (SqliteRows.Text), which a file whose text is
            // UTF-16 (PRAGMA encoding set before its first table, by a host that made the file) reads as UTF-16: a task of 705
            // characters, "é\0日本 x…", came back as 355 other ones ("\uA9C3\uE600…"). Such a file is refused before anything
            // is written to it.
            var encoding = Convert.ToString(ExecuteScalar(connection, "PRAGMA encoding;"), CultureInfo.InvariantCulture);
            if (!string.Equals(encoding, "UTF-8", StringComparison.OrdinalIgnoreCase))
            {
                throw new TraceStoreException(EncodingProblem(encoding));
            }

            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw new TraceStoreException($"Cannot open the trace store '{Location}': the file is read-only (read-only mode or no write permission). Dreaming.Sqlite needs write access to the file and its folder.");
            }

            // A new file is given incremental auto-vacuum, so that a purge can give its pages back to the file system. It
            // has to be chosen before the first page is written (the switch to write-ahead logging below writes it); on a
            // file that has pages already (an older store, or unrelated tables) SQLite ignores it, and nothing changes.
            if (state.Version == 0 && !state.HasStoreTables)
            {
                Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL;");
            }

            // On a file already in write-ahead-log mode this changes nothing and takes no write lock (SQLite writes the
            // header only when it differs), so it does not wait for another process's write either.
            var journalMode = Convert.ToString(ExecuteScalar(connection, "PRAGMA journal_mode = WAL;"), CultureInfo.InvariantCulture);
            if (IsFile && !string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new TraceStoreException($"Cannot open the trace store '{Location}': SQLite could not switch it to write-ahead logging (the journal mode is '{journalMode}').");
            }

            // A file of the current schema with every ensured index needs nothing written, so the immediate transaction
            // (which waits for the write lock) is skipped; otherwise it reads the state again under the lock.
            if (!state.IsCurrent)
            {
                SqliteSchema.Migrate(connection, Location);
            }

            return connection;
        }
        catch (SqliteException exception)
        {
            connection.Dispose();
            throw Explain(exception, "Cannot open");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the idle pooled reader connections to the file (those in use close when they are returned), so
    /// that once every store on it is disposed nothing holds the file, its <c>-wal</c> or its <c>-shm</c> open.</summary>
    public void CloseReaders()
    {
        using var connection = new SqliteConnection(_readerConnectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Opens a (pooled) connection for reading.</summary>
    /// <returns>The open connection.</returns>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_readerConnectionString);
        try
        {
            connection.Open();

            // A reader only reads, so of the connection pragmas only the busy timeout matters to it (foreign keys and
            // synchronous apply to writes), and it is set through the C API, which runs no statement: the pragmas'
            // statement, run at each open of a pooled connection, took about a fifth of a session read.
            SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, _busyMilliseconds), connection.Handle);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Turns a SQLite error into a <see cref="TraceStoreException"/> that names the file and the problem.</summary>
    /// <param name="exception">The SQLite error.</param>
    /// <param name="action">What failed, such as <c>Cannot open</c> or <c>Cannot write to</c>.</param>
    /// <returns>The exception to throw.</returns>
    public TraceStoreException Explain(SqliteException exception, string action)
    {
        var problem = exception.SqliteErrorCode switch
        {
            SQLitePCL.raw.SQLITE_NOTADB => "the file is not a SQLite database (file is not a database). Point the connection string at a Dreaming store or at a new file.",
            SQLitePCL.raw.SQLITE_CORRUPT => "the database file is corrupt.",
            SQLitePCL.raw.SQLITE_READONLY => "the file or its folder is read-only. Dreaming.Sqlite needs write access to the file and its folder.",
            SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED => $"the database is locked by another connection or process (waited {_busyTimeout}).",
            SQLitePCL.raw.SQLITE_FULL => "the disk is full.",
            SQLitePCL.raw.SQLITE_CANTOPEN when IsFile && File.Exists(Location) => "the file cannot be opened; check its permissions.",
            SQLitePCL.raw.SQLITE_CANTOPEN when IsFile => $"the file cannot be created; check that the folder '{Path.GetDirectoryName(Location)}' is writable.",
            _ => "SQLite reported an error.",
        };
        return new TraceStoreException($"{action} the trace store '{Location}': {problem} ({exception.Message})", exception);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? ExecuteScalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
