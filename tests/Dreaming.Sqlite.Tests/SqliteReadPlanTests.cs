using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>The query plans of reads that a file of a year (hundreds of thousands of sessions, a backlog of webhook
/// deliveries) makes slow when SQLite picks the wrong index: each is checked with <c>EXPLAIN QUERY PLAN</c> on a small file,
/// where, with no statistics gathered (the store never runs <c>ANALYZE</c>), the plan is the same as on a large one.</summary>
public sealed class SqliteReadPlanTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_claim_walks_the_due_index_in_order_and_sorts_no_backlog(bool skipping)
    {
        // On the index of every pending delivery (state, seq), a claim read every pending row with its event's body and
        // sorted them all to return the first 100: with 40,000 pending (an endpoint down for a while), 98 ms a claim
        // instead of 1 ms, at every claim until the backlog drained.
        var path = _folder.File("claim.db");
        using (var outbox = new SqliteWebhookOutboxStore(path))
        {
            await outbox.InitializeAsync();
        }

        var plan = Plan(path, skipping ? SqliteWebhookWriter.ClaimDueExceptSql : SqliteWebhookWriter.ClaimDueSql, ("$now", 1L), ("$limit", 100), ("$skip", "[\"a\"]"));

        Assert.Contains("USING INDEX ix_webhook_deliveries_due (next_attempt_ms<?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recovering_abandoned_runs_reads_the_running_ones_only()
    {
        // Runs are never deleted (a dream an hour for 50 scopes is 438,000 a year), and recovery, which an app runs from a
        // periodic job, read every one of them, holding the write lock: 64 ms with 400,000 runs, growing with them. The
        // partial index of the running runs (at most one a scope) holds only those it looks at.
        var path = _folder.File("runs.db");
        using (var runs = new SqliteDreamRunStore(path))
        {
            await runs.InitializeAsync();
        }

        var plan = Plan(path, SqliteDreamRunRows.AbandonedSql, ("$running", "running"), ("$now", 1L));
        var ofScope = Plan(path, SqliteDreamRunRows.AbandonedOfScopeSql, ("$scope", "agent:bot"), ("$now", 1L));

        Assert.Contains("USING INDEX ux_dream_runs_running", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN dream_runs |", plan + " |", StringComparison.Ordinal);

        // One scope's (runs recover --scope): a seek to its running run, if any.
        Assert.Contains("SEARCH dream_runs USING INDEX ux_dream_runs_running (scope=?)", ofScope, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, "SCAN dream_runs USING INDEX ix_dream_runs_requested")]
    [InlineData(false, true, "SEARCH dream_runs USING INDEX ix_dream_runs_requested (requested_ms<?)")]
    [InlineData(true, false, "SEARCH dream_runs USING INDEX ix_dream_runs_status_requested (status=?)")]
    [InlineData(true, true, "SEARCH dream_runs USING INDEX ix_dream_runs_status_requested (status=? AND requested_ms<?)")]
    public async Task Listing_the_runs_of_every_scope_walks_an_index_in_page_order(bool withStatus, bool withCursor, string expected)
    {
        // What an operator lists during an incident (QueryRunsAsync: the running or failed runs of every scope). Runs are
        // never deleted, so without an index in (request time, seq) order a page sorted every run ever stored; the rowid
        // (seq) ends each index, so the index gives the order and a cursor seeks into it.
        var path = _folder.File("all-runs.db");
        using (var runs = new SqliteDreamRunStore(path))
        {
            await runs.InitializeAsync();
        }

        var plan = Plan(path, SqliteDreamRunRows.QuerySql(withStatus, withCursor), ("$status", "running"), ("$after_ms", 5L), ("$after_seq", 5L), ("$limit", 51));

        Assert.Contains(expected, plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> FilterPairs() => new()
    {
        { "agent, status", "ix_sessions_agent_started_ended (agent_id=?" },
        { "agent, outcome", "ix_sessions_agent_started_ended (agent_id=?" },
        { "agent, scope", "ix_sessions_agent_started_ended (agent_id=?" },
        { "agent, status, outcome, scope, since", "ix_sessions_agent_started_ended (agent_id=? AND started_ms>?" },
        { "scope, status", "ix_sessions_scope_started (scope=?" },
        { "scope, outcome", "ix_sessions_scope_started (scope=?" },
        { "parent, status", "ix_sessions_parent_started (parent_id=?" },
        { "parent, agent", "ix_sessions_parent_started (parent_id=?" },
        { "parent, agent, scope, status, outcome", "ix_sessions_parent_started (parent_id=?" },
    };

    [Theory]
    [MemberData(nameof(FilterPairs))]
    public async Task A_query_with_several_filters_seeks_the_index_of_the_narrowest_one(string filters, string index)
    {
        // SQLite, with no statistics, took the status, outcome or scope index over the agent's or the parent's, so a query
        // for an agent with few sessions (a new one) and a status walked every session of that status: 75-134 ms on the
        // 200,000 sessions of the scale file, for none found, growing with the file. The agent's, or the parent's,
        // sessions bound the walk instead.
        var path = _folder.File("filters.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        var names = filters.Split(", ");
        var query = new SessionQuery
        {
            AgentId = names.Contains("agent") ? "new-agent" : null,
            Scope = names.Contains("scope") ? "billing" : null,
            Status = names.Contains("status") ? SessionStatus.Completed : null,
            OutcomeLabel = names.Contains("outcome") ? SessionOutcome.Success : null,
            ParentSessionId = names.Contains("parent") ? "s-1" : null,
            StartedFrom = names.Contains("since") ? DateTimeOffset.UnixEpoch : null,
            Order = SessionOrder.NewestFirst,
        };

        foreach (var after in new SessionCursor?[] { null, new SessionCursor(5, "s-5") })
        {
            using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            using var command = SqliteSessionQuery.Create(connection, query, after);
            var plan = Plan(path, command.CommandText, [.. command.Parameters.Cast<SqliteParameter>().Select(p => (p.ParameterName, p.Value!))]);

            Assert.Contains("USING INDEX " + index, plan, StringComparison.Ordinal);
            Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string> EndedFromQueries() => new()
    {
        { "global", "USING INDEX ix_sessions_started_ended" },
        { "global, after a cursor", "USING INDEX ix_sessions_started_ended ((started_ms,id)<(?,?))" },
        { "agent", "USING INDEX ix_sessions_agent_started_ended (agent_id=?)" },
        { "agent, after a cursor", "USING INDEX ix_sessions_agent_started_ended (agent_id=? AND (started_ms,id)<(?,?))" },
        { "team", "USING INDEX ix_sessions_scope_started (scope=?)" },
    };

    [Theory]
    [MemberData(nameof(EndedFromQueries))]
    public async Task The_query_of_sessions_ended_since_a_time_compares_the_end_time_in_an_index_in_page_order(string scope, string index)
    {
        // What the dream scheduler sends at every poll of a count schedule (and a dream's selection): the scope's sessions
        // that ended since a bound, newest first by start, pages of 1,000. On the start-time index alone SQLite read every
        // row of the scope to compare its end time (119-167 ms for the global scope on the 200,000 sessions of the scale
        // file, for the 94 that ended in the last hour); the end time in the index is compared before the row is read, and
        // the index still gives the page order (an index on the end time alone would need every matching row sorted at
        // every page). A team's query still reads its rows (the team index is left as older builds ensure it).
        var path = _folder.File("ended.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        var query = new SessionQuery
        {
            AgentId = scope.StartsWith("agent", StringComparison.Ordinal) ? "bot" : null,
            Scope = scope == "team" ? "billing" : null,
            EndedFrom = DateTimeOffset.UnixEpoch.AddDays(1),
            Order = SessionOrder.NewestFirst,
            PageSize = SessionQuery.MaxPageSize,
        };
        var after = scope.EndsWith("cursor", StringComparison.Ordinal) ? new SessionCursor(5, "s-5") : (SessionCursor?)null;
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = SqliteSessionQuery.Create(connection, query, after);
        var plan = Plan(path, command.CommandText, [.. command.Parameters.Cast<SqliteParameter>().Select(p => (p.ParameterName, p.Value!))]);

        Assert.Contains(index, plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    internal static string Plan(string path, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return string.Join(" | ", details);
    }
}
