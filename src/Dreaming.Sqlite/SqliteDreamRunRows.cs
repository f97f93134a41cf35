using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using static Dreaming.Sqlite.SqliteMemoryRows;

namespace Dreaming.Sqlite;

/// <summary>Converts dream runs to and from rows: times as unix milliseconds, enums as lower-case names, scopes as keys,
/// session ids, stage usage and the report as JSON.</summary>
/// <remarks>The JSON carries the public model's property names in snake case, so the file format changes only when that
/// public model does.</remarks>
internal static class SqliteDreamRunRows
{
    /// <summary>The columns <see cref="Read(SqliteDataReader)"/> expects, in its order.</summary>
    public const string RunColumns =
        "id, scope, status, requested_ms, started_ms, ended_ms, instructions, max_sessions, min_sessions, review_mode, lease_holder, "
        + "lease_expires_ms, input_version_id, session_ids, cursor_ended_ms, cursor_session_id, stage_usage, report, output_version_id, note, error, token_budget, budget_reached, lookback_ticks, max_lookback_sessions";

    /// <summary>The assignments that store a <see cref="DreamRunResults"/> bound by <see cref="ResultParameters"/>.</summary>
    public const string SetResults =
        "input_version_id = $input_version_id, session_ids = $session_ids, cursor_ended_ms = $cursor_ended_ms, "
        + "cursor_session_id = $cursor_session_id, stage_usage = $stage_usage, report = $report, output_version_id = $output_version_id, note = $note, budget_reached = $budget_reached";

    /// <summary>Reads a dream run's report column.</summary>
    public static DreamReport ReadReport(string json) => StoreDreamRunJson.ReadReport(json);

    public static DreamRun? ReadRun(SqliteConnection connection, SqliteTransaction? transaction, string runId) =>
        ReadOne(connection, transaction, $"SELECT {RunColumns} FROM dream_runs WHERE id = $id", ("$id", runId));

    /// <summary>Reads the running run of a scope; the unique index on running runs allows one at most.</summary>
    public static DreamRun? ReadRunning(SqliteConnection connection, SqliteTransaction? transaction, MemoryScope scope) => ReadOne(
        connection,
        transaction,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = $scope AND status = $running",
        ("$scope", scope.Key),
        ("$running", SqliteMemoryRows.Name(DreamRunStatus.Running)));

    public static DreamRun? ReadLastCompleted(SqliteConnection connection, MemoryScope scope) => ReadOne(
        connection,
        transaction: null,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = $scope AND status = $completed ORDER BY ended_ms DESC, seq DESC LIMIT 1",
        ("$scope", scope.Key),
        ("$completed", SqliteMemoryRows.Name(DreamRunStatus.Completed)));

    public static List<DreamRun> ReadPage(SqliteConnection connection, MemoryScope scope, int limit) => ReadMany(
        connection,
        transaction: null,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = $scope ORDER BY requested_ms DESC, seq DESC LIMIT $limit",
        ("$scope", scope.Key),
        ("$limit", limit));

    /// <summary>Reads the running runs whose lease expired (internal so that tests can check its query plan).</summary>
    /// <remarks>Through the partial index of the running runs (at most one a scope), which holds only the runs it looks
    /// at: SQLite otherwise read every run (they are never deleted) while the recovery held the write lock. The status is
    /// written out, as the index's condition is, so that SQLite can tell the index holds every row the query wants.</remarks>
    internal static readonly string AbandonedSql =
        $"SELECT {RunColumns} FROM dream_runs INDEXED BY ux_dream_runs_running WHERE status = 'running' AND lease_expires_ms <= $now ORDER BY seq";

    public static List<DreamRun> ReadAbandoned(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset now) => ReadMany(
        connection,
        transaction,
        AbandonedSql,
        ("$now", now.ToUnixTimeMilliseconds()));

    /// <summary>Returns the parameters that bind <paramref name="results"/> to the columns of <see cref="SetResults"/>.</summary>
    public static (string Name, object? Value)[] ResultParameters(DreamRunResults results) =>
    [
        ("$input_version_id", results.InputVersionId),
        ("$session_ids", JsonSerializer.Serialize(results.SessionIds, StoreDreamRunJson.Store.IReadOnlyListString)),
        ("$cursor_ended_ms", results.Cursor?.EndedAt.ToUnixTimeMilliseconds()),
        ("$cursor_session_id", results.Cursor?.SessionId),
        ("$stage_usage", JsonSerializer.Serialize(results.StageUsage, StoreDreamRunJson.Store.IReadOnlyListDreamStageUsage)),
        ("$report", JsonSerializer.Serialize(results.Report, StoreDreamRunJson.Store.DreamReport)),
        ("$output_version_id", results.OutputVersionId),
        ("$note", results.Note),
        ("$budget_reached", results.BudgetReached ? 1 : 0),
    ];

    private static DreamRun? ReadOne(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = SqliteMemoryRows.Command(connection, transaction, sql, parameters);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static List<DreamRun> ReadMany(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = SqliteMemoryRows.Command(connection, transaction, sql, parameters);
        using var reader = command.ExecuteReader();
        var runs = new List<DreamRun>();
        while (reader.Read())
        {
            runs.Add(Read(reader));
        }

        return runs;
    }

    private static DreamRun Read(SqliteDataReader row)
    {
        var id = row.GetString(0);
        try
        {
            return new DreamRun
            {
                Id = id,
                Request = new DreamRunRequest
                {
                    Scope = MemoryScope.TryParse(row.GetString(1), out var scope) ? scope : throw Unreadable(id, "scope", row.GetString(1)),
                    Instructions = GetString(row, 6),
                    MaxSessions = row.GetInt32(7),
                    MinSessions = row.GetInt32(8),
                    ReviewMode = Parse<DreamReviewMode>(id, row.GetString(9)),
                    TokenBudget = row.IsDBNull(21) ? null : row.GetInt64(21),
                    Lookback = row.IsDBNull(23) ? null : TimeSpan.FromTicks(row.GetInt64(23)),
                    MaxLookbackSessions = row.IsDBNull(24) ? DreamRunRequest.DefaultMaxLookbackSessions : row.GetInt32(24),
                },
                Status = Parse<DreamRunStatus>(id, row.GetString(2)),
                RequestedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(3)),
                StartedAt = GetTime(row, 4),
                EndedAt = GetTime(row, 5),
                LeaseHolder = GetString(row, 10),
                LeaseExpiresAt = GetTime(row, 11),
                Results = new DreamRunResults
                {
                    InputVersionId = GetString(row, 12),
                    SessionIds = JsonSerializer.Deserialize(row.GetString(13), StoreDreamRunJson.Store.StringArray) ?? [],
                    Cursor = GetTime(row, 14) is { } endedAt ? new DreamCursor(endedAt, row.GetString(15)) : null,
                    StageUsage = JsonSerializer.Deserialize(row.GetString(16), StoreDreamRunJson.Store.DreamStageUsageArray) ?? [],
                    Report = ReadReport(row.GetString(17)),
                    OutputVersionId = GetString(row, 18),
                    Note = GetString(row, 19),
                    BudgetReached = row.GetInt64(22) != 0,
                },
                Error = GetString(row, 20),
            };
        }
        catch (JsonException exception)
        {
            throw new TraceStoreException($"Dream run '{id}' has session ids, stage usage or a report this library cannot read: {exception.Message}", exception);
        }
    }

    private static TEnum Parse<TEnum>(string runId, string name)
        where TEnum : struct, Enum =>
        SqliteMemoryRows.TryParseName<TEnum>(name, out var value) ? value : throw Unreadable(runId, typeof(TEnum).Name, name);

    private static TraceStoreException Unreadable(string runId, string what, string value) =>
        new($"Dream run '{runId}' has a {what} '{value}' this library cannot read; it may have been written by a newer version of Dreaming.Sqlite.");
}
