using System.Text.Json;
using Npgsql;
using static Dreaming.PostgreSql.PostgresMemoryRows;

namespace Dreaming.PostgreSql;

/// <summary>Converts dream runs to and from rows as the SQLite store does: times as unix milliseconds, enums as lower-case
/// names, scopes as keys, session ids, stage usage and the report as JSON text.</summary>
internal static class PostgresDreamRunRows
{
    /// <summary>The columns <see cref="Read(NpgsqlDataReader)"/> expects, in its order.</summary>
    public const string RunColumns =
        "id, scope, status, requested_ms, started_ms, ended_ms, instructions, max_sessions, min_sessions, review_mode, lease_holder, "
        + "lease_expires_ms, input_version_id, session_ids, cursor_ended_ms, cursor_session_id, stage_usage, report, output_version_id, note, error, token_budget, budget_reached, lookback_ticks, max_lookback_sessions, min_scopes";

    /// <summary>The assignments that store a <see cref="DreamRunResults"/> bound by <see cref="ResultParameters"/>.</summary>
    public const string SetResults =
        "input_version_id = @input_version_id, session_ids = @session_ids, cursor_ended_ms = @cursor_ended_ms, "
        + "cursor_session_id = @cursor_session_id, stage_usage = @stage_usage, report = @report, output_version_id = @output_version_id, note = @note, budget_reached = @budget_reached";

    public static Task<DreamRun?> ReadRunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string runId, CancellationToken cancellationToken) =>
        ReadOneAsync(connection, transaction, $"SELECT {RunColumns} FROM dream_runs WHERE id = @id", cancellationToken, ("id", runId));

    /// <summary>Reads the running run of a scope; the unique index on running runs allows one at most.</summary>
    public static Task<DreamRun?> ReadRunningAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MemoryScope scope, CancellationToken cancellationToken) =>
        ReadOneAsync(connection, transaction, $"SELECT {RunColumns} FROM dream_runs WHERE scope = @scope AND status = 'running'", cancellationToken, ("scope", scope.Key));

    public static Task<DreamRun?> ReadLastCompletedAsync(NpgsqlConnection connection, MemoryScope scope, CancellationToken cancellationToken) => ReadOneAsync(
        connection,
        transaction: null,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = @scope AND status = 'completed' ORDER BY ended_ms DESC, seq DESC LIMIT 1",
        cancellationToken,
        ("scope", scope.Key));

    public static async Task<IReadOnlyList<DreamRun>> ReadPageAsync(NpgsqlConnection connection, MemoryScope scope, int limit, CancellationToken cancellationToken) => await ReadManyAsync(
        connection,
        transaction: null,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = @scope ORDER BY requested_ms DESC, seq DESC LIMIT @limit",
        cancellationToken,
        ("scope", scope.Key),
        ("limit", limit)).ConfigureAwait(false);

    /// <summary>The statement of a page of <see cref="IDreamRunStore.QueryRunsAsync"/>: with or without a status, with or
    /// without a cursor, each run's columns followed by its <c>seq</c> (internal so that tests can check its plan).</summary>
    /// <remarks>Four statements rather than one with <c>@status IS NULL OR ...</c>, which no index answers. The keyset is a
    /// row comparison, which the server turns into a range of <c>ix_dream_runs_requested</c> (or
    /// <c>ix_dream_runs_status_requested</c> with a status): ensured indexes, <see cref="PostgresDreamRunMigrations.EnsuredIndexes"/>.</remarks>
    internal static string QuerySql(bool withStatus, bool withCursor)
    {
        string[] conditions = [.. withStatus ? ["status = @status"] : Array.Empty<string>(), .. withCursor ? ["(requested_ms, seq) < (@after_ms, @after_seq)"] : Array.Empty<string>()];
        return $"SELECT {RunColumns}, seq FROM dream_runs "
            + (conditions.Length == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions) + " ")
            + "ORDER BY requested_ms DESC, seq DESC LIMIT @limit";
    }

    /// <summary>Reads a page of the runs of every scope, newest first, and the cursor of the next.</summary>
    public static async Task<DreamRunPage> ReadQueryPageAsync(NpgsqlConnection connection, DreamRunQuery query, CancellationToken cancellationToken)
    {
        var after = query.Cursor is { } cursor ? DreamRunCursor.Decode(cursor) : (DreamRunCursor?)null;
        var parameters = new List<(string Name, object? Value)> { ("limit", query.Limit + 1) };
        if (query.Status is { } status)
        {
            parameters.Add(("status", Name(status)));
        }

        if (after is { } key)
        {
            parameters.Add(("after_ms", key.RequestedAtUnixMilliseconds));
            parameters.Add(("after_seq", key.Sequence));
        }

        await using var command = Command(connection, transaction: null, QuerySql(query.Status is not null, after is not null), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<DreamRun>();
        long lastSeq = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (runs.Count == query.Limit)
            {
                return new DreamRunPage(runs, new DreamRunCursor(runs[^1].RequestedAt.ToUnixTimeMilliseconds(), lastSeq).Encode());
            }

            runs.Add(Read(reader));
            lastSeq = reader.GetInt64(reader.FieldCount - 1);
        }

        return new DreamRunPage(runs, null);
    }

    /// <summary>Reads the scopes whose running run's lease expired, in key order (the order their locks are taken in, so two
    /// recoveries at once cannot deadlock). The partial index of the running runs holds only the rows this looks at.</summary>
    public static async Task<List<MemoryScope>> ReadAbandonedScopesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken, MemoryScope? only = null)
    {
        await using var command = only is null
            ? Command(
                connection,
                transaction,
                "SELECT scope FROM dream_runs WHERE status = 'running' AND lease_expires_ms <= @now ORDER BY scope COLLATE \"C\"",
                ("now", now.ToUnixTimeMilliseconds()))
            : Command(
                connection,
                transaction,
                "SELECT scope FROM dream_runs WHERE status = 'running' AND scope = @scope AND lease_expires_ms <= @now",
                ("now", now.ToUnixTimeMilliseconds()),
                ("scope", only.Key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var scopes = new List<MemoryScope>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (MemoryScope.TryParse(Text(reader, 0), out var scope))
            {
                scopes.Add(scope);
            }
        }

        return scopes;
    }

    /// <summary>Returns the parameters that bind <paramref name="results"/> to the columns of <see cref="SetResults"/>.</summary>
    public static (string Name, object? Value)[] ResultParameters(DreamRunResults results) =>
    [
        ("input_version_id", results.InputVersionId),
        ("session_ids", JsonSerializer.Serialize(results.SessionIds, StoreDreamRunJson.Store.IReadOnlyListString)),
        ("cursor_ended_ms", results.Cursor?.EndedAt.ToUnixTimeMilliseconds()),
        ("cursor_session_id", results.Cursor?.SessionId),
        ("stage_usage", JsonSerializer.Serialize(results.StageUsage, StoreDreamRunJson.Store.IReadOnlyListDreamStageUsage)),
        ("report", JsonSerializer.Serialize(results.Report, StoreDreamRunJson.Store.DreamReport)),
        ("output_version_id", results.OutputVersionId),
        ("note", results.Note),
        ("budget_reached", results.BudgetReached),
    ];

    private static async Task<DreamRun?> ReadOneAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    private static async Task<List<DreamRun>> ReadManyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<DreamRun>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(Read(reader));
        }

        return runs;
    }

    /// <summary>Reads the run of the current row, whose columns are <see cref="RunColumns"/>.</summary>
    public static DreamRun Read(NpgsqlDataReader row) => DreamRunRowValues.Read(row, PostgresText.Decode, "Dreaming.PostgreSql");
}
