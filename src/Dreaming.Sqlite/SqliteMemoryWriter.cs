using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>The connection memory writes go through. Each operation reads what it checks and writes what it changes in one
/// immediate transaction, so writers in other threads or processes cannot slip in between.</summary>
/// <remarks>Not thread-safe: <see cref="SqliteMemoryStore"/> serialises calls with its write lock.</remarks>
internal sealed class SqliteMemoryWriter(SqliteConnection connection) : IDisposable
{
    private const string InsertVersion =
        "INSERT INTO memory_versions (id, scope, number, parent_id, restored_from_id, author_kind, author_id, state, created_ms, note, "
        + "insight_count, reviewer_kind, reviewer_id, reviewed_ms) VALUES (CAST($id AS TEXT), CAST($scope AS TEXT), "
        + "(SELECT coalesce(max(number), 0) + 1 FROM memory_versions WHERE scope = CAST($scope AS TEXT)), CAST($parent_id AS TEXT), CAST($restored_from_id AS TEXT), "
        + "$author_kind, CAST($author_id AS TEXT), $state, $created_ms, CAST($note AS TEXT), $insight_count, $reviewer_kind, CAST($reviewer_id AS TEXT), $reviewed_ms)";

    private const string InsertInsight =
        "INSERT INTO memory_insights (version_id, id, position, kind, text, trigger_tools, trigger_keywords, evidence, helpful, "
        + "harmful, seen, status, source, created_ms, updated_ms) VALUES (CAST($version_id AS TEXT), CAST($id AS TEXT), $position, $kind, CAST($text AS TEXT), "
        + "$trigger_tools, $trigger_keywords, $evidence, $helpful, $harmful, $seen, $status, $source, $created_ms, $updated_ms)";

    private static readonly string[] InsightParameters =
    [
        "$id", "$position", "$kind", "$text", "$trigger_tools", "$trigger_keywords", "$evidence", "$helpful", "$harmful", "$seen",
        "$status", "$source", "$created_ms", "$updated_ms",
    ];

    /// <summary>Stores a proposal; with <paramref name="webhooks"/>, also writes its <c>memory.version_proposed</c> rows in the same transaction.</summary>
    /// <returns>The version, and whether outbox rows were written.</returns>
    public (MemoryVersion Version, bool WroteWebhooks) Propose(MemoryProposal proposal, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var parent = proposal.ParentVersionId is { } parentId ? Find(transaction, parentId) : null;
        proposal.Validate(parent);
        var id = Insert(transaction, proposal, MemoryVersionState.Proposed, restoredFromVersionId: null, now);
        return Commit(transaction, id, webhooks, WebhookEventTypes.MemoryVersionProposed);
    }

    /// <summary>Stores an edit as a new proposed version; with <paramref name="webhooks"/>, also writes its
    /// <c>memory.version_proposed</c> rows in the same transaction.</summary>
    public (MemoryVersion Version, bool WroteWebhooks) Edit(string versionId, MemoryEdit edit, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var source = Find(transaction, versionId);
        var proposal = edit.ApplyTo(source);
        proposal.Validate(source);
        var id = Insert(transaction, proposal, MemoryVersionState.Proposed, restoredFromVersionId: null, now);
        return Commit(transaction, id, webhooks, WebhookEventTypes.MemoryVersionProposed);
    }

    /// <summary>Activates a version; with <paramref name="webhooks"/>, also writes its <c>memory.version_activated</c> rows in the same transaction.</summary>
    /// <returns>The version, and whether outbox rows were written.</returns>
    public (MemoryVersion Version, bool WroteWebhooks) Approve(string versionId, MemoryAuthor reviewer, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = SqliteMemoryRows.ReadSummary(connection, transaction, versionId) ?? throw MemoryVersionNotFoundException.ForId(versionId);
        var active = SqliteMemoryRows.ReadActiveSummary(connection, transaction, version.Scope);
        MemoryStoreRules.CheckApprove(version, active, active is not null && DerivesFrom(transaction, version.Id, active.Id));

        // The old version steps down first: the unique index on active versions would refuse two at once.
        Supersede(transaction, active, version.Id, now);
        using (var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "UPDATE memory_versions SET state = $state, reviewer_kind = $reviewer_kind, reviewer_id = CAST($reviewer_id AS TEXT), reviewed_ms = $reviewed_ms WHERE id = CAST($id AS TEXT)",
            ("$id", versionId),
            ("$state", SqliteMemoryRows.Name(MemoryVersionState.Active)),
            ("$reviewer_kind", SqliteMemoryRows.Name(reviewer.Kind)),
            ("$reviewer_id", reviewer.Id),
            ("$reviewed_ms", now.ToUnixTimeMilliseconds())))
        {
            command.ExecuteNonQuery();
        }

        return Commit(transaction, versionId, webhooks, WebhookEventTypes.MemoryVersionActivated);
    }

    /// <summary>Rejects a proposed version; with <paramref name="webhooks"/>, also writes its <c>memory.version_rejected</c> rows in the same transaction.</summary>
    /// <returns>The version, and whether outbox rows were written.</returns>
    public (MemoryVersion Version, bool WroteWebhooks) Reject(string versionId, MemoryAuthor reviewer, string? reason, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = SqliteMemoryRows.ReadSummary(connection, transaction, versionId) ?? throw MemoryVersionNotFoundException.ForId(versionId);
        MemoryStoreRules.CheckReject(version);
        using (var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "UPDATE memory_versions SET state = $state, reviewer_kind = $reviewer_kind, reviewer_id = CAST($reviewer_id AS TEXT), reviewed_ms = $reviewed_ms, "
            + "review_note = CAST($review_note AS TEXT) WHERE id = CAST($id AS TEXT)",
            ("$id", versionId),
            ("$state", SqliteMemoryRows.Name(MemoryVersionState.Rejected)),
            ("$reviewer_kind", SqliteMemoryRows.Name(reviewer.Kind)),
            ("$reviewer_id", reviewer.Id),
            ("$reviewed_ms", now.ToUnixTimeMilliseconds()),
            ("$review_note", SqliteRows.Text(reason))))
        {
            command.ExecuteNonQuery();
        }

        return Commit(transaction, versionId, webhooks, WebhookEventTypes.MemoryVersionRejected);
    }

    /// <summary>Activates a copy of an earlier version; with <paramref name="webhooks"/>, also writes the copy's
    /// <c>memory.version_activated</c> rows in the same transaction.</summary>
    /// <returns>The copy, and whether outbox rows were written.</returns>
    public (MemoryVersion Version, bool WroteWebhooks) Rollback(string versionId, MemoryAuthor author, string? note, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var target = Find(transaction, versionId);
        var activeSummary = SqliteMemoryRows.ReadActiveSummary(connection, transaction, target.Scope);
        MemoryStoreRules.CheckRollback(target.ToSummary(), activeSummary);
        var active = activeSummary is null ? null : SqliteMemoryRows.WithInsights(connection, transaction, activeSummary);
        var proposal = new MemoryProposal { Scope = target.Scope, ParentVersionId = active?.Id, Author = author, Insights = target.Insights, Note = note };
        proposal.Validate(active);

        // Inserted before the old version steps down, so the superseded row can point at it.
        var id = Insert(transaction, proposal, MemoryVersionState.Proposed, target.Id, now);
        Supersede(transaction, activeSummary, id, now);
        using (var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "UPDATE memory_versions SET state = $state WHERE id = CAST($id AS TEXT)",
            ("$id", id),
            ("$state", SqliteMemoryRows.Name(MemoryVersionState.Active))))
        {
            command.ExecuteNonQuery();
        }

        return Commit(transaction, id, webhooks, WebhookEventTypes.MemoryVersionActivated);
    }

    public void Dispose() => connection.Dispose();

    private MemoryVersion Find(SqliteTransaction transaction, string versionId) =>
        SqliteMemoryRows.ReadVersion(connection, transaction, versionId) ?? throw MemoryVersionNotFoundException.ForId(versionId);

    /// <summary>Reads the version back and, with <paramref name="webhooks"/>, writes its event's outbox rows before committing,
    /// so the change and its announcement are stored together or not at all.</summary>
    private (MemoryVersion Version, bool WroteWebhooks) Commit(SqliteTransaction transaction, string versionId, WebhookPublisher? webhooks, string eventType)
    {
        var version = SqliteMemoryRows.ReadVersion(connection, transaction, versionId)!;
        var wrote = webhooks is not null && SqliteStoreWebhooks.WriteMemoryVersion(connection, transaction, webhooks, eventType, version);
        transaction.Commit();
        return (version, wrote);
    }

    private bool DerivesFrom(SqliteTransaction transaction, string versionId, string ancestorId)
    {
        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "WITH RECURSIVE lineage (id) AS (SELECT parent_id FROM memory_versions WHERE id = CAST($id AS TEXT) "
            + "UNION SELECT v.parent_id FROM memory_versions v JOIN lineage l ON v.id = l.id) "
            + "SELECT count(*) FROM lineage WHERE id = CAST($ancestor AS TEXT)",
            ("$id", versionId),
            ("$ancestor", ancestorId));
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private void Supersede(SqliteTransaction transaction, MemoryVersionSummary? active, string successorId, DateTimeOffset now)
    {
        if (active is null)
        {
            return;
        }

        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "UPDATE memory_versions SET state = $state, superseded_ms = $superseded_ms, superseded_by_id = CAST($successor AS TEXT) WHERE id = CAST($id AS TEXT)",
            ("$id", active.Id),
            ("$state", SqliteMemoryRows.Name(MemoryVersionState.Superseded)),
            ("$superseded_ms", now.ToUnixTimeMilliseconds()),
            ("$successor", successorId));
        command.ExecuteNonQuery();
    }

    /// <summary>Inserts a version and its insights; a rollback's version is stamped as reviewed by its author.</summary>
    private string Insert(SqliteTransaction transaction, MemoryProposal proposal, MemoryVersionState state, string? restoredFromVersionId, DateTimeOffset now)
    {
        var id = MemoryVersion.NewId();
        var reviewed = restoredFromVersionId is not null;
        using (var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            InsertVersion,
            ("$id", id),
            ("$scope", proposal.Scope.Key),
            ("$parent_id", proposal.ParentVersionId),
            ("$restored_from_id", restoredFromVersionId),
            ("$author_kind", SqliteMemoryRows.Name(proposal.Author.Kind)),
            ("$author_id", proposal.Author.Id),
            ("$state", SqliteMemoryRows.Name(state)),
            ("$created_ms", now.ToUnixTimeMilliseconds()),
            ("$note", SqliteRows.Text(proposal.Note)),
            ("$insight_count", proposal.Insights.Count),
            ("$reviewer_kind", reviewed ? SqliteMemoryRows.Name(proposal.Author.Kind) : null),
            ("$reviewer_id", reviewed ? proposal.Author.Id : null),
            ("$reviewed_ms", reviewed ? now.ToUnixTimeMilliseconds() : null)))
        {
            command.ExecuteNonQuery();
        }

        using var insert = SqliteMemoryRows.Command(connection, transaction, InsertInsight, ("$version_id", id));
        foreach (var name in InsightParameters)
        {
            insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        insert.Prepare();
        for (var position = 0; position < proposal.Insights.Count; position++)
        {
            SqliteMemoryRows.BindInsight(insert, proposal.Insights[position], position);
            insert.ExecuteNonQuery();
        }

        return id;
    }
}
