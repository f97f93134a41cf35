using System.Data;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Dreaming.PostgreSql;

/// <summary>A trace store in a PostgreSQL database that several instances of an application share: durable, safe for
/// several threads, processes and machines at once.</summary>
/// <remarks>
/// <para>The tables (<c>sessions</c> and <c>events</c>, in <see cref="PostgresStoreOptions.Schema"/>) are created on first use
/// and migrated automatically; their version is kept in <c>schema_versions</c> under the component <c>traces</c>. Several
/// instances starting at once migrate once (an advisory lock).</para>
/// <para>Each write is one transaction: all of it is stored, or none of it. A write of events locks the rows of their
/// sessions (in id order, so two writers never deadlock) for the check that each is still running, so an end committed
/// by another instance at the same moment either comes after the events or refuses them. Reads do not wait for writes.
/// Times are kept as unix milliseconds and come back in UTC.</para>
/// <para>Any string comes back as it was given, a NUL character included (PostgreSQL <c>text</c> cannot hold one; such
/// a string is stored escaped, see docs/postgresql.md); half a surrogate pair becomes U+FFFD, as in the SQLite store.</para>
/// <para>A server that cannot be reached, or a connection it closed, fails the call with a <see cref="TraceStoreException"/>
/// naming <see cref="Location"/> (never the password); the pool's idle connections are then dropped, so the next call
/// connects anew and works once the server is back. A read that met a connection the server had closed runs once more
/// on a new one; a write does not (whether its commit happened is not known).</para>
/// </remarks>
public sealed partial class PostgresTraceStore : ITraceStore, ISessionWebhookWriter, IAsyncDisposable, IDisposable
{
    /// <summary>How many sessions <see cref="PurgeAsync"/> deletes in one transaction.</summary>
    public const int PurgeBatchSize = 500;

    private readonly PostgresDatabase _database;
    private readonly PostgresStoreLifetime _lifetime;
    private readonly string _lockSessions;
    private readonly string _completeInTransaction;
    private readonly string _readSessionInSnapshot;
    private volatile bool _migrated;

    /// <summary>Initializes a new instance on a database of its own (its own connection pool). Nothing connects until first use.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="timeProvider">Taken for symmetry with the other PostgreSQL stores, which stamp their rows with it; the
    /// trace store reads no clock (its times are those of the sessions and events it is given, and its webhook rows take
    /// the publisher's).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PostgresTraceStore(PostgresStoreOptions options, TimeProvider? timeProvider = null)
        : this(new PostgresDatabase(options), ownsDatabase: true, timeProvider)
    {
    }

    /// <summary>Initializes a new instance on a database the stores of a container share; it is not disposed with the store.</summary>
    internal PostgresTraceStore(PostgresDatabase database, TimeProvider? timeProvider = null)
        : this(database, ownsDatabase: false, timeProvider)
    {
    }

    private PostgresTraceStore(PostgresDatabase database, bool ownsDatabase, TimeProvider? timeProvider)
    {
        _database = database;
        _lifetime = new PostgresStoreLifetime(database, ownsDatabase, this);
        _lockSessions = LockSessions.Replace("/*idle*/", database.IdleLimit, StringComparison.Ordinal);
        _completeInTransaction = CompleteInTransaction.Replace("/*idle*/", database.IdleLimit, StringComparison.Ordinal);
        _readSessionInSnapshot = $"SELECT {PostgresTraceRows.SessionColumns}, {database.IdleLimit} FROM sessions WHERE id = $1";
        _ = timeProvider;
    }

    /// <summary>Gets where the tables are, as <c>host:port/database/schema</c>, without credentials.</summary>
    public string Location => _database.Location;

    /// <inheritdoc />
    /// <remarks>True when webhooks with endpoints are configured and their outbox is the PostgreSQL outbox on the same
    /// database and schema (<c>UsePostgresStore</c> arranges it): the row of <c>session.completed</c> or
    /// <c>session.failed</c> is then written in the transaction that ends the session.</remarks>
    public bool WritesSessionWebhooks => Webhooks is { IsEnabled: true };

    /// <summary>Gets or sets the publisher whose endpoints get the session rows; set by <c>UsePostgresStore</c>, only for an
    /// outbox on the same database and schema.</summary>
    internal WebhookPublisher? Webhooks { get; set; }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        RunAsync(WriteAction, static (_, _) => Task.FromResult(true), cancellationToken);

    /// <inheritdoc />
    public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var session in batch.NewSessions)
        {
            session.Outcome?.Validate(session.Id);
        }

        return batch.NewSessions.Count == 0 && batch.Events.Count == 0
            ? InitializeAsync(cancellationToken)
            : RunAsync(WriteAction, (connection, token) => WriteBatchAsync(connection, batch, _lockSessions, token), cancellationToken);
    }

    /// <inheritdoc />
    public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        completion.Outcome?.Validate(completion.SessionId);
        if (completion.Status == SessionStatus.Running)
        {
            return Task.FromException(new SessionStateException($"Session '{completion.SessionId}' cannot be completed with status {SessionStatus.Running}."));
        }

        // The session may see only a decorator of the host's around this store: tell it, on the caller's flow, that the
        // session.* row goes into the end's transaction, so it does not publish it again.
        WebhookStoreChange.SessionEndWrittenBy(this);
        var webhooks = Webhooks is { IsEnabled: true } publisher ? publisher : null;
        return CompleteAndNotifyAsync(completion, webhooks, cancellationToken);
    }

    /// <inheritdoc />
    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(outcome);
        outcome.Validate(sessionId);
        return RunAsync(WriteAction, (connection, token) => SetOutcomeCoreAsync(connection, sessionId, outcome, token), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The import is one transaction. The token is honoured while it writes too (between sessions, and every 1,024
    /// events of a long one): a cancellation before the commit rolls the whole import back and throws
    /// <see cref="OperationCanceledException"/>. Sessions whose id exists are skipped, also when another instance imports
    /// them at the same moment.</remarks>
    /// <exception cref="ArgumentException">A session is running, an event names another session, or a session repeats a sequence number.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the import committed; nothing of it was written.</exception>
    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        SessionImportCheck.Check(sessions);
        foreach (var item in sessions)
        {
            item.Session.Outcome?.Validate(item.Session.Id);
        }

        return RunAsync(WriteAction, (connection, token) => ImportCoreAsync(connection, _database, sessions, token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return RunAsync(ReadAction, (connection, token) => ReadSessionAsync(connection, null, sessionId, token), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The change numbers are the ids of the transactions that wrote the sessions; the horizon is one below the
    /// oldest transaction still running on the server (<c>pg_snapshot_xmin(pg_current_snapshot())</c>): every transaction
    /// below it has committed or rolled back, and every one that commits later has an id at or above it. A long
    /// transaction anywhere on the server holds the horizon back, so a reader reads the sessions changed since again
    /// (never fewer) until it ends.</remarks>
    public Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
        RunAsync<long?>(
            ReadAction,
            static async (connection, token) =>
            {
                await using var command = new NpgsqlCommand(ChangeHorizonSql, connection);
                return (long)(await command.ExecuteScalarAsync(token).ConfigureAwait(false))!;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return RunAsync<IReadOnlyList<SessionEvent>>(ReadAction, async (connection, token) => await ReadEventsAsync(connection, null, sessionId, null, token).ConfigureAwait(false), cancellationToken);
    }

    /// <summary>Gets a session's events of the given types, in sequence order, reading no other event.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="eventTypes">The <see cref="SessionEvent.EventType"/> values to read, compared ordinally, such as
    /// <see cref="EventTypes.MemoryInjected"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The events of those types; empty when there are none, the session does not exist or no type is given.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> or <paramref name="eventTypes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="eventTypes"/> holds a <see langword="null"/>, or a type with an
    /// unpaired surrogate (parameter name <c>Types</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="TraceStoreException">The database cannot be read, or an event of those types is not one this library wrote.</exception>
    /// <remarks>Superseded by <see cref="QueryEventsAsync"/>, which every <see cref="ITraceStore"/> has: this is
    /// <c>QueryEventsAsync(sessionId, new SessionEventQuery { Types = eventTypes })</c>, kept for callers written before it.</remarks>
    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, IReadOnlyCollection<string> eventTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(eventTypes);
        if (eventTypes.Any(static type => type is null))
        {
            throw new ArgumentException("The event types hold a null.", nameof(eventTypes));
        }

        return QueryEventsAsync(sessionId, new SessionEventQuery { Types = eventTypes }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One statement that seeks the events' primary key (session, sequence) to the first event after
    /// <see cref="SessionEventQuery.AfterSequence"/> and walks it in order, stopping at the limit: a window of a long
    /// session reads the window's rows, wherever it is. Rows of other types are skipped before their payload is parsed.
    /// Safe to call from several threads and instances at once.</remarks>
    /// <exception cref="TraceStoreException">The database cannot be read, or an event asked for is not one this library wrote.</exception>
    public Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return RunAsync<IReadOnlyList<SessionEvent>>(ReadAction, async (connection, token) => await ReadEventsAsync(connection, null, sessionId, query, token).ConfigureAwait(false), cancellationToken);
    }

    /// <summary>Reads a session together with its events, both from one snapshot (a repeatable-read transaction), so the
    /// record's <see cref="SessionRecord.EventCount"/>, status and end match the events returned even while another
    /// instance is still recording into the session or ending it.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The session and its events in sequence order, or <see langword="null"/> when there is no such session.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="TraceStoreException">The database cannot be read, or a stored row is not one this library wrote.</exception>
    public Task<SessionWithEvents?> GetSessionWithEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return RunAsync(ReadAction, (connection, token) => ReadSessionWithEventsAsync(connection, _readSessionInSnapshot, sessionId, token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = query.Cursor is null ? (SessionCursor?)null : SessionCursor.Decode(query.Cursor);
        return RunAsync(
            ReadAction,
            async (connection, token) =>
            {
                var (items, next) = await PostgresSessionQuery.ReadPageAsync(connection, query, after, token).ConfigureAwait(false);
                return new SessionPage(items, next?.Encode());
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Each page and each session's events are read on a pooled connection taken for that read only, so a slow
    /// consumer holds no connection and no lock between items.</remarks>
    public async IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = query.Cursor is null ? (SessionCursor?)null : SessionCursor.Decode(query.Cursor);
        while (true)
        {
            var (items, next) = await RunAsync(ReadAction, (connection, token) => PostgresSessionQuery.ReadPageAsync(connection, query, after, token), cancellationToken).ConfigureAwait(false);
            foreach (var session in items)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // A session purged since the page was read is skipped; one still being written comes with a consistent count.
                if (await GetSessionWithEventsAsync(session.Id, cancellationToken).ConfigureAwait(false) is { } current)
                {
                    yield return current;
                }
            }

            if (next is null)
            {
                yield break;
            }

            after = next;
        }
    }

    /// <inheritdoc />
    /// <remarks>The sessions are deleted oldest first, <see cref="PurgeBatchSize"/> at a time, each batch in a transaction of
    /// its own, skipping rows another instance holds locked at that moment (a session being ended): sessions being recorded
    /// meanwhile wait for one batch at most. A cancellation between batches throws <see cref="OperationCanceledException"/>
    /// and keeps what the batches before it deleted. PostgreSQL reuses the space of deleted rows after its autovacuum;
    /// the files do not shrink.</remarks>
    public async Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        var purged = 0;
        int batch;
        do
        {
            batch = await RunAsync(WriteAction, (connection, token) => PurgeBatchAsync(connection, startedBefore, token), cancellationToken).ConfigureAwait(false);
            purged += batch;
        }
        while (batch == PurgeBatchSize);

        return purged;
    }

    /// <summary>Closes the store; with a database of its own, its connection pool too.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _lifetime.DisposeAsync();

    /// <summary>Closes the store; with a database of its own, its connection pool too.</summary>
    public void Dispose() => _lifetime.Dispose();
}
