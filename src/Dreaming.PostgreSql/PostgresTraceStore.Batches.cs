using System.Globalization;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The trace store's write of a <see cref="TraceWriteBatch"/>.</summary>
public sealed partial class PostgresTraceStore
{
    // The sessions the events name, locked in id order, after the batch's rows are written (see WriteBatchAsync). Other
    // instances wait on these rows (an end, an outcome, events of the session), so the statement also bounds how long the
    // transaction may then sit idle (PostgresDatabase.IdleLimit); /*idle*/ is where it goes; the limit's value comes back
    // as a third column, which nothing reads. FOR NO KEY UPDATE, not FOR UPDATE: the events' foreign key has already taken
    // FOR KEY SHARE on these rows, in this batch and in any other appending to them at the same moment, and FOR UPDATE
    // conflicts with that (two batches of one session would deadlock); FOR NO KEY UPDATE conflicts with every write of the
    // row (an end, an outcome, another batch's lock) and not with a key share.
    private const string LockSessions = "SELECT id, status, /*idle*/ FROM sessions WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE";

    // The constraints whose violation refuses a batch (PostgreSQL's names for the keys of the traces tables).
    private const string SessionKey = "sessions_pkey";

    /// <summary>How many sessions, or events, a refusal for a session that exists or a sequence number stored names.</summary>
    private const int NamedInRefusal = 5;

    private const string EventSessionKey = "events_session_id_fkey";

    // The statuses of the sessions a batch's events name, read in its round trip before its rows when they are several it
    // does not create: a foreign key's violation does not say which session was missing, and a read after the rollback
    // could find one created meanwhile by another instance. No lock: the sessions as the batch found them.
    private const string ReadStatuses = "SELECT id, status FROM sessions WHERE id = ANY($1)";

    private const string AddEventCounts =
        "UPDATE sessions AS s SET event_count = s.event_count + u.n FROM unnest($1::text[], $2::bigint[]) AS u(id, n) WHERE s.id = u.id";

    /// <summary>Writes a batch: all of it, or nothing of it.</summary>
    /// <remarks>A host can stop partway through sending a statement (frozen, or cut off without its socket closed); the
    /// server then waits for the rest of the message, "active" on <c>ClientRead</c>, where no setting ends it. So every row
    /// of the batch travels in the first statement, which writes nothing until it has all of them: while the rest is
    /// awaited, the transaction has written and locked nothing (it has no transaction id). Without events that statement
    /// inserts the sessions and is the whole write. With events it inserts them (and the new sessions, in a <c>WITH</c>),
    /// and the same round trip then locks the sessions they name, in id order, bounding the transaction's idle time, and
    /// adds their counts; the status read back refuses a batch for a session that has ended, and the commit follows: two
    /// round trips.</remarks>
    private static async Task<bool> WriteBatchAsync(NpgsqlConnection connection, TraceWriteBatch batch, string lockSessions, CancellationToken cancellationToken)
    {
        // In id order, as every batch and import inserts them: two batches creating the same sessions in other orders would
        // each wait on a row the other inserted (a deadlock the server ends with 40P01); in one order, the second waits for
        // the first and is refused whole, as with the single writer of the other stores.
        IReadOnlyList<SessionRecord> newSessions = batch.NewSessions.Count <= 1 ? batch.NewSessions : [.. batch.NewSessions.OrderBy(static s => s.Id, StringComparer.Ordinal)];
        if (batch.Events.Count == 0)
        {
            // One statement is a transaction of its own: nothing stays open after it.
            await using var insert = new NpgsqlBatch(connection) { BatchCommands = { PostgresTraceRows.InsertSessionsCommand(newSessions) } };
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw SessionExists(batch.NewSessions, exception);
            }

            return true;
        }

        var (ids, counts) = CountBySession(batch.Events);
        HashSet<string> Created() => newSessions.Select(static s => PostgresText.Encode(s.Id)).ToHashSet(StringComparer.Ordinal);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var write = new NpgsqlBatch(connection, transaction);

        // One session's events (almost every batch) need no read: the foreign key's violation names the only candidate.
        var readsStatuses = ids.Length > 1 && ids.Except(Created(), StringComparer.Ordinal).Skip(1).Any();
        if (readsStatuses)
        {
            var read = new NpgsqlBatchCommand(ReadStatuses);
            read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            write.BatchCommands.Add(read);
        }

        // A repeated sequence number is skipped (ON CONFLICT DO NOTHING), not refused: the lock then runs, and its rows say
        // whether a session had ended, which a batch checking in turn reports first; a shortfall of rows then refuses the
        // batch for the repeat, worded without a read after the rollback.
        var events = InInsertOrder(batch.Events);
        var insertEvents = PostgresTraceRows.InsertEventsCommand(events, 0, events.Count, newSessions: newSessions, skipRepeated: true);
        write.BatchCommands.Add(insertEvents);
        var lockRows = new NpgsqlBatchCommand(lockSessions);
        lockRows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        write.BatchCommands.Add(lockRows);
        var update = new NpgsqlBatchCommand(AddEventCounts);
        update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = counts });
        write.BatchCommands.Add(update);
        var found = new SortedDictionary<string, short>(StringComparer.Ordinal);
        var locked = new SortedDictionary<string, short>(StringComparer.Ordinal);
        try
        {
            // The statuses read first (when they are) and the lock return rows: each session's status, the lock's in id
            // order (the batch's new sessions with theirs).
            await using var reader = await write.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = readsStatuses ? found : locked;
            do
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows[reader.GetString(0)] = reader.GetInt16(1);
                }

                rows = locked;
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation)
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw Refusal(batch, newSessions, Created(), ids, readsStatuses ? found : null, exception);
        }

        if (locked.Values.Any(static status => status != (short)SessionStatus.Running))
        {
            // Worded from the lock's own rows, as they were when the batch was refused: a read after the rollback could find
            // another session of the batch ended by another instance meanwhile, and name it instead.
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw Ended(batch, locked, exception: null)!;
        }

        if (insertEvents.RecordsAffected < events.Count)
        {
            // Every session was running under the lock: the rows skipped repeat sequence numbers.
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw Refused($"{DuplicateEvent(batch.Events)}; nothing of the batch was written.", exception: null);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Says why the server refused a batch's rows (a unique or foreign key violation), after its rollback, as a
    /// batch that checked each thing in turn would: a new session that exists (or is created twice) first, then a session
    /// of its events that has ended (the first in id order) or does not exist. A repeated sequence number refuses nothing
    /// here: the insert skips it and the batch goes on to its lock (<see cref="WriteBatchAsync"/>). Worded from what
    /// refused it, never from a read after the rollback, when another instance may have changed the sessions it names:
    /// the constraint the error names; for a missing session, the one session the batch's events name and do not create,
    /// or, when they name several, the statuses the batch read in its round trip before its rows.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="newSessions">Its new sessions, in id order.</param>
    /// <param name="created">The stored ids of its new sessions.</param>
    /// <param name="ids">The stored ids of the sessions its events name, in id order.</param>
    /// <param name="found">The statuses read before its rows (stored ids), when its events name several sessions it does
    /// not create; otherwise <see langword="null"/>.</param>
    /// <param name="exception">The server's refusal.</param>
    private static SessionStateException Refusal(
        TraceWriteBatch batch, IReadOnlyList<SessionRecord> newSessions, HashSet<string> created, string[] ids, SortedDictionary<string, short>? found, PostgresException exception)
    {
        if (exception.ConstraintName == SessionKey || exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return SessionExists(batch.NewSessions, exception);
        }

        // The batch's own new sessions are as it gives them; the others as the batch found them.
        var statuses = new SortedDictionary<string, short>(StringComparer.Ordinal);
        foreach (var session in newSessions)
        {
            var id = PostgresText.Encode(session.Id);
            if (ids.Contains(id, StringComparer.Ordinal))
            {
                statuses[id] = (short)session.Status;
            }
        }

        var others = ids.Where(id => !created.Contains(id)).ToList();
        if (found is not null)
        {
            foreach (var (id, status) in found)
            {
                statuses[id] = status;
            }
        }
        else if (others.Count == 1 && exception.ConstraintName == EventSessionKey)
        {
            // The one session the batch names and does not create is the one that did not exist.
            if (Ended(batch, statuses, exception) is { } endedOwn)
            {
                return endedOwn;
            }

            var missing = PostgresText.Decode(others[0]);
            return Refused($"Event {batch.Events.First(e => string.Equals(e.SessionId, missing, StringComparison.Ordinal)).Sequence} names session '{missing}', which does not exist.", exception);
        }

        if (Ended(batch, statuses, exception) is { } ended)
        {
            return ended;
        }

        if (batch.Events.FirstOrDefault(e => PostgresText.Encode(e.SessionId) is var id && !statuses.ContainsKey(id) && !created.Contains(id)) is { } orphan)
        {
            return Refused($"Event {orphan.Sequence} names session '{orphan.SessionId}', which does not exist.", exception);
        }

        // Not met while sessions are only ever added (a purge removes ended ones, which the read found ended): kept for a
        // refusal the batch cannot explain.
        return Refused("A session the batch's events name did not exist or had ended when it was written; nothing of the batch was written.", exception);
    }

    /// <summary>The refusal for the first session in id order of <paramref name="statuses"/> (stored ids) that the
    /// batch's events name and that is not running, or <see langword="null"/> when none is.</summary>
    private static SessionStateException? Ended(TraceWriteBatch batch, SortedDictionary<string, short> statuses, Exception? exception)
    {
        foreach (var (id, status) in statuses)
        {
            var decoded = PostgresText.Decode(id);
            if (status != (short)SessionStatus.Running && batch.Events.FirstOrDefault(e => string.Equals(e.SessionId, decoded, StringComparison.Ordinal)) is { } first)
            {
                return Refused($"Session '{decoded}' has already ended ({(SessionStatus)status}); event {first.Sequence} cannot be appended.", exception);
            }
        }

        return null;
    }

    private static SessionStateException SessionExists(IReadOnlyList<SessionRecord> sessions, Exception? exception) =>
        Refused($"A session of the batch already exists ({DuplicateSession(sessions)}); nothing of the batch was written.", exception);

    private static SessionStateException Refused(string message, Exception? exception) =>
        exception is null ? new SessionStateException(message) : new SessionStateException(message, exception);

    /// <summary>The events by session id (ordinal), then sequence: the order every batch inserts them in. The events go in
    /// before the batch locks their sessions, so two batches repeating each other's sequence numbers (a retry, another
    /// instance) in other orders would each wait on an index entry the other inserted, a deadlock (40P01); in one order the
    /// second waits for the first and is refused. A batch already in that order (one session's, as a recorder writes it)
    /// is taken as it is.</summary>
    private static IReadOnlyList<SessionEvent> InInsertOrder(IReadOnlyList<SessionEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            var bySession = string.CompareOrdinal(events[i - 1].SessionId, events[i].SessionId);
            if (bySession > 0 || (bySession == 0 && events[i - 1].Sequence > events[i].Sequence))
            {
                return [.. events.OrderBy(static e => e.SessionId, StringComparer.Ordinal).ThenBy(static e => e.Sequence)];
            }
        }

        return events;
    }

    /// <summary>The stored ids of the sessions the events name, each once, and how many events each gets.</summary>
    private static (string[] Ids, long[] Counts) CountBySession(IReadOnlyList<SessionEvent> events)
    {
        // Almost every batch holds the events of one session: that case allocates only the two arrays.
        var first = events[0].SessionId;
        var one = true;
        for (var i = 1; i < events.Count && one; i++)
        {
            one = string.Equals(events[i].SessionId, first, StringComparison.Ordinal);
        }

        if (one)
        {
            return ([PostgresText.Encode(first)], [events.Count]);
        }

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sessionEvent in events)
        {
            counts[sessionEvent.SessionId] = counts.GetValueOrDefault(sessionEvent.SessionId) + 1;
        }

        return ([.. counts.Keys.Select(PostgresText.Encode)], [.. counts.Values]);
    }

    private static string DuplicateSession(IReadOnlyList<SessionRecord> sessions)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return sessions.FirstOrDefault(session => !seen.Add(session.Id)) is { } twice
            ? $"session '{twice.Id}' is created twice"
            : "one of " + FirstFew(sessions, static session => $"'{session.Id}'");
    }

    private static string DuplicateEvent(IReadOnlyList<SessionEvent> events)
    {
        var seen = new HashSet<(string, long)>();
        return events.FirstOrDefault(e => !seen.Add((e.SessionId, e.Sequence))) is { } twice
            ? $"Session '{twice.SessionId}' gets two events with sequence {twice.Sequence}"
            : $"A session of the batch already has an event with one of its sequence numbers ({FirstFew(events, static e => $"'{e.SessionId}' {e.Sequence}")})";
    }

    /// <summary>The first <see cref="NamedInRefusal"/> items, and how many more there are: a refusal of a batch of
    /// thousands names a few, not all (10,000 events made a message of 99,006 characters).</summary>
    private static string FirstFew<T>(IReadOnlyList<T> items, Func<T, string> name)
    {
        var named = string.Join(", ", items.Take(NamedInRefusal).Select(name));
        return items.Count > NamedInRefusal
            ? string.Create(CultureInfo.InvariantCulture, $"{named}, and {items.Count - NamedInRefusal:N0} more")
            : named;
    }
}
