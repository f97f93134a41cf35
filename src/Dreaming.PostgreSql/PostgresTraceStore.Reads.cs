using System.Data;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The trace store's reads, and the connection plumbing every call goes through.</summary>
public sealed partial class PostgresTraceStore
{
    private const string WriteAction = "Cannot write to";

    private const string ReadAction = "Cannot read";

    // One below the oldest transaction still running: every change numbered at or below it is committed or rolled back.
    private const string ChangeHorizonSql = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1";

    /// <summary>Runs <paramref name="work"/> on a pooled connection once the tables are migrated (and, with
    /// <paramref name="webhookTables"/>, the outbox's), turning Npgsql's errors into <see cref="TraceStoreException"/>s that
    /// name <see cref="Location"/>. The migrations take connections of their own before the call takes its one: a pool of
    /// one connection must not wait for itself.</summary>
    private async Task<T> RunAsync<T>(string action, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken, bool webhookTables = false)
    {
        _lifetime.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Once the tables are known to be there, a call skips the database's lock-guarded check.
            if (!_migrated)
            {
                await _database.EnsureMigratedAsync(PostgresTraceSchema.Component, PostgresTraceSchema.Migrations, cancellationToken).ConfigureAwait(false);
                _migrated = true;
            }

            if (webhookTables)
            {
                await PostgresWebhookSchema.EnsureAsync(_database, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException exception) when (ReferenceEquals(action, ReadAction) && IsLost(exception) && exception.InnerException is not TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                // A read changes nothing, so one that met a pooled connection the server had closed (a restart, a failover)
                // runs once more on a new one. A write is not run again: whether its commit happened is not known. Nor is a
                // read that timed out: run again, it would wait a second CommandTimeout (or connection Timeout) to fail.
                _database.DataSource.Clear();
                await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{action} the PostgreSQL trace store at '{Location}': canceled.", exception, cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            throw Explain(exception, action);
        }
        catch (ObjectDisposedException exception) when (_lifetime.IsDisposed)
        {
            // The pool was closed under a call in flight: the store, not the data source, is what the caller disposed.
            throw _lifetime.Disposed(exception);
        }
    }

    /// <summary>Turns an Npgsql error into a <see cref="TraceStoreException"/> naming the location (never the password). A
    /// connection the server closed or could not open drops the pool's idle connections, which are as dead: the next call
    /// connects anew.</summary>
    private TraceStoreException Explain(NpgsqlException exception, string action)
    {
        if (IsLost(exception) && !_lifetime.IsDisposed)
        {
            _database.DataSource.Clear();
        }

        var reason = exception is PostgresException { SqlState: var state } ? $"{exception.Message} (SQLSTATE {state})" : exception.Message;
        return new TraceStoreException($"{action} the PostgreSQL trace store at '{Location}': {reason}", exception);
    }

    /// <summary>Whether the connection is gone (closed by the server, or never opened), rather than a statement refused.</summary>
    private static bool IsLost(NpgsqlException exception) =>
        exception is not PostgresException postgres || PostgresDatabase.IsConnectionLost(postgres);

    private static async Task<SessionRecord?> ReadSessionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sessionId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {PostgresTraceRows.SessionColumns} FROM sessions WHERE id = $1", connection, transaction);
        command.Parameters.Add(PostgresTraceRows.Text(sessionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? PostgresTraceRows.ReadSession(reader) : null;
    }

    /// <summary>The statement reading a session's events ($1), after a sequence number (the next parameter) when
    /// <paramref name="after"/>, of the types of a text array (the next) when <paramref name="types"/>, at most the last
    /// parameter (<see langword="null"/>: no limit), in sequence order. The primary key (session_id, seq) finds the first
    /// and gives the order.</summary>
    internal static string EventsSql(bool after, bool types)
    {
        var next = 2;
        return "SELECT seq, ts, payload FROM events WHERE session_id = $1"
            + (after ? " AND seq > $" + Next() : string.Empty)
            + (types ? " AND type = ANY($" + Next() + ")" : string.Empty)
            + " ORDER BY seq LIMIT $" + Next();

        string Next() => (next++).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // With types (stored forms), only the events of those types are read; the primary key still finds the session's.
    private static async Task<List<SessionEvent>> ReadEventsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sessionId, SessionEventQuery? query, CancellationToken cancellationToken)
    {
        var after = query?.AfterSequence;
        var types = query?.Types?.Select(PostgresText.Encode).ToArray();
        await using var command = new NpgsqlCommand(EventsSql(after is not null, types is not null), connection, transaction);
        command.Parameters.Add(PostgresTraceRows.Text(sessionId));
        if (after is { } afterSequence)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSequence });
        }

        if (types is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        }

        command.Parameters.Add(new NpgsqlParameter { Value = query?.Limit is { } limit ? (long)limit : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });

        var events = new List<SessionEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(PostgresTraceRows.ReadEvent(sessionId, reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return events;
    }

    // The record and its events are read in one repeatable-read transaction, so they are one snapshot, by one batch of
    // two statements (one round trip). A reader that stops answering (frozen, or cut off) before it ends the transaction
    // would keep that snapshot, and with it VACUUM's horizon on the whole server: the session's read (readSession, with
    // PostgresDatabase.IdleLimit as a column nothing reads) bounds how long the transaction may then sit idle.
    private static async Task<SessionWithEvents?> ReadSessionWithEventsAsync(NpgsqlConnection connection, string readSession, string sessionId, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var session = new NpgsqlBatchCommand(readSession);
        session.Parameters.Add(PostgresTraceRows.Text(sessionId));
        batch.BatchCommands.Add(session);
        var events = new NpgsqlBatchCommand(EventsSql(after: false, types: false));
        events.Parameters.Add(PostgresTraceRows.Text(sessionId));
        events.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        batch.BatchCommands.Add(events);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var record = PostgresTraceRows.ReadSession(reader);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var read = new List<SessionEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            read.Add(PostgresTraceRows.ReadEvent(sessionId, reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return new SessionWithEvents(record, read);
    }

    /// <summary>Writes the <c>session.completed</c> or <c>session.failed</c> outbox rows in the transaction that ends the
    /// session, with the data the <c>AddWebhooks</c> wrapper would publish after it.</summary>
    private static Task<bool> WriteSessionWebhookAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SessionCompletion completion, WebhookPublisher webhooks,
        (string AgentId, string? ParentId, string? Scope, string Task) session, CancellationToken cancellationToken) =>
        PostgresStoreWebhooks.WriteAsync(
            connection,
            transaction,
            webhooks,
            WebhookEventData.SessionEndedType(completion.Status),
            () => WebhookEventData.SessionEnded(completion, session.AgentId, session.ParentId, session.Scope, session.Task, webhooks.IncludeFullPayloads).Data,
            cancellationToken,
            completion.EndedAt);
}
