using System.Buffers.Binary;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>What makes a database file one no store can use, told before a connection opens it: where it is named (a plain
/// path or a <c>file:</c> URI, read as SQLite reads it) and what its header says.</summary>
internal sealed partial class SqliteDatabase
{
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
