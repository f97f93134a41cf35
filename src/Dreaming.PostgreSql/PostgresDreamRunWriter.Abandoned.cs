using Npgsql;
using static Dreaming.PostgreSql.PostgresMemoryRows;

namespace Dreaming.PostgreSql;

/// <summary>The end of a run whose lease expired, by a start that takes its scope over or by a recovery, and its webhook
/// events, made before the scope's lock.</summary>
internal sealed partial class PostgresDreamRunWriter
{
    /// <summary>The note added to a run completed on recovery (the SQLite store's).</summary>
    internal const string RecoveredNote = "completed on recovery: its process stopped after the memory version was written";

    /// <summary>Makes the webhook events of the end of each scope's running run whose lease expired at or before
    /// <paramref name="leaseBound"/>, before the scope's lock, from the run and its memory version read then, as
    /// <see cref="AbandonAsync"/> will leave it (<see cref="AsAbandoned"/>), so their bodies travel in the round trip
    /// that takes the (first) lock, as a completion's do (<see cref="PostgresWebhookStash"/>). Under the lock the run is
    /// read again and ended as it is then, and its events are made from it with the ids and times of these: a run renewed,
    /// ended or recovered meanwhile leaves its events unused, never written or logged; one whose data differs is written
    /// with the stretches that differ, or whole.</summary>
    /// <returns>The events made, or <see langword="null"/> without webhooks or when no run would end.</returns>
    private async Task<PostgresWebhookStash?> StashAbandonedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<MemoryScope> scopes, DateTimeOffset leaseBound, CancellationToken cancellationToken)
    {
        if (Webhooks is not { } webhooks)
        {
            return null;
        }

        PostgresWebhookStash? stash = null;
        foreach (var scope in scopes)
        {
            if (await PostgresDreamRunRows.ReadRunningAsync(connection, transaction, scope, cancellationToken).ConfigureAwait(false) is { } running && DreamRunStoreRules.IsAbandoned(running, leaseBound))
            {
                var ended = AsAbandoned(running, await WrittenVersionAsync(connection, transaction, running, cancellationToken).ConfigureAwait(false));
                stash = PostgresStoreWebhooks.StashDreamEnded(webhooks, ended, quarantined: ended.Status == DreamRunStatus.Completed, stash ?? new PostgresWebhookStash());
            }
        }

        return stash;
    }

    /// <summary>Takes a scope's lock; with <paramref name="stash"/>, in the round trip whose first statements set its
    /// bodies aside.</summary>
    private async Task LockScopeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MemoryScope scope, PostgresWebhookStash? stash, CancellationToken cancellationToken)
    {
        if (stash is null)
        {
            await PostgresMemoryRows.LockScopeAsync(connection, transaction, _lockScope, PostgresDreamRunMigrations.Component, database.Schema, scope, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in stash.Commands())
        {
            batch.BatchCommands.Add(command);
        }

        batch.BatchCommands.Add(BatchCommand(_lockScope, LockKey(PostgresDreamRunMigrations.Component, database.Schema, scope)));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A running run as <see cref="AbandonAsync"/> leaves it, given the memory version it wrote (or none), as far as
    /// its events tell: completed with that version and <see cref="RecoveredNote"/>, or failed with
    /// <see cref="DreamRunStoreRules.AbandonedError"/>.</summary>
    private static DreamRun AsAbandoned(DreamRun run, string? versionId) => versionId is null
        ? run with { Status = DreamRunStatus.Failed, Error = DreamRunStoreRules.AbandonedError }
        : run with { Status = DreamRunStatus.Completed, Results = run.Results with { OutputVersionId = versionId, Note = RecoveredNoteOf(run) } };

    private static string RecoveredNoteOf(DreamRun run) => run.Results.Note is { } note ? note + "; " + RecoveredNote : RecoveredNote;

    /// <summary>Ends a run whose lease expired and returns it as ended. A run whose process stopped after it had written its
    /// memory version (see <see cref="WrittenVersionAsync"/>) is completed with the results it recorded, so its sessions count
    /// as read; any other is failed with <see cref="DreamRunStoreRules.AbandonedError"/>. As the SQLite store does. The note
    /// is extended on the server (<c>note || '; ' || ...</c>; a note stored in <see cref="PostgresText"/>'s escaped form
    /// stays so, the suffix holding nothing it escapes), not sent again under the lock: a note of any length was.</summary>
    private static async Task<DreamRun> AbandonAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DreamRun run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await WrittenVersionAsync(connection, transaction, run, cancellationToken).ConfigureAwait(false) is { } versionId)
        {
            await UpdateAsync(
                connection,
                transaction,
                run.Id,
                "status = 'completed', ended_ms = @now, lease_expires_ms = NULL, output_version_id = @version, note = COALESCE(note || @suffix, @note)",
                cancellationToken,
                ("now", now.ToUnixTimeMilliseconds()),
                ("version", versionId),
                ("suffix", "; " + RecoveredNote),
                ("note", RecoveredNote)).ConfigureAwait(false);
        }
        else
        {
            await UpdateAsync(
                connection,
                transaction,
                run.Id,
                "status = 'failed', ended_ms = @now, lease_expires_ms = NULL, error = @error",
                cancellationToken,
                ("now", now.ToUnixTimeMilliseconds()),
                ("error", DreamRunStoreRules.AbandonedError)).ConfigureAwait(false);
        }

        return (await PostgresDreamRunRows.ReadRunAsync(connection, transaction, run.Id, cancellationToken).ConfigureAwait(false))!;
    }

    // The memory version the run wrote (its author is the run), if it is in the database as the dream leaves it: under
    // RequireApproval proposed, and reviewed in any way since; under Auto, approved (active, or superseded since).
    private static async Task<string?> WrittenVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DreamRun run, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            transaction,
            "SELECT id, state FROM memory_versions WHERE author_id = @run_id AND scope = @scope AND author_kind = @kind ORDER BY number DESC LIMIT 1",
            ("scope", run.Scope.Key),
            ("kind", Name(MemoryAuthorKind.DreamRun)),
            ("run_id", run.Id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var state = reader.GetString(1);
        return run.Request.ReviewMode == DreamReviewMode.RequireApproval
            || state == Name(MemoryVersionState.Active)
            || state == Name(MemoryVersionState.Superseded)
            ? Text(reader, 0)
            : null;
    }
}
