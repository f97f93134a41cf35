using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>A trace store in an embedded SQLite database file: durable, safe for several threads, readable by other processes.</summary>
/// <remarks>
/// <para>The schema is created on first use and migrated automatically; its version is kept in <c>PRAGMA user_version</c>.
/// Indexes added since a version shipped (the one on a session's scope) are created on open without changing the version,
/// so an older build of that version still opens the file.
/// A database with a newer version, a file that is not a SQLite database, and a database whose tables or version belong to
/// another application are refused with a <see cref="TraceStoreException"/> and left untouched. A database with version 0
/// and none of the store's tables is taken as new: the store adds its tables next to any unrelated ones.</para>
/// <para>The database runs in write-ahead-log mode, so reads do not wait for writes. The first use checks the schema by
/// reading it, which on a file already at the current schema takes no lock; creating or migrating a file takes the write
/// lock and so waits for another process's write. SQLite has one writer, so writes go
/// through one connection behind an in-process lock, and wait up to <see cref="SqliteTraceStoreOptions.BusyTimeout"/> for
/// other processes. Each write is one transaction: all of it is stored, or none of it.</para>
/// <para>Times are kept as unix milliseconds and come back in UTC.</para>
/// </remarks>
public sealed class SqliteTraceStore : ITraceStore, ISessionWebhookWriter, IDisposable
{
    /// <summary>How many sessions <see cref="PurgeAsync"/> deletes in one transaction.</summary>
    public const int PurgeBatchSize = 500;

    // How many free pages are given back to the file system in one transaction after a purge (16 MB of 4 KB pages).
    private const int ReleasePageBatch = 4096;

    private readonly SqliteStoreConnection<SqliteWriter> _connection;

    /// <summary>Initializes a new instance. Nothing is opened until first use.</summary>
    /// <param name="options">The settings.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public SqliteTraceStore(SqliteTraceStoreOptions options)
    {
        _connection = new SqliteStoreConnection<SqliteWriter>(options, static connection => new SqliteWriter(connection), this);
    }

    /// <summary>Initializes a new instance with default settings. Nothing is opened until first use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, or the path of the database file.</param>
    /// <exception cref="ArgumentException">The connection string is invalid.</exception>
    public SqliteTraceStore(string connectionString)
        : this(new SqliteTraceStoreOptions { ConnectionString = connectionString ?? throw new ArgumentNullException(nameof(connectionString)) })
    {
    }

    /// <summary>Gets the full path of the database file, or the data source when the database is not a file.</summary>
    public string Location => _connection.Database.Location;

    /// <inheritdoc />
    /// <remarks>True when webhooks with endpoints are configured and their outbox is a <see cref="SqliteWebhookOutboxStore"/>
    /// on this file (<c>UseSqliteStore</c> arranges it): the row of <c>session.completed</c> or <c>session.failed</c> is then
    /// written in the transaction that ends the session, so the end and its announcement are stored together or not at all.</remarks>
    public bool WritesSessionWebhooks => Webhooks is { IsEnabled: true };

    /// <summary>Gets or sets the publisher whose endpoints get the session rows; set by <c>UseSqliteStore</c>, only for an
    /// outbox on the same file.</summary>
    internal WebhookPublisher? Webhooks { get; set; }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => WithWriterAsync(static _ => true, cancellationToken);

    /// <inheritdoc />
    public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);

        // SQLite cannot keep NaN (Microsoft.Data.Sqlite refuses to bind it), so a bad score is refused before anything is written.
        foreach (var session in batch.NewSessions)
        {
            session.Outcome?.Validate(session.Id);
        }

        return WithWriterAsync(
            writer =>
            {
                writer.Write(batch);
                return true;
            },
            cancellationToken);
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
        return _connection.WriteWithWebhooksAsync(Webhooks, (writer, webhooks) => (true, writer.Complete(completion, webhooks)), cancellationToken);
    }

    /// <inheritdoc />
    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(outcome);
        outcome.Validate(sessionId);
        return WithWriterAsync(
            writer =>
            {
                writer.SetOutcome(sessionId, outcome);
                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The import is one transaction. The token is honoured while it writes too (between sessions, and every 1,024
    /// events of a long one): a cancellation before the commit rolls the whole import back, so none of its sessions is kept,
    /// and throws <see cref="OperationCanceledException"/>.</remarks>
    /// <exception cref="ArgumentException">A session is running, an event names another session, or a session repeats a sequence number.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the import committed; nothing of it was written.</exception>
    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        foreach (var item in sessions)
        {
            item?.Session.Outcome?.Validate(item.Session.Id);
        }

        return WithWriterAsync(writer => writer.Import(sessions, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return WithReaderAsync(connection => ReadSession(connection, sessionId), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The file's change counter (<c>session_change_counter</c>), which the sessions' triggers advance in each
    /// writing transaction; writes to the file are serialized, so every number at or below it is committed.</remarks>
    public Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
        WithReaderAsync<long?>(
            static connection =>
            {
                using var command = SqliteRows.Create(connection, SqliteSchema.ReadChangeHorizon);
                return command.ExecuteScalar() is long last ? last : 0L;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return WithReaderAsync<IReadOnlyList<SessionEvent>>(connection => ReadEvents(connection, sessionId), cancellationToken);
    }

    /// <summary>Gets a session's events of the given types, in sequence order, reading no other event: a caller that looks
    /// for a few kinds among many (<c>dreaming report</c>, for the memory each session was given) skips the cost of
    /// parsing the rest, most of the cost of reading a session's events.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="eventTypes">The <see cref="SessionEvent.EventType"/> values to read, compared ordinally, such as
    /// <see cref="EventTypes.MemoryInjected"/> (a message's is <see cref="EventTypes.MessagePrefix"/> and its role).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The events of those types; empty when there are none, the session does not exist or no type is given.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> or <paramref name="eventTypes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="eventTypes"/> holds a <see langword="null"/>, or a type with an
    /// unpaired surrogate (parameter name <c>Types</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="TraceStoreException">The file cannot be read, or an event of those types is not one this library wrote.</exception>
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
    /// session reads the window's rows, wherever it is. Rows of other types are skipped before their payload is parsed
    /// (the walk still passes over them). Safe to call from several threads at once.</remarks>
    /// <exception cref="TraceStoreException">The file cannot be read, or an event asked for is not one this library wrote.</exception>
    public Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var types = query.Types is null ? null : System.Text.Json.JsonSerializer.Serialize(query.Types.ToArray(), SqliteJson.Default.StringArray);
        return WithReaderAsync<IReadOnlyList<SessionEvent>>(connection => ReadEvents(connection, sessionId, null, query.AfterSequence, types, query.Limit), cancellationToken);
    }

    /// <summary>Reads a session together with its events, both from one snapshot of the file, so the record's
    /// <see cref="SessionRecord.EventCount"/>, status and end match the events returned even while another thread or process
    /// is still recording into the session or ending it.</summary>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The session and its events in sequence order, or <see langword="null"/> when there is no such session.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="TraceStoreException">The file cannot be read, or a stored row is not one this library wrote.</exception>
    /// <remarks>Safe to call from several threads at once. <see cref="GetSessionAsync"/> followed by
    /// <see cref="GetEventsAsync(string, CancellationToken)"/> reads two snapshots: events written in between are returned but not counted in the
    /// record, and a session ended in between comes back <see cref="SessionStatus.Running"/> with all its events.</remarks>
    public Task<SessionWithEvents?> GetSessionWithEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return WithReaderAsync(connection => ReadSessionWithEvents(connection, sessionId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = query.Cursor is null ? (SessionCursor?)null : SessionCursor.Decode(query.Cursor);
        return WithReaderAsync(
            connection =>
            {
                var (items, next) = SqliteSessionQuery.ReadPage(connection, query, after);
                return new SessionPage(items, next?.Encode());
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = query.Cursor is null ? (SessionCursor?)null : SessionCursor.Decode(query.Cursor);
        await _connection.EnsureOpenAsync(cancellationToken).ConfigureAwait(false);

        // One connection for the whole stream, but no statement stays open across a yield, so writers are never held up.
        using var connection = _connection.Read(_connection.Database.OpenReader);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (items, next) = _connection.Read(() => SqliteSessionQuery.ReadPage(connection, query, after));
            foreach (var session in items)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // A session purged since the page was read is skipped; one still being written comes with a consistent count.
                if (_connection.Read(() => ReadSessionWithEvents(connection, session.Id)) is { } current)
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
    /// <remarks>
    /// <para>The sessions are deleted oldest first, <see cref="PurgeBatchSize"/> at a time, each batch in a transaction of its
    /// own, so that sessions being recorded meanwhile (by this store or another process on the file) wait for one batch at
    /// most, not for the whole purge. A cancellation between batches throws <see cref="OperationCanceledException"/> and
    /// keeps what the batches before it deleted.</para>
    /// <para>A file this library created (since it sets SQLite's incremental auto-vacuum on new files) then gives the
    /// space back to the file system, a few thousand pages per transaction, so the file shrinks. A file created by an
    /// older build keeps its size: the free pages are reused by the sessions written after, so it stops growing; call
    /// <see cref="CompactAsync"/> once to shrink it and switch it to incremental auto-vacuum.</para>
    /// </remarks>
    public async Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        var purged = 0;
        int batch;
        do
        {
            batch = await WithWriterAsync(writer => writer.Purge(startedBefore, PurgeBatchSize), cancellationToken).ConfigureAwait(false);
            purged += batch;
        }
        while (batch == PurgeBatchSize);

        if (purged > 0)
        {
            // Stops when the count no longer falls (another process freeing pages meanwhile gives them back itself).
            var left = long.MaxValue;
            while (await WithWriterAsync(static writer => writer.ReleaseFreePages(ReleasePageBatch), cancellationToken).ConfigureAwait(false) is var now
                && now > 0 && now < left)
            {
                left = now;
            }
        }

        return purged;
    }

    /// <summary>Rewrites the database file without the space that purged sessions left free, and switches it to incremental
    /// auto-vacuum, so that later purges shrink the file by themselves.</summary>
    /// <param name="cancellationToken">Cancels the operation before the rewrite starts; once started it runs to the end.</param>
    /// <returns>A task that completes when the file is rewritten.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled before the rewrite started.</exception>
    /// <exception cref="TraceStoreException">The file cannot be rewritten (locked by another process for longer than
    /// <see cref="SqliteTraceStoreOptions.BusyTimeout"/>, or the disk is full).</exception>
    /// <remarks>Needed once, for a file created by an older build (without incremental auto-vacuum), whose size a purge
    /// does not change. SQLite's <c>VACUUM</c> copies the whole database: it holds the write lock for the copy (every writer,
    /// in any process, waits or fails after its busy timeout: 0.9 s for a 243 MB file holding 120 MB of sessions on a test machine), and needs free
    /// disk space of about twice the file's size while it runs. Run it while the app is quiet.</remarks>
    public Task CompactAsync(CancellationToken cancellationToken = default) =>
        WithWriterAsync(
            static writer =>
            {
                writer.Compact();
                return true;
            },
            cancellationToken);

    /// <summary>Closes the database. Waits for a write in progress to finish.</summary>
    public void Dispose() => _connection.Dispose();


    // The record and its events are read in one read transaction, so they are one snapshot of the file.
    private static SessionWithEvents? ReadSessionWithEvents(SqliteConnection connection, string sessionId)
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        return ReadSession(connection, sessionId, transaction) is { } session
            ? new SessionWithEvents(session, ReadEvents(connection, sessionId, transaction))
            : null;
    }

    private static SessionRecord? ReadSession(SqliteConnection connection, string sessionId, SqliteTransaction? transaction = null)
    {
        using var command = SqliteRows.Create(connection, $"SELECT {SqliteRows.SessionColumns} FROM sessions WHERE id = CAST($id AS TEXT)", "$id");
        command.Transaction = transaction;
        command.Parameters[0].Value = SqliteRows.Text(sessionId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? SqliteRows.ReadSession(reader) : null;
    }

    /// <summary>The statement reading a session's events ($id), after a sequence number ($after) when
    /// <paramref name="after"/>, of the types of a JSON array ($types) when <paramref name="types"/>, at most $limit (-1: no
    /// limit), in sequence order. The primary key (session_id, seq) finds the first and gives the order.</summary>
    internal static string EventsSql(bool after, bool types) =>
        "SELECT seq, ts, payload FROM events WHERE session_id = CAST($id AS TEXT)"
        + (after ? " AND seq > $after" : string.Empty)
        + (types ? " AND type IN (SELECT value FROM json_each($types))" : string.Empty)
        + " ORDER BY seq LIMIT $limit";

    private static List<SessionEvent> ReadEvents(SqliteConnection connection, string sessionId, SqliteTransaction? transaction = null, long? after = null, string? types = null, int? limit = null)
    {
        using var command = SqliteRows.Create(connection, EventsSql(after is not null, types is not null), "$id", "$after", "$types", "$limit");
        command.Transaction = transaction;
        command.Parameters[0].Value = SqliteRows.Text(sessionId);
        command.Parameters[1].Value = after ?? 0L;
        command.Parameters[2].Value = types ?? string.Empty;
        command.Parameters[3].Value = limit ?? -1L;

        using var reader = command.ExecuteReader();
        var events = new List<SessionEvent>();
        while (reader.Read())
        {
            events.Add(SqliteRows.ReadEvent(sessionId, reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return events;
    }

    private Task<T> WithWriterAsync<T>(Func<SqliteWriter, T> work, CancellationToken cancellationToken) => _connection.WriteAsync(work, cancellationToken);

    private Task<T> WithReaderAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) => _connection.ReadAsync(work, cancellationToken);
}
