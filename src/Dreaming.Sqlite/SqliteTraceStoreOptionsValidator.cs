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
                if (string.IsNullOrWhiteSpace(ToBuilder(options.ConnectionString).DataSource))
                {
                    failures.Add($"{nameof(SqliteTraceStoreOptions)}.{nameof(SqliteTraceStoreOptions.ConnectionString)} has no Data Source: name the database file, as in '{SqliteTraceStoreOptions.DefaultConnectionString}'.");
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

    /// <summary>Parses the connection string, taking text without <c>=</c> as a file path.</summary>
    public static SqliteConnectionStringBuilder ToBuilder(string connectionString) =>
        connectionString.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(connectionString)
            : new SqliteConnectionStringBuilder { DataSource = connectionString.Trim() };
}
