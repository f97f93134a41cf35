using Npgsql;
using NpgsqlTypes;

namespace Dreaming.PostgreSql;

/// <summary>The transactions of the trace store's writes.</summary>
public sealed partial class PostgresTraceStore
{
    // The token is checked every this many events of an imported session, and each chunk is one statement.
    private const int ImportChunk = 1024;

    private const string Complete =
        "UPDATE sessions SET status = $2, ended_ms = $3, input_tokens = $4, output_tokens = $5, cached_input_tokens = $6, "
        + "model_calls = $7, cost_minor_units = $8, dropped_event_count = $9, "
        + "outcome_label = CASE WHEN $10 THEN $11 ELSE outcome_label END, outcome_score = CASE WHEN $10 THEN $12 ELSE outcome_score END, "
        + "outcome_source = CASE WHEN $10 THEN $13 ELSE outcome_source END "
        + "WHERE id = $1 AND status = 0 RETURNING agent_id, parent_id, scope, task";

    // An end with its webhook rows is a transaction that holds the session's row while it writes them: it also bounds how
    // long that transaction may then sit idle (PostgresDatabase.IdleLimit), a fifth column nothing reads.
    private const string CompleteInTransaction = Complete + ", /*idle*/";

    private const string SetOutcome = "UPDATE sessions SET outcome_label = $2, outcome_score = $3, outcome_source = $4 WHERE id = $1";

    // The oldest first, a batch at a time, through the start-time index; rows another transaction holds are left for later.
    // The ids are collected into an array, which the primary key finds: with "id IN (subquery)" the planner joined a small
    // table's batch by reading all of it (a hash join over a sequential scan, 5,000 sessions).
    internal const string Purge =
        "DELETE FROM sessions WHERE id = ANY(ARRAY(SELECT id FROM sessions WHERE status <> 0 AND started_ms < $1 ORDER BY started_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED))";

    private async Task CompleteAndNotifyAsync(SessionCompletion completion, WebhookPublisher? webhooks, CancellationToken cancellationToken)
    {
        if (await RunAsync(WriteAction, (connection, token) => CompleteCoreAsync(connection, completion, webhooks, _completeInTransaction, token), cancellationToken, webhookTables: webhooks is not null).ConfigureAwait(false))
        {
            webhooks!.NotifyWritten();
        }
    }

    /// <summary>Ends a session in one statement; with <paramref name="webhooks"/>, in a transaction that also writes its
    /// <c>session.*</c> outbox rows.</summary>
    /// <returns>Whether outbox rows were written.</returns>
    private static async Task<bool> CompleteCoreAsync(NpgsqlConnection connection, SessionCompletion completion, WebhookPublisher? webhooks, string completeInTransaction, CancellationToken cancellationToken)
    {
        await using var transaction = webhooks is null ? null : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(transaction is null ? Complete : completeInTransaction, connection, transaction);
        var values = command.Parameters;
        values.Add(PostgresTraceRows.Text(completion.SessionId));
        values.Add(new NpgsqlParameter<short> { TypedValue = (short)completion.Status });
        values.Add(new NpgsqlParameter<long> { TypedValue = completion.EndedAt.ToUnixTimeMilliseconds() });
        values.Add(new NpgsqlParameter<long> { TypedValue = completion.Usage.InputTokens });
        values.Add(new NpgsqlParameter<long> { TypedValue = completion.Usage.OutputTokens });
        values.Add(new NpgsqlParameter<long> { TypedValue = completion.Usage.CachedInputTokens });
        values.Add(new NpgsqlParameter<long> { TypedValue = completion.Usage.ModelCalls });
        values.Add(new NpgsqlParameter<long> { TypedValue = completion.Usage.CostMinorUnits });
        values.Add(new NpgsqlParameter<long> { TypedValue = completion.DroppedEventCount });

        // Without an outcome of its own, the completion keeps one that was set while the session ran.
        values.Add(new NpgsqlParameter<bool> { TypedValue = completion.Outcome is not null });
        PostgresTraceRows.AddOutcome(values, completion.Outcome);
        string? agentId = null, parentId = null, scope = null, task = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                agentId = PostgresText.Decode(reader.GetString(0));
                parentId = reader.IsDBNull(1) ? null : PostgresText.Decode(reader.GetString(1));
                scope = reader.IsDBNull(2) ? null : PostgresText.Decode(reader.GetString(2));
                task = PostgresText.Decode(reader.GetString(3));
            }
        }

        if (agentId is null)
        {
            await using var read = new NpgsqlCommand("SELECT status FROM sessions WHERE id = $1", connection, transaction);
            read.Parameters.Add(PostgresTraceRows.Text(completion.SessionId));
            throw await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is short status
                ? new SessionStateException($"Session '{completion.SessionId}' has already ended ({(SessionStatus)status}).")
                : new SessionNotFoundException($"Session '{completion.SessionId}' does not exist.");
        }

        var wrote = webhooks is not null && await WriteSessionWebhookAsync(connection, transaction!, completion, webhooks, (agentId, parentId, scope, task!), cancellationToken).ConfigureAwait(false);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return wrote;
    }

    private static async Task<bool> SetOutcomeCoreAsync(NpgsqlConnection connection, string sessionId, SessionOutcome outcome, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SetOutcome, connection);
        command.Parameters.Add(PostgresTraceRows.Text(sessionId));
        PostgresTraceRows.AddOutcome(command.Parameters, outcome);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0
            ? true
            : throw new SessionNotFoundException($"Session '{sessionId}' does not exist.");
    }

    /// <summary>Imports finished sessions in one transaction; a cancellation before the commit rolls all of it back. The
    /// transaction bounds how long it may sit idle (<see cref="PostgresDatabase.IdleLimit"/>) in the round trip of its first
    /// insert, before it: an import of the same ids, or a batch creating one, waits on the sessions it inserted until it ends.</summary>
    private static async Task<int> ImportCoreAsync(NpgsqlConnection connection, PostgresDatabase database, IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var limitIdle = database.LimitIdleSql;
        var added = 0;

        // In id order (a stable sort: of an id given twice, the first is kept), as every batch and import inserts: two
        // imports of the same sessions in other orders would each wait on a row the other inserted, a deadlock.
        foreach (var item in sessions.OrderBy(static item => item.Session.Id, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();

            // ON CONFLICT skips an id that exists, appears twice in the import, or another instance imports meanwhile.
            await using (var insert = new NpgsqlBatch(connection, transaction))
            {
                if (limitIdle is not null)
                {
                    insert.BatchCommands.Add(new NpgsqlBatchCommand(limitIdle));
                    limitIdle = null;
                }

                PostgresTraceRows.AddSession(insert, item.Session, PostgresTraceRows.InsertSession + " ON CONFLICT (id) DO NOTHING");
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                if (insert.BatchCommands[^1].RecordsAffected == 0)
                {
                    continue;
                }
            }

            for (var start = 0; start < item.Events.Count; start += ImportChunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var events = new NpgsqlBatch(connection, transaction);
                events.BatchCommands.Add(PostgresTraceRows.InsertEventsCommand(item.Events, start, Math.Min(ImportChunk, item.Events.Count - start), item.Session.Id));
                await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (item.Events.Count > 0)
            {
                await using var count = new NpgsqlCommand("UPDATE sessions SET event_count = $2 WHERE id = $1", connection, transaction);
                count.Parameters.Add(PostgresTraceRows.Text(item.Session.Id));
                count.Parameters.Add(new NpgsqlParameter<long> { TypedValue = item.Events.Count });
                await count.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            added++;
        }

        // Disposing the transaction uncommitted rolls it back.
        cancellationToken.ThrowIfCancellationRequested();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    private static async Task<int> PurgeBatchAsync(NpgsqlConnection connection, DateTimeOffset startedBefore, CancellationToken cancellationToken)
    {
        // Events go with their sessions through the foreign key's ON DELETE CASCADE.
        await using var command = new NpgsqlCommand(Purge, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = startedBefore.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PurgeBatchSize });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
