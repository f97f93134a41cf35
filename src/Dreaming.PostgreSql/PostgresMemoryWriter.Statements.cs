using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>How a change writes a version's rows: the statements that insert a version and its insights (a proposal's
/// and an edit's sent as arrays, a rollback's copied on the server), the batch that sends a proposal's insights before the
/// scope's lock and its version after it, and the read of the number the scope's next version would have.</summary>
internal sealed partial class PostgresMemoryWriter
{
    private const string InsertVersion =
        "INSERT INTO memory_versions (id, scope, number, parent_id, restored_from_id, author_kind, author_id, state, created_ms, note, "
        + "insight_count, reviewer_kind, reviewer_id, reviewed_ms) VALUES (@id, @scope, "
        + "(SELECT coalesce(max(number), 0) + 1 FROM memory_versions WHERE scope = @scope), @parent_id, @restored_from_id, "
        + "@author_kind, @author_id, @state, @created_ms, @note, @insight_count, @reviewer_kind, @reviewer_id, @reviewed_ms)";

    // A rollback's version: its parent is the scope's active version as the lock finds it (the rollback's checks, which
    // follow, refuse the change when it is not the one they expect).
    private const string InsertRestoredVersion =
        "INSERT INTO memory_versions (id, scope, number, parent_id, restored_from_id, author_kind, author_id, state, created_ms, note, "
        + "insight_count, reviewer_kind, reviewer_id, reviewed_ms) VALUES (@id, @scope, "
        + "(SELECT coalesce(max(number), 0) + 1 FROM memory_versions WHERE scope = @scope), "
        + "(SELECT id FROM memory_versions WHERE scope = @scope AND state = 'active'), @restored_from_id, "
        + "@author_kind, @author_id, @state, @created_ms, @note, @insight_count, @reviewer_kind, @reviewer_id, @reviewed_ms)";

    private const string InsightColumns =
        "version_id, id, position, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms";

    // The insights of a new version, a column an array, so the statement has one text and 14 parameters however many
    // there are. Their version's row is inserted after the scope's lock, later in the transaction: the foreign key waits
    // for the commit (DeferInsightKey, memory version 2).
    private const string InsertInsights =
        "INSERT INTO memory_insights (" + InsightColumns + ") SELECT @version_id, id, (position - 1)::integer, kind, text, trigger_tools, "
        + "trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms FROM unnest(@ids, @kinds, @texts, "
        + "@trigger_tools, @trigger_keywords, @evidences, @helpfuls, @harmfuls, @seens, @statuses, @sources, @created, @updated) "
        + "WITH ORDINALITY AS u (id, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms, position)";

    private const string DeferInsightKey = "SET CONSTRAINTS memory_insights_version_id_fkey DEFERRED";

    // A rollback's insights: those of the version it restores, copied on the server (a version's insights never change).
    private const string CopyInsights =
        "INSERT INTO memory_insights (" + InsightColumns + ") SELECT @version_id, id, position, kind, text, trigger_tools, trigger_keywords, "
        + "evidence, helpful, harmful, seen, status, source, created_ms, updated_ms FROM memory_insights WHERE version_id = @source_id";

    /// <summary>Reads, without a lock, the number the scope's next version would have now and its active version: what a
    /// proposal's or a rollback's event is made with before the lock, and most often what the change gets under it.</summary>
    private static async Task<(int Number, string? ActiveId)> NextNumberAsync(NpgsqlConnection connection, MemoryScope scope, CancellationToken cancellationToken)
    {
        await using var command = PostgresMemoryRows.Command(
            connection,
            transaction: null,
            "SELECT (SELECT coalesce(max(number), 0) + 1 FROM memory_versions WHERE scope = @scope), (SELECT id FROM memory_versions WHERE scope = @scope AND state = 'active')",
            ("scope", scope.Key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt32(0), PostgresMemoryRows.GetString(reader, 1));
    }

    /// <summary>Inserts a proposal's version and its insights under the scope's lock, in one round trip: its insights
    /// first, then the lock (with the transaction's idle limit), then the version, numbered after the versions the lock's
    /// holders before it wrote. The server reads a statement's parameters whole before it runs it, so the lock is taken
    /// only once every insight is at the server; until then the transaction has written and locked nothing.</summary>
    private async Task InsertLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, MemoryProposal proposal, DateTimeOffset now, PostgresWebhookStash? stash, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (proposal.Insights.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(DeferInsightKey));
            batch.BatchCommands.Add(InsightsCommand(id, proposal.Insights));
        }

        if (stash is not null)
        {
            foreach (var command in stash.Commands())
            {
                batch.BatchCommands.Add(command);
            }
        }

        batch.BatchCommands.Add(PostgresMemoryRows.BatchCommand(_lockScope, PostgresMemoryRows.LockKey(PostgresMemoryMigrations.Component, database.Schema, proposal.Scope)));
        batch.BatchCommands.Add(VersionCommand(InsertVersion, id, proposal, restoredFromVersionId: null, now));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The insert of a version (<see cref="InsertVersion"/>, or <see cref="InsertRestoredVersion"/> for a
    /// rollback's, stamped as reviewed by its author).</summary>
    private static NpgsqlBatchCommand VersionCommand(string sql, string id, MemoryProposal proposal, string? restoredFromVersionId, DateTimeOffset now)
    {
        var reviewed = restoredFromVersionId is not null;
        var command = PostgresMemoryRows.BatchCommand(
            sql,
            ("id", id),
            ("scope", proposal.Scope.Key),
            ("restored_from_id", restoredFromVersionId),
            ("author_kind", PostgresMemoryRows.Name(proposal.Author.Kind)),
            ("author_id", proposal.Author.Id),
            ("state", PostgresMemoryRows.Name(MemoryVersionState.Proposed)),
            ("created_ms", now.ToUnixTimeMilliseconds()),
            ("note", proposal.Note),
            ("insight_count", proposal.Insights.Count),
            ("reviewer_kind", reviewed ? PostgresMemoryRows.Name(proposal.Author.Kind) : null),
            ("reviewer_id", reviewed ? proposal.Author.Id : null),
            ("reviewed_ms", reviewed ? now.ToUnixTimeMilliseconds() : null));

        // A rollback's parent is found by the statement, under the lock.
        if (!reviewed)
        {
            command.Parameters.AddWithValue("parent_id", proposal.ParentVersionId is { } parent ? PostgresText.Encode(parent) : DBNull.Value);
        }

        return command;
    }

    /// <summary>The statement of <see cref="InsertInsights"/> for <paramref name="insights"/>, in their order (positions
    /// 0, 1, 2...).</summary>
    private static NpgsqlBatchCommand InsightsCommand(string versionId, IReadOnlyList<Insight> insights)
    {
        var command = PostgresMemoryRows.BatchCommand(InsertInsights, ("version_id", versionId));
        foreach (var parameter in PostgresMemoryRows.InsightArrays(insights))
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
