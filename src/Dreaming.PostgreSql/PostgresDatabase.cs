using System.Globalization;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>One database and schema the PostgreSQL stores share: the Npgsql data source (its connection pool) and the
/// migrations of each store's tables. Thread-safe.</summary>
/// <remarks>Each store keeps its own tables as a <em>component</em> with its own version in <c>schema_versions</c>, so the
/// stores migrate independently and an application may use only some of them. Migrations run in one transaction per
/// component under a transaction-level advisory lock on the schema, so several instances starting at once migrate once.</remarks>
internal sealed partial class PostgresDatabase : IAsyncDisposable, IDisposable
{
    private readonly Dictionary<string, Task> _migrated = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly string _limitIdle;

    /// <summary>Opens a data source on <paramref name="options"/>; nothing connects until a store is used.</summary>
    /// <param name="options">The settings; checked here.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PostgresDatabase(PostgresStoreOptions options)
    {
        PostgresStoreOptionsValidator.ThrowIfInvalid(options, nameof(options));
        Schema = options.Schema;
        WriteUnroutedWebhooks = options.WriteUnroutedWebhooks;
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            SearchPath = options.Schema,
            CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds),
        };
        Location = PostgresLocation.Of(builder, options.Schema);
        IdleLimit = IdleLimitOf((builder.CommandTimeout * 1000L).ToString(System.Globalization.CultureInfo.InvariantCulture));
        _limitIdle = "SELECT " + IdleLimit;
        DataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>Gets the schema that holds the tables.</summary>
    public string Schema { get; }

    /// <summary>Gets whether the memory and dream run stores write unrouted webhook events when the process has no
    /// endpoints (<see cref="PostgresStoreOptions.WriteUnroutedWebhooks"/>).</summary>
    public bool WriteUnroutedWebhooks { get; }

    /// <summary>Gets where the tables are, as <c>host:port/database/schema</c>, without credentials: for messages, and to
    /// tell whether two stores share one database (their webhook rows can then share a change's transaction).</summary>
    public string Location { get; }

    /// <summary>Gets the SQL expression that bounds how long the current transaction may then sit idle on the server
    /// (<c>idle_in_transaction_session_timeout</c>, for this transaction only, <c>SET LOCAL</c>): to the command timeout,
    /// or to the server's own limit when that is shorter (see <see cref="IdleLimitOf"/>). For the select list of a
    /// statement that takes locks other instances wait on.</summary>
    public string IdleLimit { get; }

    /// <summary>Gets a statement that sets <see cref="IdleLimit"/> and nothing else: for the first command of a batch whose
    /// statements take no lock before they write (an import's first insert), in the batch's round trip.</summary>
    public string LimitIdleSql => _limitIdle;

    /// <summary>Gets the data source; its connections use <see cref="Schema"/> as their search path.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Whether the server answered that the connection is gone or the server is going away or starting (class 08,
    /// admin or crash shutdown, cannot connect now), rather than refusing a statement.</summary>
    /// <param name="exception">The error the server sent.</param>
    /// <returns><see langword="true"/> for a lost connection.</returns>
    public static bool IsConnectionLost(PostgresException exception) =>
        exception.SqlState.StartsWith("08", StringComparison.Ordinal)
        || exception.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;

    /// <summary>The SQL expression that sets <c>idle_in_transaction_session_timeout</c> for the current transaction only
    /// (<c>set_config(..., true)</c>, as <c>SET LOCAL</c>) to <paramref name="milliseconds"/>, or to the limit the session
    /// already has when that is shorter and not 0 (off): what the server, the database, the role or the connection string
    /// set is kept when it is stricter, never lengthened. It sets <c>tcp_user_timeout</c> (PostgreSQL 12 and later) the same
    /// way: a server blocked sending a result larger than the sockets' buffers to a client that stopped reading is not idle
    /// but "active", and that limit ends it (a zero window, or data unacknowledged, for that long). That is skipped on a
    /// server without the setting, and on one whose <c>version()</c> does not name Linux: PostgreSQL built for a system
    /// without the socket option (Windows, macOS, the BSDs) takes any value but 0 only to log "setsockopt(TCP_USER_TIMEOUT)
    /// not supported", at every transaction. (The value read back after the assignment, which the server takes from the
    /// socket, reads 0 there too, but only once the assignment has logged; <c>pg_settings</c> is alike on every platform.)</summary>
    /// <param name="milliseconds">SQL for the store's limit in milliseconds: a literal or a <c>bigint</c> parameter.</param>
    /// <returns>The expression; its value is the idle limit set and the TCP limit, as text.</returns>
    /// <remarks>A transaction that holds locks other instances wait on (a scope's, a session's row, an endpoint's row)
    /// sets it in the statement that takes them: a host that stops answering with the transaction open (frozen, or cut
    /// off without its socket being closed, so the server sees nothing) would otherwise keep them until TCP keepalive gives
    /// up, two hours by default, or never for a process stopped on a machine whose kernel still answers. The server then
    /// ends the connection, which rolls the transaction back.</remarks>
    public static string IdleLimitOf(string milliseconds) =>
        "concat(set_config('idle_in_transaction_session_timeout', least(nullif((extract(epoch FROM "
        + "current_setting('idle_in_transaction_session_timeout')::interval) * 1000)::bigint, 0), " + milliseconds + ")::text, true), ' ', "
        + "CASE WHEN current_setting('tcp_user_timeout', true) IS NOT NULL AND version() LIKE '%linux%' THEN set_config('tcp_user_timeout', "
        + "least(nullif(current_setting('tcp_user_timeout')::bigint, 0), " + milliseconds + ")::text, true) END)";

    /// <summary>Opens a pooled connection.</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>Runs one statement with named parameters in a transaction.</summary>
    internal static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>Closes the pool. A service provider disposed synchronously (<c>using var provider = ...</c>) needs it: it
    /// refuses to dispose a singleton that is only <see cref="IAsyncDisposable"/>, with an <see cref="InvalidOperationException"/>.</summary>
    public void Dispose() => DataSource.Dispose();
}
