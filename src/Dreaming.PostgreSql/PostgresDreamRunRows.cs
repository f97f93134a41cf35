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

    /// <summary>Reads the scopes whose running run's lease expired, in key order (the order their locks are taken in, so two
    /// recoveries at once cannot deadlock). The partial index of the running runs holds only the rows this looks at.</summary>
    public static async Task<List<MemoryScope>> ReadAbandonedScopesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            transaction,
            "SELECT scope FROM dream_runs WHERE status = 'running' AND lease_expires_ms <= @now ORDER BY scope COLLATE \"C\"",
            ("now", now.ToUnixTimeMilliseconds()));
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
