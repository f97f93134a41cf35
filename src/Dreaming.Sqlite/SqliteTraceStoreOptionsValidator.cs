using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Dreaming.Sqlite;

/// <summary>Checks <see cref="SqliteTraceStoreOptions"/>; every message names the setting at fault.</summary>
internal sealed class SqliteTraceStoreOptionsValidator : IValidateOptions<SqliteTraceStoreOptions>
{
    /// <summary>The largest busy timeout SQLite accepts (<c>PRAGMA busy_timeout</c> takes a 32-bit count of milliseconds).</summary>
    public static readonly TimeSpan MaxBusyTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    public ValidateOptionsResult Validate(string? name, SqliteTraceStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = GetFailures(options);

        // At host start (ValidateOnStart) the file's place is checked too, so that a missing folder fails the start
        // instead of the first write, which the background writer makes after the session's caller has moved on; and so is
        // the header of a file that exists (UTF-16, or migrated by a newer build), read without opening the database. A
        // store built directly still checks them on first use only, and retries then.
        if (failures.Count == 0 && new SqliteDatabase(options) is var database)
        {
            if (database.FindLocationProblem() is { } problem)
            {
                failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.ConnectionString)} names the trace store '{database.Location}', which cannot be opened: {problem}");
            }
            else if (database.FindHeaderProblem() is { } header)
            {
                failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.ConnectionString)}: {header}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> GetFailures(SqliteTraceStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.ConnectionString)} is required: give a connection string such as '{SqliteTraceStoreOptions.DefaultConnectionString}' or a file path.");
        }
        else
        {
            try
            {
                var builder = ToBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.DataSource))
                {
                    failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.ConnectionString)} has no Data Source: name the database file, as in '{SqliteTraceStoreOptions.DefaultConnectionString}'.");
                }
                else if (IsPrivateMemory(builder))
                {
                    // A password (of an encrypted database) is not repeated in the message.
                    var shown = builder.Password.Length == 0 ? options.ConnectionString : new SqliteConnectionStringBuilder(builder.ConnectionString) { Password = "***" }.ConnectionString;
                    failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.ConnectionString)} '{shown}' is an in-memory database private to each connection, so reads would see an empty database: use {nameof(InMemoryTraceStore)} and the other in-memory stores, a file, or a named shared in-memory database such as 'Data Source=traces;Mode=Memory;Cache=Shared'.");
                }
            }
            catch (ArgumentException exception)
            {
                failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.ConnectionString)} is not a valid SQLite connection string: {exception.Message}");
            }
        }

        if (!Enum.IsDefined(options.Synchronous))
        {
            failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.Synchronous)} must be {SqliteSynchronousMode.Normal} or {SqliteSynchronousMode.Full}, not {(int)options.Synchronous}.");
        }

        if (options.BusyTimeout < TimeSpan.Zero || options.BusyTimeout > MaxBusyTimeout)
        {
            failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.BusyTimeout)} must be between 0 and {MaxBusyTimeout}, not {options.BusyTimeout}.");
        }

        return failures;
    }

    /// <summary>Tells whether the data source is an in-memory database that each connection opens afresh, empty: the
    /// store reads on other connections than it writes on.</summary>
    private static bool IsPrivateMemory(SqliteConnectionStringBuilder builder)
    {
        var source = builder.DataSource;
        var isUri = source.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        var queryStart = source.IndexOf('?', StringComparison.Ordinal);
        var path = !isUri ? source : queryStart < 0 ? source["file:".Length..] : source["file:".Length..queryStart];
        var query = isUri && queryStart >= 0 ? source[(queryStart + 1)..].Split('&') : [];
        var inMemory = builder.Mode == SqliteOpenMode.Memory
            || string.Equals(path, ":memory:", StringComparison.Ordinal)
            || SqliteDatabase.GetUriParameter(query, "mode") == "memory";
        // SQLite reads the URI's parameters case-sensitively (MODE=memory is ignored: a file), as the file check does.
        var shared = (builder.Cache == SqliteCacheMode.Shared && (isUri || builder.Mode == SqliteOpenMode.Memory))
            || SqliteDatabase.GetUriParameter(query, "cache") == "shared";
        return inMemory && !shared;
    }

    /// <summary>Parses the connection string, taking text without <c>=</c> as a file path.</summary>
    public static SqliteConnectionStringBuilder ToBuilder(string connectionString) =>
        connectionString.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(connectionString)
            : new SqliteConnectionStringBuilder { DataSource = connectionString.Trim() };
}
