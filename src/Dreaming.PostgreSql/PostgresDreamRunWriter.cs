using Npgsql;
using static Dreaming.PostgreSql.PostgresMemoryRows;

namespace Dreaming.PostgreSql;

/// <summary>The dream run transitions. Each reads the run it checks and writes what it changes in one transaction that
/// holds the advisory lock of the run's scope from its checks to its commit, so store objects and processes sharing the
/// database cannot slip in between: of two starts racing for one scope, the second sees the first running.</summary>
/// <param name="database">The database: its schema is part of the lock's key, and the lock's statement bounds the
/// transaction's idle time (<see cref="PostgresDatabase.IdleLimit"/>).</param>
internal sealed partial class PostgresDreamRunWriter(PostgresDatabase database)
{
    private const string Running = "status = 'running'";

    private const string Unfinished = "status IN ('pending', 'running')";

    private readonly string _lockScope = LockScopeSql(database);

    private const string InsertRun =
        "INSERT INTO dream_runs (id, scope, status, requested_ms, instructions, max_sessions, min_sessions, review_mode, input_version_id, "
        + "session_ids, cursor_ended_ms, cursor_session_id, stage_usage, report, output_version_id, note, token_budget, budget_reached, lookback_ticks, max_lookback_sessions, min_scopes) "
        + "VALUES (@id, @scope, 'pending', @requested_ms, @instructions, @max_sessions, @min_sessions, @review_mode, @input_version_id, "
        + "@session_ids, @cursor_ended_ms, @cursor_session_id, @stage_usage, @report, @output_version_id, @note, @token_budget, @budget_reached, @lookback_ticks, @max_lookback_sessions, @min_scopes)";

    /// <summary>Gets or sets the publisher whose webhook rows a run's end writes in its transaction, before the commit;
    /// <see langword="null"/> writes none.</summary>
    public WebhookPublisher? Webhooks { get; set; }

    public static async Task<DreamRun> CreateAsync(NpgsqlConnection connection, DreamRunRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = DreamRun.NewId();
        await using (var command = Command(
            connection,
            transaction: null,
            InsertRun,
            [
                ("id", id),
                ("scope", request.Scope.Key),
                ("requested_ms", now.ToUnixTimeMilliseconds()),
                ("instructions", request.Instructions),
                ("max_sessions", request.MaxSessions),
                ("min_sessions", request.MinSessions),
                ("review_mode", Name(request.ReviewMode)),
                ("token_budget", request.TokenBudget),
                ("lookback_ticks", request.Lookback?.Ticks),
                ("max_lookback_sessions", request.MaxLookbackSessions),
                ("min_scopes", request.MinScopes),
                .. PostgresDreamRunRows.ResultParameters(DreamRunResults.Empty),
            ]))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return (await PostgresDreamRunRows.ReadRunAsync(connection, transaction: null, id, CancellationToken.None).ConfigureAwait(false))!;
    }

    /// <summary>Starts a run; a run of the scope whose lease expired is ended first (see <see cref="AbandonAsync"/>) in the
    /// same transaction, with its webhook rows, made before the lock (<see cref="StashAbandonedAsync"/>).</summary>
    public async Task<(DreamRun Run, bool WroteWebhooks)> StartAsync(NpgsqlConnection connection, string runId, string leaseHolder, TimeSpan leaseDuration, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (run, stash) = await LockAndFindAsync(connection, transaction, runId, cancellationToken, abandonedAt: now).ConfigureAwait(false);
        var running = await PostgresDreamRunRows.ReadRunningAsync(connection, transaction, run.Scope, cancellationToken).ConfigureAwait(false);
        DreamRunStoreRules.CheckStart(run, running, now);

        // The abandoned run steps down first: the unique index on running runs would refuse two at once.
        var wrote = false;
        if (running is not null)
        {
            var ended = await AbandonAsync(connection, transaction, running, now, cancellationToken).ConfigureAwait(false);
            wrote = await WriteEndedAsync(connection, transaction, ended, quarantined: ended.Status == DreamRunStatus.Completed, cancellationToken, stash).ConfigureAwait(false);
        }

        await UpdateAsync(
            connection,
            transaction,
            runId,
            "status = 'running', started_ms = @now, lease_holder = @lease_holder, lease_expires_ms = @lease_expires_ms",
            cancellationToken,
            ("now", now.ToUnixTimeMilliseconds()),
            ("lease_holder", leaseHolder),
            ("lease_expires_ms", (now + leaseDuration).ToUnixTimeMilliseconds())).ConfigureAwait(false);
        return (await CommitAsync(connection, transaction, runId, cancellationToken).ConfigureAwait(false), wrote);
    }

    public async Task<DreamRun> RenewAsync(NpgsqlConnection connection, string runId, string leaseHolder, TimeSpan leaseDuration, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        DreamRunStoreRules.CheckRenew((await LockAndFindAsync(connection, transaction, runId, cancellationToken).ConfigureAwait(false)).Run, leaseHolder);
        await UpdateAsync(connection, transaction, runId, "lease_expires_ms = @lease_expires_ms", cancellationToken, ("lease_expires_ms", (now + leaseDuration).ToUnixTimeMilliseconds())).ConfigureAwait(false);
        return await CommitAsync(connection, transaction, runId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DreamRun> UpdateProgressAsync(NpgsqlConnection connection, string runId, DreamRunResults results, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var run = await UpdateLockedAsync(
            connection,
            transaction,
            runId,
            static run => DreamRunStoreRules.CheckRunning(run, "updated"),
            results,
            PostgresDreamRunRows.SetResults,
            Running,
            PostgresDreamRunRows.ResultParameters(results),
            stash: null,
            cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return run.Run;
    }

    public async Task<(DreamRun Run, bool WroteWebhooks)> CompleteAsync(NpgsqlConnection connection, string runId, DreamRunResults results, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var run = await UpdateLockedAsync(
            connection,
            transaction,
            runId,
            static run => DreamRunStoreRules.CheckRunning(run, "completed"),
            results,
            "status = 'completed', ended_ms = @now, lease_expires_ms = NULL, " + PostgresDreamRunRows.SetResults,
            Running,
            [("now", now.ToUnixTimeMilliseconds()), .. PostgresDreamRunRows.ResultParameters(results)],
            run => Stash(run with { Status = DreamRunStatus.Completed, Results = results }, quarantined: true),
            cancellationToken).ConfigureAwait(false);
        return await CommitEndedAsync(transaction, run.Run, quarantined: true, run.Stash, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(DreamRun Run, bool WroteWebhooks)> FailAsync(NpgsqlConnection connection, string runId, string reason, DreamRunResults? results, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var run = await UpdateLockedAsync(
            connection,
            transaction,
            runId,
            static run => DreamRunStoreRules.CheckUnfinished(run, "failed"),
            results,
            "status = 'failed', ended_ms = @now, lease_expires_ms = NULL, error = @error" + (results is null ? string.Empty : ", " + PostgresDreamRunRows.SetResults),
            Unfinished,
            [("now", now.ToUnixTimeMilliseconds()), ("error", reason), .. results is null ? [] : PostgresDreamRunRows.ResultParameters(results)],
            run => Stash(run with { Status = DreamRunStatus.Failed, Error = reason, Results = results ?? run.Results }, quarantined: false),
            cancellationToken).ConfigureAwait(false);
        return await CommitEndedAsync(transaction, run.Run, quarantined: false, run.Stash, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cancels a run as a failure is recorded (<see cref="UpdateLockedAsync"/>): the run is read first, then the
    /// update takes the lock, so the events of its end (a progress note of any length in them) travel before the lock.</summary>
    public async Task<(DreamRun Run, bool WroteWebhooks)> CancelAsync(NpgsqlConnection connection, string runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var run = await UpdateLockedAsync(
            connection,
            transaction,
            runId,
            static run => DreamRunStoreRules.CheckUnfinished(run, "canceled"),
            results: null,
            "status = 'canceled', ended_ms = @now, lease_expires_ms = NULL",
            Unfinished,
            [("now", now.ToUnixTimeMilliseconds())],
            run => Stash(run with { Status = DreamRunStatus.Canceled }, quarantined: false),
            cancellationToken).ConfigureAwait(false);
        return await CommitEndedAsync(transaction, run.Run, quarantined: false, run.Stash, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the runs whose lease expired (see <see cref="AbandonAsync"/>) with their webhook rows, in one transaction.
    /// Each scope is locked and its running run read again under the lock, so a run another instance recovered, renewed or
    /// ended meanwhile is left alone, and two recoveries at once end each run once. The events of every run found are
    /// made before the first lock, and their bodies set aside in the round trip that takes it
    /// (<see cref="StashAbandonedAsync"/>).</summary>
    public Task<(List<DreamRun> Runs, bool WroteWebhooks)> RecoverAbandonedAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken) =>
        RecoverAbandonedAsync(connection, now, now, scope: null, cancellationToken);

    /// <summary>Ends the runs whose lease expired at or before <paramref name="leaseBound"/>, of <paramref name="scope"/> only
    /// when one is given, at <paramref name="now"/>, as the recovery of every expired run ends them: each judged again under its
    /// scope's lock, their events made before the first lock.</summary>
    public async Task<(List<DreamRun> Runs, bool WroteWebhooks)> RecoverAbandonedAsync(NpgsqlConnection connection, DateTimeOffset now, DateTimeOffset leaseBound, MemoryScope? scope, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var recovered = new List<DreamRun>();
        var wrote = false;
        var scopes = await PostgresDreamRunRows.ReadAbandonedScopesAsync(connection, transaction, leaseBound, cancellationToken, scope).ConfigureAwait(false);
        var stash = await StashAbandonedAsync(connection, transaction, scopes, leaseBound, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < scopes.Count; i++)
        {
            var abandoned = scopes[i];
            await LockScopeAsync(connection, transaction, abandoned, i == 0 ? stash : null, cancellationToken).ConfigureAwait(false);
            if (await PostgresDreamRunRows.ReadRunningAsync(connection, transaction, abandoned, cancellationToken).ConfigureAwait(false) is { } running && DreamRunStoreRules.IsAbandoned(running, leaseBound))
            {
                var ended = await AbandonAsync(connection, transaction, running, now, cancellationToken).ConfigureAwait(false);
                wrote |= await WriteEndedAsync(connection, transaction, ended, quarantined: ended.Status == DreamRunStatus.Completed, cancellationToken, stash).ConfigureAwait(false);
                recovered.Add(ended);
            }
        }

        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return (recovered, wrote);
    }

    /// <summary>Locks the scope of a run (a run's scope never changes, so reading it before the lock is safe) and reads the
    /// run under the lock; with <paramref name="abandonedAt"/>, the events of the end of the scope's run whose lease
    /// expired then are made first and set aside in the round trip that takes the lock (<see cref="StashAbandonedAsync"/>).</summary>
    private async Task<(DreamRun Run, PostgresWebhookStash? Stash)> LockAndFindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string runId, CancellationToken cancellationToken, DateTimeOffset? abandonedAt = null)
    {
        MemoryScope? scope = null;
        await using (var command = Command(connection, transaction, "SELECT scope FROM dream_runs WHERE id = @id", ("id", runId)))
        {
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string key && MemoryScope.TryParse(PostgresText.Decode(key), out var parsed))
            {
                scope = parsed;
            }
        }

        PostgresWebhookStash? stash = null;
        if (scope is not null)
        {
            stash = abandonedAt is { } now ? await StashAbandonedAsync(connection, transaction, [scope], now, cancellationToken).ConfigureAwait(false) : null;
            await LockScopeAsync(connection, transaction, scope, stash, cancellationToken).ConfigureAwait(false);
        }

        return (await PostgresDreamRunRows.ReadRunAsync(connection, transaction, runId, cancellationToken).ConfigureAwait(false) ?? throw DreamRunNotFoundException.ForId(runId), stash);
    }

    /// <summary>Records a run's results (or its end) under its scope's lock, in one round trip after a read of the run:
    /// the statement that carries them takes the lock (with the transaction's idle limit) before it writes, and the next
    /// reads the run back. The server reads a statement's parameters whole before it runs it, so the lock is taken only
    /// once all of the results are at the server: a host that stops partway through sending a large report holds nothing
    /// another instance waits on (the read before the transaction locks nothing; a run's scope and request never change).
    /// The update is made only while the run is in the state <paramref name="condition"/> names, as it is when the lock
    /// is granted (an update re-reads a row changed meanwhile); a run found otherwise has moved on (a run's status only
    /// moves forward, to an end that never changes), and <paramref name="check"/> refuses it as it is then.</summary>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="transaction">The transaction.</param>
    /// <param name="runId">The run.</param>
    /// <param name="check">Throws unless the run may change: run on the run read first, and on the run read back when the
    /// update found it in another state.</param>
    /// <param name="results">The results the change records, checked against the run's request; or none.</param>
    /// <param name="assignments">The columns the change sets.</param>
    /// <param name="condition">The states in which the run may change, as SQL: <see cref="Running"/> or
    /// <see cref="Unfinished"/>, as <paramref name="check"/> requires.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <param name="parameters">The parameters of <paramref name="assignments"/>.</param>
    /// <param name="stash">Makes the webhook events of the change from the run read first (as the change will leave it),
    /// whose bodies then travel in the batch before the locking statement; none when <see langword="null"/>.</param>
    /// <returns>The run as changed, and the events made before the lock.</returns>
    private async Task<(DreamRun Run, PostgresWebhookStash? Stash)> UpdateLockedAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        string runId,
        Action<DreamRun> check,
        DreamRunResults? results,
        string assignments,
        string condition,
        (string Name, object? Value)[] parameters,
        Func<DreamRun, PostgresWebhookStash?>? stash,
        CancellationToken cancellationToken)
    {
        var run = await PostgresDreamRunRows.ReadRunAsync(connection, transaction, runId, cancellationToken).ConfigureAwait(false) ?? throw DreamRunNotFoundException.ForId(runId);
        check(run);
        results?.Validate(run.Request);
        var events = stash?.Invoke(run);
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (events is not null)
        {
            foreach (var command in events.Commands())
            {
                batch.BatchCommands.Add(command);
            }
        }

        var update = BatchCommand(
            $"WITH scope_lock AS ({_lockScope}) UPDATE dream_runs SET {assignments} FROM scope_lock WHERE id = @id AND {condition}",
            [("id", runId), LockKey(PostgresDreamRunMigrations.Component, database.Schema, run.Scope), .. parameters]);
        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(BatchCommand($"SELECT {PostgresDreamRunRows.RunColumns} FROM dream_runs WHERE id = @id", ("id", runId)));
        DreamRun? changed = null;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // Only the read returns a row.
            do
            {
                changed = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? PostgresDreamRunRows.Read(reader) : changed;
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        if (update.RecordsAffected == 0)
        {
            check(changed!);
        }

        return (changed!, events);
    }

    /// <summary>Makes the events of a run's end from the run as the end will leave it, when webhooks are written.</summary>
    private PostgresWebhookStash? Stash(DreamRun ended, bool quarantined) =>
        Webhooks is { } webhooks ? PostgresStoreWebhooks.StashDreamEnded(webhooks, ended, quarantined) : null;

    private static async Task<DreamRun> CommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string runId, CancellationToken cancellationToken)
    {
        var run = (await PostgresDreamRunRows.ReadRunAsync(connection, transaction, runId, cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return run;
    }

    /// <summary>Writes the ended run's events' webhook rows (those made before the lock from their bodies set aside) and
    /// commits, so the end and its announcement are stored together or not at all.</summary>
    private async Task<(DreamRun Run, bool WroteWebhooks)> CommitEndedAsync(NpgsqlTransaction transaction, DreamRun run, bool quarantined, PostgresWebhookStash? stash, CancellationToken cancellationToken)
    {
        var wrote = await WriteEndedAsync(transaction.Connection!, transaction, run, quarantined, cancellationToken, stash).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return (run, wrote);
    }

    private Task<bool> WriteEndedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DreamRun run, bool quarantined, CancellationToken cancellationToken, PostgresWebhookStash? stash = null) =>
        Webhooks is { } webhooks ? PostgresStoreWebhooks.WriteDreamEndedAsync(connection, transaction, webhooks, run, quarantined, cancellationToken, stash) : Task.FromResult(false);

    private static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string runId, string assignments, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, $"UPDATE dream_runs SET {assignments} WHERE id = @id", [("id", runId), .. parameters]);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
