using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>The single connection every write goes through, with its commands prepared once and reused.</summary>
/// <remarks>Not thread-safe: SQLite has one writer, and <see cref="SqliteTraceStore"/> serialises calls with its write lock.
/// Each operation runs in one immediate transaction and either commits whole or rolls back.</remarks>
internal sealed class SqliteWriter : IDisposable
{
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    /// <summary>How many events of one imported session are written between two looks at the cancellation token.</summary>
    private const int ImportCancellationInterval = 1024;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertSession;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _getStatus;
    private readonly SqliteCommand _addEventCount;
    private readonly SqliteCommand _complete;
    private readonly SqliteCommand _setOutcome;
    private readonly SqliteCommand _purge;
    private readonly SqliteCommand[] _commands;

    public SqliteWriter(SqliteConnection connection)
    {
        _connection = connection;
        _insertSession = SqliteRows.CreateInsertSession(connection);
        _insertEvent = SqliteRows.CreateInsertEvent(connection);
        _getStatus = SqliteRows.Create(connection, "SELECT status FROM sessions WHERE id = CAST($id AS TEXT)", "$id");
        _addEventCount = SqliteRows.Create(connection, "UPDATE sessions SET event_count = event_count + $count WHERE id = CAST($id AS TEXT)", "$id", "$count");
        _complete = SqliteRows.Create(
            connection,
            "UPDATE sessions SET status = $status, ended_ms = $ended_ms, input_tokens = $input_tokens, output_tokens = $output_tokens, "
            + "cached_input_tokens = $cached_input_tokens, model_calls = $model_calls, cost_minor_units = $cost_minor_units, "
            + "dropped_event_count = $dropped_event_count WHERE id = CAST($id AS TEXT)",
            "$id", "$status", "$ended_ms", "$input_tokens", "$output_tokens", "$cached_input_tokens", "$model_calls", "$cost_minor_units", "$dropped_event_count");
        _setOutcome = SqliteRows.Create(
            connection,
            "UPDATE sessions SET outcome_label = CAST($outcome_label AS TEXT), outcome_score = $outcome_score, outcome_source = CAST($outcome_source AS TEXT) WHERE id = CAST($id AS TEXT)",
            "$id", "$outcome_label", "$outcome_score", "$outcome_source");
        // The oldest first, a batch at a time, through the start-time index: each batch is a short transaction of its own.
        _purge = SqliteRows.Create(
            connection,
            "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE status <> $running AND started_ms < $cut_off_ms ORDER BY started_ms, id LIMIT $limit)",
            "$running", "$cut_off_ms", "$limit");
        _commands = [_insertSession, _insertEvent, _getStatus, _addEventCount, _complete, _setOutcome, _purge];
        foreach (var command in _commands)
        {
            command.Prepare();
        }
    }

    public void Write(TraceWriteBatch batch)
    {
        using var transaction = Begin();
        foreach (var session in batch.NewSessions)
        {
            InsertSession(session);
        }

        var appended = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sessionEvent in batch.Events)
        {
            if (!appended.TryGetValue(sessionEvent.SessionId, out var count))
            {
                var status = GetStatus(sessionEvent.SessionId)
                    ?? throw new SessionStateException($"Event {sessionEvent.Sequence} names session '{sessionEvent.SessionId}', which does not exist.");
                if (status != SessionStatus.Running)
                {
                    throw new SessionStateException($"Session '{sessionEvent.SessionId}' has already ended ({status}); event {sessionEvent.Sequence} cannot be appended.");
                }
            }

            appended[sessionEvent.SessionId] = count + 1;
            InsertEvent(sessionEvent.SessionId, sessionEvent);
        }

        foreach (var (sessionId, count) in appended)
        {
            AddEventCount(sessionId, count);
        }

        transaction.Commit();
    }

    /// <summary>Ends a session; with <paramref name="webhooks"/>, also writes its <c>session.*</c> outbox rows in the same transaction.</summary>
    /// <returns>Whether outbox rows were written.</returns>
    public bool Complete(SessionCompletion completion, WebhookPublisher? webhooks = null)
    {
        using var transaction = Begin();
        var status = GetStatus(completion.SessionId) ?? throw new SessionNotFoundException($"Session '{completion.SessionId}' does not exist.");
        if (status != SessionStatus.Running)
        {
            throw new SessionStateException($"Session '{completion.SessionId}' has already ended ({status}).");
        }

        var values = _complete.Parameters;
        values[0].Value = SqliteRows.Text(completion.SessionId);
        values[1].Value = (int)completion.Status;
        values[2].Value = SqliteRows.ToMilliseconds(completion.EndedAt);
        values[3].Value = completion.Usage.InputTokens;
        values[4].Value = completion.Usage.OutputTokens;
        values[5].Value = completion.Usage.CachedInputTokens;
        values[6].Value = completion.Usage.ModelCalls;
        values[7].Value = completion.Usage.CostMinorUnits;
        values[8].Value = completion.DroppedEventCount;
        _complete.ExecuteNonQuery();

        // Without an outcome of its own, the completion keeps one that was set while the session ran.
        if (completion.Outcome is not null)
        {
            UpdateOutcome(completion.SessionId, completion.Outcome);
        }

        var wroteWebhooks = webhooks is not null && WriteSessionWebhook(transaction, completion, webhooks);
        transaction.Commit();
        return wroteWebhooks;
    }

    private bool WriteSessionWebhook(SqliteTransaction transaction, SessionCompletion completion, WebhookPublisher webhooks) =>
        SqliteStoreWebhooks.Write(_connection, transaction, webhooks, WebhookEventData.SessionEndedType(completion.Status), () =>
        {
            using var read = SqliteMemoryRows.Command(_connection, transaction, "SELECT agent_id, parent_id, task, scope FROM sessions WHERE id = CAST($id AS TEXT)", ("$id", completion.SessionId));
            using var row = read.ExecuteReader();
            row.Read();
            return WebhookEventData.SessionEnded(completion, row.GetString(0), row.IsDBNull(1) ? null : row.GetString(1), row.IsDBNull(3) ? null : row.GetString(3), row.GetString(2), webhooks.IncludeFullPayloads).Data;
        }, completion.EndedAt);

    public void SetOutcome(string sessionId, SessionOutcome outcome)
    {
        using var transaction = Begin();
        if (!UpdateOutcome(sessionId, outcome))
        {
            throw new SessionNotFoundException($"Session '{sessionId}' does not exist.");
        }

        transaction.Commit();
    }

    /// <summary>Imports finished sessions in one transaction. The token is checked before each session, every
    /// <see cref="ImportCancellationInterval"/> events of a session and before the commit: a cancellation throws
    /// <see cref="OperationCanceledException"/> and rolls the whole import back, so nothing of it is kept.</summary>
    public int Import(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default)
    {
        SessionImportCheck.Check(sessions);
        using var transaction = Begin();
        var added = 0;
        foreach (var item in sessions)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Checking inside the transaction also skips an id that appears twice in the same import.
            if (GetStatus(item.Session.Id) is not null)
            {
                continue;
            }

            InsertSession(item.Session);
            var written = 0;
            foreach (var sessionEvent in item.Events)
            {
                if (++written % ImportCancellationInterval == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                InsertEvent(item.Session.Id, sessionEvent);
            }

            AddEventCount(item.Session.Id, item.Events.Count);
            added++;
        }

        // Disposing the transaction uncommitted rolls it back.
        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
        return added;
    }

    /// <summary>Deletes at most <paramref name="limit"/> of the oldest ended sessions that started before the cut-off, with
    /// their events, in one transaction.</summary>
    /// <returns>How many were deleted: fewer than <paramref name="limit"/> when none is left.</returns>
    public int Purge(DateTimeOffset startedBefore, int limit)
    {
        using var transaction = Begin();
        _purge.Parameters[0].Value = (int)SessionStatus.Running;
        _purge.Parameters[1].Value = SqliteRows.ToMilliseconds(startedBefore);
        _purge.Parameters[2].Value = limit;

        // Events go with their sessions through the foreign key's ON DELETE CASCADE.
        var purged = _purge.ExecuteNonQuery();
        transaction.Commit();
        Checkpoint();
        return purged;
    }

    /// <summary>In a file with incremental auto-vacuum (every file this library created since it sets it), gives back to the
    /// file system up to <paramref name="pages"/> of the free pages a purge left, in one transaction; in any other file
    /// does nothing (its free pages are reused by later writes).</summary>
    /// <returns>How many free pages the file still has to give back (0 in a file without incremental auto-vacuum).</returns>
    public long ReleaseFreePages(int pages)
    {
        using var transaction = Begin();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA auto_vacuum;";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != SqliteDatabase.IncrementalAutoVacuum)
        {
            return 0;
        }

        // PRAGMA takes no parameters; the count is an integer formatted invariantly.
        command.CommandText = "PRAGMA incremental_vacuum(" + pages.ToString(System.Globalization.CultureInfo.InvariantCulture) + ");";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA freelist_count;";
        var left = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        transaction.Commit();
        Checkpoint();
        return left;
    }

    /// <summary>Copies what the write-ahead log holds into the database file, as far as readers allow, without waiting for
    /// any lock (<c>PASSIVE</c>). Run after each batch of a purge: otherwise the log grows by every page the purge changes,
    /// and the app's next small write that crosses SQLite's auto-checkpoint threshold copies them all inside its own
    /// commit (measured: stalls of 1 to 1.7 s for a session write during a purge of 50,000 sessions, against 0.1 to 0.25 s
    /// with this, in the same batches).</summary>
    private void Checkpoint()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        command.ExecuteNonQuery();
    }

    /// <summary>Rewrites the whole file without its free pages (<c>VACUUM</c>), switching it to incremental auto-vacuum
    /// first so that later purges give their pages back by themselves, then copies the log back so the file shrinks. Holds
    /// the write lock for the whole rewrite.</summary>
    public void Compact()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;";
        command.ExecuteNonQuery();

        // In write-ahead-log mode the rewrite lands in the log: the file shrinks once it is copied back, now if no reader
        // is in the way (SQLite waits the busy timeout for them, then leaves it to the next checkpoint).
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in _commands)
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private static bool IsDuplicateKey(SqliteException exception) =>
        exception.SqliteExtendedErrorCode is SqliteConstraintPrimaryKey or SqliteConstraintUnique;

    private SqliteTransaction Begin()
    {
        // Immediate: take the write lock up front rather than fail to upgrade a read lock half-way through.
        var transaction = _connection.BeginTransaction(deferred: false);
        foreach (var command in _commands)
        {
            command.Transaction = transaction;
        }

        return transaction;
    }

    private SessionStatus? GetStatus(string sessionId)
    {
        _getStatus.Parameters[0].Value = SqliteRows.Text(sessionId);
        return _getStatus.ExecuteScalar() is long status ? (SessionStatus)status : null;
    }

    private void InsertSession(SessionRecord session)
    {
        SqliteRows.BindSession(_insertSession, session);
        try
        {
            _insertSession.ExecuteNonQuery();
        }
        catch (SqliteException exception) when (IsDuplicateKey(exception))
        {
            throw new SessionStateException($"Session '{session.Id}' already exists.", exception);
        }
    }

    private void InsertEvent(string sessionId, SessionEvent sessionEvent)
    {
        SqliteRows.BindEvent(_insertEvent, sessionId, sessionEvent);
        try
        {
            _insertEvent.ExecuteNonQuery();
        }
        catch (SqliteException exception) when (IsDuplicateKey(exception))
        {
            throw new SessionStateException($"Session '{sessionId}' already has an event with sequence {sessionEvent.Sequence}.", exception);
        }
    }

    private void AddEventCount(string sessionId, long count)
    {
        _addEventCount.Parameters[0].Value = SqliteRows.Text(sessionId);
        _addEventCount.Parameters[1].Value = count;
        _addEventCount.ExecuteNonQuery();
    }

    private bool UpdateOutcome(string sessionId, SessionOutcome outcome)
    {
        _setOutcome.Parameters[0].Value = SqliteRows.Text(sessionId);
        SqliteRows.BindOutcome(_setOutcome.Parameters, 1, outcome);
        return _setOutcome.ExecuteNonQuery() > 0;
    }
}
