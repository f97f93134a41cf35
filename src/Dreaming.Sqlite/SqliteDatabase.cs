using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Where the store lives and how connections to it are opened, checked and explained when they fail.</summary>
internal sealed class SqliteDatabase
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

    private void CheckLocation()
    {
        if (FindLocationProblem() is { } problem)
        {
            throw new TraceStoreException($"Cannot open the trace store '{Location}': {problem}");
        }
    }

    /// <summary>Tells what makes an existing database file one no store can use, from its header alone (its first 100
    /// bytes, read without opening the database, so without a lock, a <c>-wal</c> file or a write): a text encoding other
    /// than UTF-8, or a schema version newer than this library's (or another application's <c>user_version</c>, which the
    /// header cannot tell apart: the message names both). The store's first use refuses such a file too; the options'
    /// validation at host start asks here, so the start fails instead.</summary>
    /// <returns>The message, or <see langword="null"/> when there is none, the database is not a file, the file does not
    /// exist yet or cannot be read, or its header is not a plain SQLite one (an encrypted file, one whose header SQLCipher
    /// left plain in part only, or not a database: the first use says what is wrong).</returns>
    /// <remarks>A file in write-ahead-log mode whose newest change is still in its <c>-wal</c> file (while a process using
    /// it runs) may hold an older version in its header: the check passes, and the first use refuses the file, as
    /// without the check.</remarks>
    public string? FindHeaderProblem()
    {
        if (_filePath is null || !File.Exists(_filePath))
        {
            return null;
        }

        Span<byte> header = stackalloc byte[100];
        try
        {
            using var file = new FileStream(_filePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            {
                return null;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // A plain header's bytes 72 to 91 are zero (reserved for expansion). SQLCipher's cipher_plaintext_header_size leaves
        // only the first bytes plain, "SQLite format 3" included, and encrypts the rest, so its encoding and user_version
        // fields are noise: such a header is left to the first use, as a wholly encrypted one is.
        if (!header[..16].SequenceEqual("SQLite format 3\0"u8) || header[72..92].ContainsAnyExcept((byte)0))
        {
            return null;
        }

        // The header's text encoding (offset 56: 1 UTF-8, 2 UTF-16le, 3 UTF-16be) and user_version (offset 60), big-endian.
        var encoding = BinaryPrimitives.ReadUInt32BigEndian(header[56..]);
        if (encoding is 2 or 3)
        {
            return EncodingProblem(encoding == 2 ? "UTF-16le" : "UTF-16be");
        }

        var version = BinaryPrimitives.ReadInt32BigEndian(header[60..]);
        return version > SqliteSchema.LatestVersion ? SqliteSchema.FindProblem(version, hasStoreTables: null, Location) : null;
    }

    // Why a database whose text encoding is not UTF-8 is refused, and the way out. A shared in-memory database cannot be
    // copied with the sqlite3 tool: what helps there is the host's own code.
    private string EncodingProblem(string? encoding) => _filePath is null
        ? $"Cannot open the trace store '{Location}': its text encoding is {encoding} (PRAGMA encoding, set by the connection that created this in-memory database), and Dreaming.Sqlite needs UTF-8 (it binds text as UTF-8, which a UTF-16 database reads back wrong). Give the stores an in-memory database of their own, or create this one without PRAGMA encoding (a new database is UTF-8 unless made otherwise)."
        : $"Cannot open the trace store '{Location}': its text encoding is {encoding} (PRAGMA encoding), and Dreaming.Sqlite needs a UTF-8 file (it binds text as UTF-8, which a UTF-16 file reads back wrong). Give the stores a file of their own, or copy this one into a new file, which is UTF-8 unless made otherwise (sqlite3 old.db .dump | sqlite3 new.db).";

    /// <summary>Tells what makes the database file impossible to open or create where it is named (a plain path or a
    /// <c>file:</c> URI): the path is a folder, its folder does not exist (the store creates the file, never its folder),
    /// or the file does not exist and the connection string opens an existing file only (<c>Mode=ReadOnly</c>,
    /// <c>Mode=ReadWrite</c>, a URI's <c>mode=ro</c> or <c>mode=rw</c>), or a URI's <c>mode=</c> is one SQLite does not
    /// know (it reads URI parameters case-sensitively, so <c>mode=RO</c> fails to open while <c>MODE=ro</c> is ignored).</summary>
    /// <returns>The problem, as the end of a sentence, or <see langword="null"/> when there is none or the database is
    /// not a file.</returns>
    public string? FindLocationProblem()
    {
        if (_filePath is null)
        {
            return null;
        }

        if (_unknownUriMode is not null)
        {
            return $"the URI's mode={_unknownUriMode} is not an access mode SQLite knows, so SQLite refuses to open it. Write mode=ro, mode=rw or mode=rwc (SQLite reads URI parameters case-sensitively), or leave it out.";
        }

        // A file: URI names its file in the message; a plain path is the location itself.
        var file = IsFile ? "it" : $"its file '{_filePath}'";
        if (Directory.Exists(_filePath))
        {
            return $"{file} is a folder, not a file. Name a file in it instead.";
        }

        var folder = Path.GetDirectoryName(_filePath);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            return $"the folder '{folder}' does not exist. Create it first.";
        }

        return _openMode is not null && !File.Exists(_filePath)
            ? $"{(IsFile ? "the file" : file)} does not exist, and {_openMode} opens an existing file only (SQLite does not create it). Name an existing store, or leave {_openMode} out to have the store create the file."
            : null;
    }

    /// <summary>Reads the file a <c>file:</c> URI data source names (SQLite's URI form: <c>file:path</c>,
    /// <c>file:///path</c> or <c>file://localhost/path</c>, percent-encoded, with <c>?</c> parameters), and the setting that
    /// keeps SQLite from creating it; no file for an in-memory database (<c>mode=memory</c>, <c>:memory:</c>, an empty
    /// path, or SQLite's <c>vfs=memdb</c>, whose path only names the shared database), another authority, or a path that is
    /// not one; and a <c>mode=</c> value SQLite does not know.</summary>
    private static (string? Path, string? OpenMode, string? UnknownMode) ReadFileUri(SqliteConnectionStringBuilder builder)
    {
        var source = builder.DataSource;
        if (builder.Mode == SqliteOpenMode.Memory || !source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null, null);
        }

        var rest = source["file:".Length..];
        var fragment = rest.IndexOf('#', StringComparison.Ordinal);
        rest = fragment < 0 ? rest : rest[..fragment];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = queryStart < 0 ? [] : rest[(queryStart + 1)..].Split('&');
        var path = queryStart < 0 ? rest : rest[..queryStart];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = path.IndexOf('/', 2);
            var authority = slash < 0 ? path[2..] : path[2..slash];
            if (authority.Length > 0 && !string.Equals(authority, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                return (null, null, null);
            }

            path = slash < 0 ? string.Empty : path[slash..];
        }

        // SQLite reads the parameters' names and values case-sensitively: MODE=ro is ignored (the file is created),
        // mode=RO fails to open (no such access mode), so only mode=ro and mode=rw open an existing file only.
        var mode = GetUriParameter(query, "mode");
        // file:/name?vfs=memdb is an in-memory database shared by name: no file, no folder (VFS=memdb is ignored,
        // vfs=MEMDB fails to open).
        var memdb = GetUriParameter(query, "vfs") == "memdb";

        path = Uri.UnescapeDataString(path);
        if (OperatingSystem.IsWindows() && path.Length >= 3 && path[0] == '/' && path[2] == ':')
        {
            path = path[1..]; // file:///C:/data/dreaming.db names C:/data/dreaming.db
        }

        if (memdb || path.Length == 0 || path == ":memory:" || mode == "memory" || path.Contains('\0', StringComparison.Ordinal))
        {
            return (null, null, null);
        }

        var openMode = builder.Mode is SqliteOpenMode.ReadOnly or SqliteOpenMode.ReadWrite ? $"Mode={builder.Mode}"
            : mode is "ro" or "rw" ? $"the URI's mode={mode}"
            : null;
        var unknownMode = mode is null or "ro" or "rw" or "rwc" ? null : mode;
        return (Path.GetFullPath(path), openMode, unknownMode);
    }

    /// <summary>Reads a <c>file:</c> URI's parameter as SQLite does: the name and the value percent-decoded and compared
    /// case-sensitively, the last occurrence winning.</summary>
    /// <returns>The value, or <see langword="null"/> when the URI has no such parameter.</returns>
    internal static string? GetUriParameter(IReadOnlyList<string> query, string name)
    {
        string? value = null;
        foreach (var parameter in query)
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var parameterName = equals < 0 ? parameter : parameter[..equals];
            if (string.Equals(Uri.UnescapeDataString(parameterName), name, StringComparison.Ordinal))
            {
                value = equals < 0 ? string.Empty : Uri.UnescapeDataString(parameter[(equals + 1)..]);
            }
        }

        return value;
    }
}
