using System.Text;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Runs one page of a <see cref="SessionQuery"/> with keyset paging on (start time, id).</summary>
internal static class SqliteSessionQuery
{
    /// <summary>Reads the page that follows <paramref name="after"/>.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="query">The validated query.</param>
    /// <param name="after">The position of the last session of the previous page, or <see langword="null"/> for the first page.</param>
    /// <returns>The sessions of the page and the position of its last one when another page follows.</returns>
    public static (List<SessionRecord> Items, SessionCursor? Next) ReadPage(SqliteConnection connection, SessionQuery query, SessionCursor? after)
    {
        using var command = Create(connection, query, after);
        var items = new List<SessionRecord>(Math.Min(query.PageSize + 1, 256));
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(SqliteRows.ReadSession(reader));
            }
        }

        // One row more than a page tells whether another page follows, so the last page never comes back empty.
        if (items.Count <= query.PageSize)
        {
            return (items, null);
        }

        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return (items, new SessionCursor(SqliteRows.ToMilliseconds(last.StartedAt), last.Id));
    }

    /// <summary>Builds the command that reads one page (internal so that tests can check its query plan).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="query">The validated query.</param>
    /// <param name="after">The position of the last session of the previous page, or <see langword="null"/> for the first page.</param>
    /// <returns>The command, with its parameters bound.</returns>
    internal static SqliteCommand Create(SqliteConnection connection, SessionQuery query, SessionCursor? after)
    {
        var command = connection.CreateCommand();
        var newestFirst = query.Order == SessionOrder.NewestFirst;

        // Only fixed fragments are appended to the text; every value travels as a parameter.
        // With several filters the narrowest one's index is sought, the parent's, then the agent's, then the scope's: a
        // unary + on the other filters' columns keeps SQLite from using their indexes (with no statistics it took the
        // status or outcome index, so a new agent's completed sessions were looked for among every completed session).
        // The walk is then bounded by the parent's, the agent's or the team's sessions. Status and outcome alone are
        // left to SQLite.
        var sql = new StringBuilder("SELECT ").Append(SqliteRows.SessionColumns).Append(" FROM sessions WHERE 1 = 1");

        // With a change bound (the scheduler's poll after its first: the few sessions changed since), its index is the one
        // sought: the other columns, the keyset and the order get a unary +, so SQLite neither seeks nor walks another
        // index (an agent's, in start order, would walk every session of the agent to find the few changed) and sorts
        // the few rows found. When many changed (ManyChanged), that sort of every changed row at each page would make
        // paging through them cost the square of their number: the query is then planned as without the bound (the
        // start-order index walked from the keyset, a page costing its rows), the number compared in each row.
        var changed = query.ChangedAfter is { } bound && !ManyChanged(connection, bound, query.PageSize);
        var plain = changed ? "+" : string.Empty;
        if (query.ChangedAfter is { } changedAfter)
        {
            sql.Append(changed ? " AND change_no > $changed_after" : " AND +change_no > $changed_after");
            command.Parameters.AddWithValue("$changed_after", changedAfter);
        }

        var narrowed = query.ParentSessionId is not null || changed;
        if (query.AgentId is not null)
        {
            sql.Append(narrowed ? " AND +agent_id = CAST($agent_id AS TEXT)" : " AND agent_id = CAST($agent_id AS TEXT)");
            command.Parameters.AddWithValue("$agent_id", SqliteRows.Text(query.AgentId));
            narrowed = true;
        }

        if (query.Scope is not null)
        {
            sql.Append(narrowed ? " AND +scope = CAST($scope AS TEXT)" : " AND scope = CAST($scope AS TEXT)");
            command.Parameters.AddWithValue("$scope", SqliteRows.Text(query.Scope));
            narrowed = true;
        }

        if (query.Status is { } status)
        {
            sql.Append(narrowed ? " AND +status = $status" : " AND status = $status");
            command.Parameters.AddWithValue("$status", (int)status);
        }

        if (query.OutcomeLabel is not null)
        {
            // Cast: a label holding a NUL is bound as its UTF-8 bytes, as it was stored (SqliteRows.Text).
            sql.Append(narrowed ? " AND +outcome_label = CAST($outcome_label AS TEXT)" : " AND outcome_label = CAST($outcome_label AS TEXT)");
            command.Parameters.AddWithValue("$outcome_label", SqliteRows.Text(query.OutcomeLabel));
        }

        if (query.ParentSessionId is not null)
        {
            sql.Append(" AND ").Append(plain).Append("parent_id = CAST($parent_id AS TEXT)");
            command.Parameters.AddWithValue("$parent_id", SqliteRows.Text(query.ParentSessionId));
        }

        if (query.StartedFrom is { } from)
        {
            sql.Append(" AND ").Append(plain).Append("started_ms >= $from_ms");
            command.Parameters.AddWithValue("$from_ms", SqliteRows.ToMilliseconds(from));
        }

        if (query.StartedBefore is { } before)
        {
            sql.Append(" AND ").Append(plain).Append("started_ms < $before_ms");
            command.Parameters.AddWithValue("$before_ms", SqliteRows.ToMilliseconds(before));
        }

        if (query.EndedFrom is { } endedFrom)
        {
            // A running session has not ended, even one written with an end time (the store keeps what it is given); the
            // unary + keeps SQLite from seeking the status index for it.
            sql.Append(" AND ").Append(plain).Append("ended_ms >= $ended_from_ms AND +status <> $running");
            command.Parameters.AddWithValue("$ended_from_ms", SqliteRows.ToMilliseconds(endedFrom));
            command.Parameters.AddWithValue("$running", (int)SessionStatus.Running);
        }

        if (after is { } cursor)
        {
            // Cast only an id holding a NUL (bound as its UTF-8 bytes, SqliteRows.Text): a cast in the row value keeps SQLite
            // from seeking the index by (started_ms, id), so it would seek by started_ms alone and read the page's millisecond.
            var afterId = cursor.SessionId.Contains('\0', StringComparison.Ordinal) ? "CAST($after_id AS TEXT)" : "$after_id";
            sql.Append(" AND (").Append(plain).Append("started_ms, ").Append(plain).Append(newestFirst ? "id) < ($after_ms, " : "id) > ($after_ms, ").Append(afterId).Append(')');
            command.Parameters.AddWithValue("$after_ms", cursor.StartedAtUnixMilliseconds);
            command.Parameters.AddWithValue("$after_id", SqliteRows.Text(cursor.SessionId));
        }

        sql.Append(changed ? (newestFirst ? " ORDER BY +started_ms DESC, +id DESC" : " ORDER BY +started_ms, +id") : newestFirst ? " ORDER BY started_ms DESC, id DESC" : " ORDER BY started_ms, id").Append(" LIMIT $limit;");
        command.Parameters.AddWithValue("$limit", query.PageSize + 1);
        command.CommandText = sql.ToString();
        return command;
    }

    /// <summary>Tells whether so many sessions changed after <paramref name="changedAfter"/> that walking the start-order
    /// index (about <c>pageSize × sessions / changed</c> rows a page) costs less than reading every changed row and sorting
    /// them (<c>changed</c> rows a page): whether at least the square root of <c>pageSize × sessions</c> changed.</summary>
    /// <remarks>Two small reads: the span of the rowids, largest less smallest plus one (at least as many as the file holds,
    /// each end one seek of the table's b-tree: a purge, which deletes the oldest sessions, lowers the estimate with the
    /// sessions, where the largest rowid alone kept counting every session ever written), and the changed sessions counted
    /// in the change index up to that root, so a poll that finds a few changed counts those few. Both count every session,
    /// not those of the query's filters: the two plans' costs scale alike with a filter whose sessions changed in the
    /// proportion all did, which is what the scheduler's poll meets (see stores.md).</remarks>
    /// <param name="connection">An open connection.</param>
    /// <param name="changedAfter">The change bound.</param>
    /// <param name="pageSize">The page size.</param>
    private static bool ManyChanged(SqliteConnection connection, long changedAfter, int pageSize)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce((SELECT max(rowid) FROM sessions) - (SELECT min(rowid) FROM sessions) + 1, 0);";
        var sessions = (long)command.ExecuteScalar()!;
        var enough = (long)Math.Ceiling(Math.Sqrt((pageSize + 1.0) * sessions));
        if (enough <= pageSize + 1)
        {
            return false;
        }

        command.CommandText = "SELECT count(*) FROM (SELECT 1 FROM sessions WHERE change_no > $changed_after LIMIT $enough);";
        command.Parameters.AddWithValue("$changed_after", changedAfter);
        command.Parameters.AddWithValue("$enough", enough);
        return (long)command.ExecuteScalar()! >= enough;
    }
}
