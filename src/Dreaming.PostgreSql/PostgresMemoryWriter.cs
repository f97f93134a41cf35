using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The memory changes. Each reads what it checks and writes what it changes in one transaction that holds the
/// scope's advisory lock from its checks to its commit, so changes by other store objects or processes on the same scope
/// cannot slip in between: of two approvals racing, the second sees the first's active version, as with SQLite.</summary>
/// <remarks>A proposal's or an edit's insights (the only large thing a change sends) travel in the first statement of
/// its transaction, before the lock: a host that stops partway through sending them (frozen, or cut off without its
/// socket closed) leaves the server waiting for the rest of the message, where no setting ends it, and must hold nothing
/// another instance waits on meanwhile. A rejection's reason (a reviewer's text, of any length) travels in the statement
/// that takes the lock, a rollback's note in the round trip that takes it. A rollback copies its insights on the server
/// and sends none. With webhooks, every change's event bodies travel in the round trip that takes the lock, before the
/// locking statement (<see cref="PostgresWebhookStash"/>).</remarks>
/// <param name="database">The database: its schema is part of the lock's key, and the lock's statement bounds the
/// transaction's idle time (<see cref="PostgresDatabase.IdleLimit"/>).</param>
internal sealed partial class PostgresMemoryWriter(PostgresDatabase database)
{
    private readonly string _lockScope = PostgresMemoryRows.LockScopeSql(database);

    /// <summary>Gets or sets the publisher whose webhook rows a change writes in its transaction, before the commit;
    /// <see langword="null"/> writes none.</summary>
    public WebhookPublisher? Webhooks { get; set; }

    /// <summary>Stores a proposal.</summary>
    /// <remarks>The parent is read before the transaction, without the lock: what a version holds never changes, and it is
    /// all the checks read. With webhooks, the event is made before the lock, numbered as the scope's next version then
    /// (<see cref="StashProposedAsync"/>).</remarks>
    public async Task<(MemoryVersion Version, bool WroteWebhooks)> ProposeAsync(NpgsqlConnection connection, MemoryProposal proposal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parent = proposal.ParentVersionId is { } parentId ? await FindAsync(connection, transaction: null, parentId, cancellationToken).ConfigureAwait(false) : null;
        proposal.Validate(parent);
        var id = MemoryVersion.NewId();
        var stash = await StashProposedAsync(connection, id, proposal, now, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await InsertLockedAsync(connection, transaction, id, proposal, now, stash, cancellationToken).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, id, WebhookEventTypes.MemoryVersionProposed, cancellationToken, stash).ConfigureAwait(false);
    }

    /// <summary>Stores an edit as a new proposed version.</summary>
    /// <remarks>The version edited is read before the transaction, without the lock, as a proposal's parent is.</remarks>
    public async Task<(MemoryVersion Version, bool WroteWebhooks)> EditAsync(NpgsqlConnection connection, string versionId, MemoryEdit edit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var source = await FindAsync(connection, transaction: null, versionId, cancellationToken).ConfigureAwait(false);
        var proposal = edit.ApplyTo(source);
        proposal.Validate(source);
        var id = MemoryVersion.NewId();
        var stash = await StashProposedAsync(connection, id, proposal, now, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await InsertLockedAsync(connection, transaction, id, proposal, now, stash, cancellationToken).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, id, WebhookEventTypes.MemoryVersionProposed, cancellationToken, stash).ConfigureAwait(false);
    }

    /// <summary>Activates a proposed version.</summary>
    /// <remarks>With webhooks, the version is read whole first, without the lock (what a version holds never changes), and
    /// its event, made from it as activated, travels in the round trip that takes the lock, before the locking statement
    /// (<see cref="PostgresWebhookStash"/>): with <see cref="WebhookOptions.IncludeFullPayloads"/> it carries the insight
    /// texts, up to <see cref="WebhookOptions.MaxPayloadBytes"/>.</remarks>
    public async Task<(MemoryVersion Version, bool WroteWebhooks)> ApproveAsync(NpgsqlConnection connection, string versionId, MemoryAuthor reviewer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Type = WebhookEventTypes.MemoryVersionActivated;
        MemoryVersion? proposed = null;
        PostgresWebhookStash? stash = null;
        if (Webhooks is { } webhooks && PostgresStoreWebhooks.Writes(webhooks, Type))
        {
            proposed = await FindAsync(connection, transaction: null, versionId, cancellationToken).ConfigureAwait(false);
            stash = PostgresStoreWebhooks.StashMemoryVersion(webhooks, Type, proposed with { State = MemoryVersionState.Active, ReviewedBy = reviewer, ReviewedAt = now });
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (proposed is null)
        {
            await LockScopeOfAsync(connection, transaction, versionId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            if (stash is not null)
            {
                foreach (var command in stash.Commands())
                {
                    batch.BatchCommands.Add(command);
                }
            }

            batch.BatchCommands.Add(PostgresMemoryRows.BatchCommand(_lockScope, PostgresMemoryRows.LockKey(PostgresMemoryMigrations.Component, database.Schema, proposed.Scope)));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var version = await PostgresMemoryRows.ReadSummaryAsync(connection, transaction, versionId, cancellationToken).ConfigureAwait(false) ?? throw MemoryVersionNotFoundException.ForId(versionId);
        var active = await PostgresMemoryRows.ReadActiveSummaryAsync(connection, transaction, version.Scope, cancellationToken).ConfigureAwait(false);
        MemoryStoreRules.CheckApprove(version, active, active is not null && await DerivesFromAsync(connection, transaction, version.Id, active.Id, cancellationToken).ConfigureAwait(false));

        // The old version steps down first: the unique index on active versions would refuse two at once.
        await SupersedeAsync(connection, transaction, active, version.Id, now, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            transaction,
            "UPDATE memory_versions SET state = 'active', reviewer_kind = @reviewer_kind, reviewer_id = @reviewer_id, reviewed_ms = @reviewed_ms WHERE id = @id",
            cancellationToken,
            ("id", versionId),
            ("reviewer_kind", PostgresMemoryRows.Name(reviewer.Kind)),
            ("reviewer_id", reviewer.Id),
            ("reviewed_ms", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, versionId, Type, cancellationToken, stash).ConfigureAwait(false);
    }

    /// <summary>Rejects a proposed version.</summary>
    /// <remarks>The version is read first, without the lock (its scope never changes, and a version that is no longer
    /// proposed never is again); then the reason (a reviewer's text, of any length) travels in the statement that takes
    /// the lock, which the server runs only once it has all of it, and which rejects the version only if it is still
    /// proposed when the lock is granted (an update re-reads a row changed meanwhile). A version found otherwise is
    /// refused as it is then. With webhooks, the version is read whole, and its event, made from it as rejected, travels
    /// in the same round trip before the locking statement (<see cref="PostgresWebhookStash"/>).</remarks>
    public async Task<(MemoryVersion Version, bool WroteWebhooks)> RejectAsync(NpgsqlConnection connection, string versionId, MemoryAuthor reviewer, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Type = WebhookEventTypes.MemoryVersionRejected;
        PostgresWebhookStash? stash = null;
        MemoryVersionSummary version;
        if (Webhooks is { } webhooks && PostgresStoreWebhooks.Writes(webhooks, Type))
        {
            var whole = await FindAsync(connection, transaction: null, versionId, cancellationToken).ConfigureAwait(false);
            version = whole.ToSummary();
            MemoryStoreRules.CheckReject(version);
            stash = PostgresStoreWebhooks.StashMemoryVersion(webhooks, Type, whole with { State = MemoryVersionState.Rejected, ReviewedBy = reviewer, ReviewedAt = now, ReviewNote = reason });
        }
        else
        {
            version = await PostgresMemoryRows.ReadSummaryAsync(connection, transaction: null, versionId, cancellationToken).ConfigureAwait(false) ?? throw MemoryVersionNotFoundException.ForId(versionId);
            MemoryStoreRules.CheckReject(version);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (stash is not null)
            {
                foreach (var command in stash.Commands())
                {
                    batch.BatchCommands.Add(command);
                }
            }

            var reject = PostgresMemoryRows.BatchCommand(
                $"WITH scope_lock AS ({_lockScope}) UPDATE memory_versions SET state = 'rejected', reviewer_kind = @reviewer_kind, reviewer_id = @reviewer_id, "
                + "reviewed_ms = @reviewed_ms, review_note = @review_note FROM scope_lock WHERE id = @id AND state = 'proposed'",
                ("id", versionId),
                PostgresMemoryRows.LockKey(PostgresMemoryMigrations.Component, database.Schema, version.Scope),
                ("reviewer_kind", PostgresMemoryRows.Name(reviewer.Kind)),
                ("reviewer_id", reviewer.Id),
                ("reviewed_ms", now.ToUnixTimeMilliseconds()),
                ("review_note", reason));
            batch.BatchCommands.Add(reject);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (reject.RecordsAffected == 0)
            {
                // Approved or rejected by another instance while this one waited for the lock.
                MemoryStoreRules.CheckReject((await PostgresMemoryRows.ReadSummaryAsync(connection, transaction, versionId, cancellationToken).ConfigureAwait(false))!);
            }
        }

        return await CommitAsync(connection, transaction, versionId, Type, cancellationToken, stash).ConfigureAwait(false);
    }

    /// <summary>Activates a copy of an earlier version.</summary>
    /// <remarks>The version restored is read first, without the lock (what it holds never changes; its state, which may, is
    /// read again under the lock). The rollback's version row, with its note (a person's text, of any length), is inserted
    /// in the round trip that takes the lock, right after it, as the scope's next number with the active version as the
    /// lock finds it for parent; then the checks read the version restored and the active version under the lock, and
    /// refuse the change (the transaction, the row with it, rolled back) as before. With webhooks, the event is made
    /// before the lock, from the active version and the next number as they are then
    /// (<see cref="PostgresWebhookStash"/>).</remarks>
    public async Task<(MemoryVersion Version, bool WroteWebhooks)> RollbackAsync(NpgsqlConnection connection, string versionId, MemoryAuthor author, string? note, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Type = WebhookEventTypes.MemoryVersionActivated;
        var target = await FindAsync(connection, transaction: null, versionId, cancellationToken).ConfigureAwait(false);
        var id = MemoryVersion.NewId();
        PostgresWebhookStash? stash = null;
        if (Webhooks is { } webhooks && PostgresStoreWebhooks.Writes(webhooks, Type))
        {
            var (number, activeId) = await NextNumberAsync(connection, target.Scope, cancellationToken).ConfigureAwait(false);
            stash = PostgresStoreWebhooks.StashMemoryVersion(webhooks, Type, new MemoryVersion
            {
                Id = id,
                Scope = target.Scope,
                Number = number,
                ParentVersionId = activeId,
                RestoredFromVersionId = target.Id,
                Author = author,
                State = MemoryVersionState.Active,
                CreatedAt = now,
                Note = note,
                ReviewedBy = author,
                ReviewedAt = now,
                Insights = target.Insights,
            });
        }

        var restored = new MemoryProposal { Scope = target.Scope, Author = author, Insights = target.Insights, Note = note };
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (stash is not null)
            {
                foreach (var command in stash.Commands())
                {
                    batch.BatchCommands.Add(command);
                }
            }

            batch.BatchCommands.Add(PostgresMemoryRows.BatchCommand(_lockScope, PostgresMemoryRows.LockKey(PostgresMemoryMigrations.Component, database.Schema, target.Scope)));
            batch.BatchCommands.Add(VersionCommand(InsertRestoredVersion, id, restored, target.Id, now));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The version restored as it is now, and the active version with its insights, in one statement each (the scope's
        // lock keeps them from changing meanwhile; the rollback's row, still proposed, is not the active one).
        var current = (await PostgresMemoryRows.ReadSummaryAsync(connection, transaction, versionId, cancellationToken).ConfigureAwait(false))!;
        var active = await PostgresMemoryRows.ReadActiveVersionAsync(connection, transaction, target.Scope, cancellationToken).ConfigureAwait(false);
        var activeSummary = active?.ToSummary();
        MemoryStoreRules.CheckRollback(current, activeSummary);
        (restored with { ParentVersionId = active?.Id }).Validate(active);

        // The rollback's row was inserted before the old version steps down, so the superseded row can point at it.
        await ExecuteAsync(connection, transaction, CopyInsights, cancellationToken, ("version_id", id), ("source_id", target.Id)).ConfigureAwait(false);
        await SupersedeAsync(connection, transaction, activeSummary, id, now, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "UPDATE memory_versions SET state = 'active' WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, id, Type, cancellationToken, stash).ConfigureAwait(false);
    }

    /// <summary>Makes a proposal's (or an edit's) event before the lock, as the version will be stored: numbered as the
    /// scope's next version now; under the lock it may get a later number, which the row's body then takes
    /// (<see cref="PostgresWebhookStash.Take"/>). None without webhooks, or when no endpoint subscribes.</summary>
    private async Task<PostgresWebhookStash?> StashProposedAsync(NpgsqlConnection connection, string id, MemoryProposal proposal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Type = WebhookEventTypes.MemoryVersionProposed;
        if (Webhooks is not { } webhooks || !PostgresStoreWebhooks.Writes(webhooks, Type))
        {
            return null;
        }

        var (number, _) = await NextNumberAsync(connection, proposal.Scope, cancellationToken).ConfigureAwait(false);
        return PostgresStoreWebhooks.StashMemoryVersion(webhooks, Type, new MemoryVersion
        {
            Id = id,
            Scope = proposal.Scope,
            Number = number,
            ParentVersionId = proposal.ParentVersionId,
            Author = proposal.Author,
            State = MemoryVersionState.Proposed,
            CreatedAt = now,
            Note = proposal.Note,
            Insights = proposal.Insights,
        });
    }

    private static async Task<MemoryVersion> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string versionId, CancellationToken cancellationToken) =>
        await PostgresMemoryRows.ReadVersionAsync(connection, transaction, versionId, cancellationToken).ConfigureAwait(false) ?? throw MemoryVersionNotFoundException.ForId(versionId);

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = PostgresMemoryRows.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> DerivesFromAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string versionId, string ancestorId, CancellationToken cancellationToken)
    {
        await using var command = PostgresMemoryRows.Command(
            connection,
            transaction,
            "WITH RECURSIVE lineage (id) AS (SELECT parent_id FROM memory_versions WHERE id = @id "
            + "UNION SELECT v.parent_id FROM memory_versions v JOIN lineage l ON v.id = l.id) "
            + "SELECT EXISTS (SELECT 1 FROM lineage WHERE id = @ancestor)",
            ("id", versionId),
            ("ancestor", ancestorId));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task SupersedeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MemoryVersionSummary? active, string successorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (active is not null)
        {
            await ExecuteAsync(
                connection,
                transaction,
                "UPDATE memory_versions SET state = 'superseded', superseded_ms = @superseded_ms, superseded_by_id = @successor WHERE id = @id",
                cancellationToken,
                ("id", active.Id),
                ("superseded_ms", now.ToUnixTimeMilliseconds()),
                ("successor", successorId)).ConfigureAwait(false);
        }
    }

    private Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MemoryScope scope, CancellationToken cancellationToken) =>
        PostgresMemoryRows.LockScopeAsync(connection, transaction, _lockScope, PostgresMemoryMigrations.Component, database.Schema, scope, cancellationToken);

    /// <summary>Locks the scope of a version (a version's scope never changes, so reading it before the lock is safe); an
    /// unknown version locks nothing and is reported by the read that follows.</summary>
    private async Task LockScopeOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string versionId, CancellationToken cancellationToken)
    {
        await using var command = PostgresMemoryRows.Command(connection, transaction, "SELECT scope FROM memory_versions WHERE id = @id", ("id", versionId));
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string key && MemoryScope.TryParse(PostgresText.Decode(key), out var scope))
        {
            await LockAsync(connection, transaction, scope, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the version back, writes its event's webhook rows and commits, so the change and its announcement are
    /// stored together or not at all. The commit itself is not cancelled: once it is sent, the change stands.</summary>
    private async Task<(MemoryVersion Version, bool WroteWebhooks)> CommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string versionId, string eventType, CancellationToken cancellationToken, PostgresWebhookStash? stash = null)
    {
        var version = (await PostgresMemoryRows.ReadVersionAsync(connection, transaction, versionId, cancellationToken).ConfigureAwait(false))!;
        var wrote = Webhooks is { } webhooks
            && await PostgresStoreWebhooks.WriteMemoryVersionAsync(connection, transaction, webhooks, eventType, version, cancellationToken, stash).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return (version, wrote);
    }
}
