using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Dreaming.PostgreSql;

/// <summary>Runs one page of a <see cref="SessionQuery"/> with keyset paging on (start time, id).</summary>
internal static class PostgresSessionQuery
{
    /// <summary>Reads the page that follows <paramref name="after"/>.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="query">The validated query.</param>
    /// <param name="after">The position of the last session of the previous page, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The sessions of the page and the position of its last one when another page follows.</returns>
    public static async Task<(List<SessionRecord> Items, SessionCursor? Next)> ReadPageAsync(
        NpgsqlConnection connection, SessionQuery query, SessionCursor? after, CancellationToken cancellationToken)
    {
        await using var command = Create(connection, query, after);
        var items = new List<SessionRecord>(Math.Min(query.PageSize + 1, 256));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(PostgresTraceRows.ReadSession(reader));
            }
        }

        // One row more than a page tells whether another page follows, so the last page never comes back empty.
        if (items.Count <= query.PageSize)
        {
            return (items, null);
        }

        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return (items, new SessionCursor(last.StartedAt.ToUnixTimeMilliseconds(), last.Id));
    }

    /// <summary>Builds the command that reads one page (internal so that tests can check its query plan).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="query">The validated query.</param>
    /// <param name="after">The position of the last session of the previous page, or <see langword="null"/> for the first page.</param>
    /// <returns>The command, with its parameters bound.</returns>
    internal static NpgsqlCommand Create(NpgsqlConnection connection, SessionQuery query, SessionCursor? after)
    {
        var command = connection.CreateCommand();
        var newestFirst = query.Order == SessionOrder.NewestFirst;

        // Only fixed fragments are appended to the text; every value travels as a parameter. Each filter has an index
        // that ends in (started_ms, id), so the planner walks one in the page's order and stops after a page.
        var sql = new StringBuilder("SELECT ").Append(PostgresTraceRows.SessionColumns).Append(" FROM sessions WHERE true");
        AddFilter(command, sql, "agent_id", query.AgentId);
        AddFilter(command, sql, "scope", query.Scope);
        if (query.Status is { } status)
        {
            sql.Append(" AND status = @status");
            command.Parameters.Add(new NpgsqlParameter<short>("status", (short)status));
        }

        AddFilter(command, sql, "outcome_label", query.OutcomeLabel);
        AddFilter(command, sql, "parent_id", query.ParentSessionId);
        if (query.StartedFrom is { } from)
        {
            sql.Append(" AND started_ms >= @from_ms");
            command.Parameters.Add(new NpgsqlParameter<long>("from_ms", from.ToUnixTimeMilliseconds()));
        }

        if (query.StartedBefore is { } before)
        {
            sql.Append(" AND started_ms < @before_ms");
            command.Parameters.Add(new NpgsqlParameter<long>("before_ms", before.ToUnixTimeMilliseconds()));
        }

        if (query.EndedFrom is { } endedFrom)
        {
            // A running session has not ended, even one written with an end time (the store keeps what it is given).
            sql.Append(" AND ended_ms >= @ended_from_ms AND status <> @running");
            command.Parameters.Add(new NpgsqlParameter<long>("ended_from_ms", endedFrom.ToUnixTimeMilliseconds()));
            command.Parameters.Add(new NpgsqlParameter<short>("running", (short)SessionStatus.Running));
        }

        if (query.ChangedAfter is { } changedAfter)
        {
            sql.Append(" AND change_xid > @changed_after");
            command.Parameters.Add(new NpgsqlParameter<long>("changed_after", changedAfter));
        }

        if (after is { } cursor)
        {
            sql.Append(newestFirst ? " AND (started_ms, id) < (@after_ms, @after_id)" : " AND (started_ms, id) > (@after_ms, @after_id)");
            command.Parameters.Add(new NpgsqlParameter<long>("after_ms", cursor.StartedAtUnixMilliseconds));
            command.Parameters.Add(new NpgsqlParameter("after_id", NpgsqlDbType.Text) { Value = PostgresText.Encode(cursor.SessionId) });
        }

        sql.Append(newestFirst ? " ORDER BY started_ms DESC, id DESC" : " ORDER BY started_ms, id").Append(" LIMIT @limit");
        command.Parameters.Add(new NpgsqlParameter<int>("limit", query.PageSize + 1));
        command.CommandText = sql.ToString();
        return command;
    }

    private static void AddFilter(NpgsqlCommand command, StringBuilder sql, string column, string? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(column).Append(" = @").Append(column);
            command.Parameters.Add(new NpgsqlParameter(column, NpgsqlDbType.Text) { Value = PostgresText.Encode(value) });
        }
    }
}
