using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>The connection dream run writes go through. Each transition reads the run it checks and writes what it changes
/// in one immediate transaction, so writers in other threads or processes cannot slip in between: of two starts racing for
/// one scope, the second sees the first running.</summary>
/// <remarks>Not thread-safe: <see cref="SqliteDreamRunStore"/> serialises calls with its write lock.</remarks>
internal sealed class SqliteDreamRunWriter(SqliteConnection connection) : IDisposable
{
    private const string InsertRun =
        "INSERT INTO dream_runs (id, scope, status, requested_ms, instructions, max_sessions, min_sessions, review_mode, input_version_id, "
        + "session_ids, cursor_ended_ms, cursor_session_id, stage_usage, report, output_version_id, note, token_budget, budget_reached, lookback_ticks, max_lookback_sessions, min_scopes) "
        + "VALUES (CAST($id AS TEXT), CAST($scope AS TEXT), $status, $requested_ms, CAST($instructions AS TEXT), $max_sessions, $min_sessions, $review_mode, CAST($input_version_id AS TEXT), "
        + "$session_ids, $cursor_ended_ms, CAST($cursor_session_id AS TEXT), $stage_usage, $report, CAST($output_version_id AS TEXT), CAST($note AS TEXT), $token_budget, $budget_reached, $lookback_ticks, $max_lookback_sessions, $min_scopes)";

    public DreamRun Create(DreamRunRequest request, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var id = DreamRun.NewId();
        using (var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            InsertRun,
            [
                ("$id", id),
                ("$scope", request.Scope.Key),
                ("$status", SqliteMemoryRows.Name(DreamRunStatus.Pending)),
                ("$requested_ms", now.ToUnixTimeMilliseconds()),
                ("$instructions", SqliteRows.Text(request.Instructions)),
                ("$max_sessions", request.MaxSessions),
                ("$min_sessions", request.MinSessions),
                ("$review_mode", SqliteMemoryRows.Name(request.ReviewMode)),
                ("$token_budget", request.TokenBudget),
                ("$lookback_ticks", request.Lookback?.Ticks),
                ("$max_lookback_sessions", request.MaxLookbackSessions),
                ("$min_scopes", request.MinScopes),
                .. SqliteDreamRunRows.ResultParameters(DreamRunResults.Empty),
            ]))
        {
            command.ExecuteNonQuery();
        }

        return Commit(transaction, id);
    }

    /// <summary>Starts a run; a run of the scope whose lease expired is ended first (see <see cref="Abandon"/>), and with
    /// <paramref name="webhooks"/> its <c>dream.failed</c> (or <c>dream.completed</c>) rows are written in the same transaction.</summary>
    /// <returns>The started run, and whether outbox rows were written.</returns>
    public (DreamRun Run, bool WroteWebhooks) Start(string runId, string leaseHolder, TimeSpan leaseDuration, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var run = Find(transaction, runId);
        var running = SqliteDreamRunRows.ReadRunning(connection, transaction, run.Scope);
        DreamRunStoreRules.CheckStart(run, running, now);

        // The abandoned run steps down first: the unique index on running runs would refuse two at once.
        var wrote = false;
        if (running is not null)
        {
            var ended = Abandon(transaction, running, now);
            if (webhooks is not null)
            {
                wrote = SqliteStoreWebhooks.WriteDreamEnded(connection, transaction, webhooks, ended, quarantined: ended.Status == DreamRunStatus.Completed);
            }
        }

        Update(
            transaction,
            runId,
            "status = $status, started_ms = $now, lease_holder = CAST($lease_holder AS TEXT), lease_expires_ms = $lease_expires_ms",
            ("$status", SqliteMemoryRows.Name(DreamRunStatus.Running)),
            ("$now", now.ToUnixTimeMilliseconds()),
            ("$lease_holder", leaseHolder),
            ("$lease_expires_ms", (now + leaseDuration).ToUnixTimeMilliseconds()));
        return (Commit(transaction, runId), wrote);
    }

    public DreamRun Renew(string runId, string leaseHolder, TimeSpan leaseDuration, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        DreamRunStoreRules.CheckRenew(Find(transaction, runId), leaseHolder);
        Update(transaction, runId, "lease_expires_ms = $lease_expires_ms", ("$lease_expires_ms", (now + leaseDuration).ToUnixTimeMilliseconds()));
        return Commit(transaction, runId);
    }

    public DreamRun UpdateProgress(string runId, DreamRunResults results)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var run = Find(transaction, runId);
        DreamRunStoreRules.CheckRunning(run, "updated");
        results.Validate(run.Request);
        Update(transaction, runId, SqliteDreamRunRows.SetResults, SqliteDreamRunRows.ResultParameters(results));
        return Commit(transaction, runId);
    }

    /// <summary>Completes a run; with <paramref name="webhooks"/>, also writes its <c>budget.reached</c>, <c>dream.completed</c>
    /// and <c>insight.quarantined</c> rows in the same transaction.</summary>
    /// <returns>The run, and whether outbox rows were written.</returns>
    public (DreamRun Run, bool WroteWebhooks) Complete(string runId, DreamRunResults results, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var run = Find(transaction, runId);
        DreamRunStoreRules.CheckRunning(run, "completed");
        results.Validate(run.Request);
        Update(
            transaction,
            runId,
            "status = $status, ended_ms = $now, lease_expires_ms = NULL, " + SqliteDreamRunRows.SetResults,
            [("$status", SqliteMemoryRows.Name(DreamRunStatus.Completed)), ("$now", now.ToUnixTimeMilliseconds()), .. SqliteDreamRunRows.ResultParameters(results)]);
        return CommitEnded(transaction, runId, webhooks, quarantined: true);
    }

    /// <summary>Fails a run; with <paramref name="webhooks"/>, also writes its <c>budget.reached</c> and <c>dream.failed</c>
    /// rows in the same transaction.</summary>
    /// <returns>The run, and whether outbox rows were written.</returns>
    public (DreamRun Run, bool WroteWebhooks) Fail(string runId, string reason, DreamRunResults? results, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var run = Find(transaction, runId);
        DreamRunStoreRules.CheckUnfinished(run, "failed");
        results?.Validate(run.Request);
        var set = "status = $status, ended_ms = $now, lease_expires_ms = NULL, error = CAST($error AS TEXT)" + (results is null ? string.Empty : ", " + SqliteDreamRunRows.SetResults);
        Update(
            transaction,
            runId,
            set,
            [
                ("$status", SqliteMemoryRows.Name(DreamRunStatus.Failed)),
                ("$now", now.ToUnixTimeMilliseconds()),
                ("$error", SqliteRows.Text(reason)),
                .. results is null ? [] : SqliteDreamRunRows.ResultParameters(results),
            ]);
        return CommitEnded(transaction, runId, webhooks, quarantined: false);
    }

    /// <summary>Cancels a run; with <paramref name="webhooks"/>, also writes its <c>dream.canceled</c> rows in the same transaction.</summary>
    /// <returns>The run, and whether outbox rows were written.</returns>
    public (DreamRun Run, bool WroteWebhooks) Cancel(string runId, DateTimeOffset now, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        DreamRunStoreRules.CheckUnfinished(Find(transaction, runId), "canceled");
        Update(
            transaction,
            runId,
            "status = $status, ended_ms = $now, lease_expires_ms = NULL",
            ("$status", SqliteMemoryRows.Name(DreamRunStatus.Canceled)),
            ("$now", now.ToUnixTimeMilliseconds()));
        return CommitEnded(transaction, runId, webhooks, quarantined: false);
    }

    /// <summary>Ends the runs whose lease expired (see <see cref="Abandon"/>); with <paramref name="webhooks"/>, also writes each one's
    /// <c>budget.reached</c> and <c>dream.failed</c> (or <c>dream.completed</c> and <c>insight.quarantined</c>) rows in the same transaction.</summary>
    /// <returns>The runs, and whether outbox rows were written.</returns>
    public (List<DreamRun> Runs, bool WroteWebhooks) RecoverAbandoned(DateTimeOffset now, WebhookPublisher? webhooks = null) =>
        RecoverAbandoned(now, now, scope: null, webhooks);

    /// <summary>Ends the runs whose lease expired at or before <paramref name="leaseBound"/>, of <paramref name="scope"/> only
    /// when one is given, at <paramref name="now"/>, as <see cref="RecoverAbandoned(DateTimeOffset, WebhookPublisher?)"/> ends them.</summary>
    /// <returns>The runs, and whether outbox rows were written.</returns>
    public (List<DreamRun> Runs, bool WroteWebhooks) RecoverAbandoned(DateTimeOffset now, DateTimeOffset leaseBound, MemoryScope? scope, WebhookPublisher? webhooks = null)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var abandoned = SqliteDreamRunRows.ReadAbandoned(connection, transaction, leaseBound, scope);
        var recovered = abandoned.ConvertAll(run => Abandon(transaction, run, now));
        var wrote = false;
        if (webhooks is not null)
        {
            foreach (var run in recovered)
            {
                wrote |= SqliteStoreWebhooks.WriteDreamEnded(connection, transaction, webhooks, run, quarantined: run.Status == DreamRunStatus.Completed);
            }
        }

        transaction.Commit();
        return (recovered, wrote);
    }

    public void Dispose() => connection.Dispose();

    private DreamRun Find(SqliteTransaction transaction, string runId) =>
        SqliteDreamRunRows.ReadRun(connection, transaction, runId) ?? throw DreamRunNotFoundException.ForId(runId);

    private DreamRun Commit(SqliteTransaction transaction, string runId)
    {
        var run = SqliteDreamRunRows.ReadRun(connection, transaction, runId)!;
        transaction.Commit();
        return run;
    }

    /// <summary>Reads the ended run back and, with <paramref name="webhooks"/>, writes its events' outbox rows before
    /// committing, so the end and its announcement are stored together or not at all.</summary>
    private (DreamRun Run, bool WroteWebhooks) CommitEnded(SqliteTransaction transaction, string runId, WebhookPublisher? webhooks, bool quarantined)
    {
        var run = SqliteDreamRunRows.ReadRun(connection, transaction, runId)!;
        var wrote = webhooks is not null && SqliteStoreWebhooks.WriteDreamEnded(connection, transaction, webhooks, run, quarantined);
        transaction.Commit();
        return (run, wrote);
    }

    /// <summary>Ends a run whose lease expired and returns it as ended. A run whose process stopped after it had written its
    /// memory version (see <see cref="WrittenVersion"/>) is completed with the results it recorded, so its sessions count as
    /// read: reading them again would merge its lessons into another version and count each session's credit twice. Any
    /// other is failed with <see cref="DreamRunStoreRules.AbandonedError"/>.</summary>
    private DreamRun Abandon(SqliteTransaction transaction, DreamRun run, DateTimeOffset now)
    {
        if (WrittenVersion(transaction, run) is { } versionId)
        {
            Update(
                transaction,
                run.Id,
                "status = $status, ended_ms = $now, lease_expires_ms = NULL, output_version_id = CAST($version AS TEXT), note = CAST($note AS TEXT)",
                ("$status", SqliteMemoryRows.Name(DreamRunStatus.Completed)),
                ("$now", now.ToUnixTimeMilliseconds()),
                ("$version", versionId),
                ("$note", run.Results.Note is { } note ? note + "; " + RecoveredNote : RecoveredNote));
        }
        else
        {
            Update(
                transaction,
                run.Id,
                "status = $status, ended_ms = $now, lease_expires_ms = NULL, error = CAST($error AS TEXT)",
                ("$status", SqliteMemoryRows.Name(DreamRunStatus.Failed)),
                ("$now", now.ToUnixTimeMilliseconds()),
                ("$error", DreamRunStoreRules.AbandonedError));
        }

        return Find(transaction, run.Id);
    }

    /// <summary>The note added to a run completed on recovery.</summary>
    internal const string RecoveredNote = "completed on recovery: its process stopped after the memory version was written";

    // The memory version the run wrote (its author is the run: found even when the process stopped before recording it as
    // the run's output), if it is in the file as the dream leaves it: under RequireApproval proposed, and reviewed in any
    // way since; under Auto, approved (active, or superseded since). A version proposed under Auto but never approved is
    // not: the dream failed before it was done, and the next reads its sessions again from the active version, leaving the
    // proposal for review.
    private string? WrittenVersion(SqliteTransaction transaction, DreamRun run)
    {
        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "SELECT id, state FROM memory_versions WHERE scope = CAST($scope AS TEXT) AND author_kind = $kind AND author_id = CAST($run_id AS TEXT) ORDER BY number DESC LIMIT 1",
            ("$scope", run.Scope.Key),
            ("$kind", SqliteMemoryRows.Name(MemoryAuthorKind.DreamRun)),
            ("$run_id", run.Id));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var state = reader.GetString(1);
        return run.Request.ReviewMode == DreamReviewMode.RequireApproval
            || state == SqliteMemoryRows.Name(MemoryVersionState.Active)
            || state == SqliteMemoryRows.Name(MemoryVersionState.Superseded)
            ? reader.GetString(0)
            : null;
    }

    private void Update(SqliteTransaction transaction, string runId, string assignments, params (string Name, object? Value)[] parameters)
    {
        using var command = SqliteMemoryRows.Command(connection, transaction, $"UPDATE dream_runs SET {assignments} WHERE id = CAST($id AS TEXT)", [("$id", runId), .. parameters]);
        command.ExecuteNonQuery();
    }
}
