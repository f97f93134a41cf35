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
        + "lease_expires_ms, input_version_id, session_ids, cursor_ended_ms, cursor_session_id, stage_usage, report, output_version_id, note, error, token_budget, budget_reached, lookback_ticks, max_lookback_sessions, min_scopes";

    /// <summary>The assignments that store a <see cref="DreamRunResults"/> bound by <see cref="ResultParameters"/>.</summary>
    public const string SetResults =
        "input_version_id = CAST($input_version_id AS TEXT), session_ids = $session_ids, cursor_ended_ms = $cursor_ended_ms, "
        + "cursor_session_id = CAST($cursor_session_id AS TEXT), stage_usage = $stage_usage, report = $report, output_version_id = CAST($output_version_id AS TEXT), note = CAST($note AS TEXT), budget_reached = $budget_reached";

    /// <summary>Reads a dream run's report column.</summary>
    public static DreamReport ReadReport(string json) => StoreDreamRunJson.ReadReport(json);

    public static DreamRun? ReadRun(SqliteConnection connection, SqliteTransaction? transaction, string runId) =>
        ReadOne(connection, transaction, $"SELECT {RunColumns} FROM dream_runs WHERE id = CAST($id AS TEXT)", ("$id", runId));

    /// <summary>Reads the running run of a scope; the unique index on running runs allows one at most.</summary>
    public static DreamRun? ReadRunning(SqliteConnection connection, SqliteTransaction? transaction, MemoryScope scope) => ReadOne(
        connection,
        transaction,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = CAST($scope AS TEXT) AND status = $running",
        ("$scope", scope.Key),
        ("$running", SqliteMemoryRows.Name(DreamRunStatus.Running)));

    public static DreamRun? ReadLastCompleted(SqliteConnection connection, MemoryScope scope) => ReadOne(
        connection,
        transaction: null,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = CAST($scope AS TEXT) AND status = $completed ORDER BY ended_ms DESC, seq DESC LIMIT 1",
        ("$scope", scope.Key),
        ("$completed", SqliteMemoryRows.Name(DreamRunStatus.Completed)));

    public static List<DreamRun> ReadPage(SqliteConnection connection, MemoryScope scope, int limit) => ReadMany(
        connection,
        transaction: null,
        $"SELECT {RunColumns} FROM dream_runs WHERE scope = CAST($scope AS TEXT) ORDER BY requested_ms DESC, seq DESC LIMIT $limit",
        ("$scope", scope.Key),
        ("$limit", limit));

    /// <summary>The statement of a page of <see cref="IDreamRunStore.QueryRunsAsync"/>: with or without a status, with or
    /// without a cursor, each run's columns followed by its <c>seq</c> (internal so that tests can check its query plan).</summary>
    /// <remarks>Four statements rather than one with <c>$status IS NULL OR ...</c>, which SQLite cannot answer from an index.
    /// The keyset is a row value, which SQLite turns into a range of the index (<c>ix_dream_runs_requested</c>, or
    /// <c>ix_dream_runs_status_requested</c> with a status; ensured indexes, so not named by <c>INDEXED BY</c>).</remarks>
    internal static string QuerySql(bool withStatus, bool withCursor)
    {
        string[] conditions = [.. withStatus ? ["status = $status"] : Array.Empty<string>(), .. withCursor ? ["(requested_ms, seq) < ($after_ms, $after_seq)"] : Array.Empty<string>()];
        return $"SELECT {RunColumns}, seq FROM dream_runs "
            + (conditions.Length == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions) + " ")
            + "ORDER BY requested_ms DESC, seq DESC LIMIT $limit";
    }

    /// <summary>Reads a page of the runs of every scope, newest first, and the cursor of the next.</summary>
    public static DreamRunPage ReadQueryPage(SqliteConnection connection, DreamRunQuery query)
    {
        var after = query.Cursor is { } cursor ? DreamRunCursor.Decode(cursor) : (DreamRunCursor?)null;
        var parameters = new List<(string Name, object? Value)> { ("$limit", query.Limit + 1) };
        if (query.Status is { } status)
        {
            parameters.Add(("$status", SqliteMemoryRows.Name(status)));
        }

        if (after is { } key)
        {
            parameters.Add(("$after_ms", key.RequestedAtUnixMilliseconds));
            parameters.Add(("$after_seq", key.Sequence));
        }

        using var command = SqliteMemoryRows.Command(connection, transaction: null, QuerySql(query.Status is not null, after is not null), [.. parameters]);
        using var reader = command.ExecuteReader();
        var runs = new List<DreamRun>();
        long lastSeq = 0;
        while (reader.Read())
        {
            if (runs.Count == query.Limit)
            {
                var last = runs[^1];
                return new DreamRunPage(runs, new DreamRunCursor(last.RequestedAt.ToUnixTimeMilliseconds(), lastSeq).Encode());
            }

            runs.Add(Read(reader));
            lastSeq = reader.GetInt64(reader.FieldCount - 1);
        }

        return new DreamRunPage(runs, null);
    }

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

    /// <summary>The running run of one scope whose lease expired at or before <c>$now</c>: at most one (a scope has at most
    /// one running run).</summary>
    internal static readonly string AbandonedOfScopeSql =
        $"SELECT {RunColumns} FROM dream_runs INDEXED BY ux_dream_runs_running WHERE status = 'running' AND scope = CAST($scope AS TEXT) AND lease_expires_ms <= $now";

    /// <summary>Reads the abandoned runs a recovery ends: those whose lease expired at or before <paramref name="leaseBound"/>,
    /// of <paramref name="scope"/> only when one is given.</summary>
    public static List<DreamRun> ReadAbandoned(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset leaseBound, MemoryScope? scope) =>
        scope is null ? ReadAbandoned(connection, transaction, leaseBound) : ReadMany(
            connection,
            transaction,
            AbandonedOfScopeSql,
            ("$scope", scope.Key),
            ("$now", leaseBound.ToUnixTimeMilliseconds()));

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

    private static DreamRun Read(SqliteDataReader row) => DreamRunRowValues.Read(row, static text => text, "Dreaming.Sqlite");
}
