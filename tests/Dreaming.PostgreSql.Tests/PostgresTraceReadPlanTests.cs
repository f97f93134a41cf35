using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The plans of the trace store's reads on a few thousand sessions with statistics gathered (as autovacuum
/// gathers them on a database in use): each filter reads through its index, never the whole table.</summary>
public sealed class PostgresTraceReadPlanTests : IAsyncLifetime
{
    private const int Sessions = 5000;

    private readonly TraceSchema _schema = new();
    private PostgresTraceStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = _schema.NewStore();
        await _store.InitializeAsync();

        // 50 agents, 20 scopes; nine in ten sessions ended, a few hundred children, ten events each.
        await ExecuteAsync(
            $$"""
            INSERT INTO sessions (id, agent_id, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, output_tokens,
                cached_input_tokens, model_calls, cost_minor_units, insight_ids, metadata, outcome_label, dropped_event_count, event_count)
            SELECT 's' || i, 'agent-' || (i % 50), 'team-' || (i % 20), 'task', CASE WHEN i % 17 = 0 THEN 's' || (i - 1) END,
                CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + 500, 1, 1, 0, 1, 0,
                '[]', '{}', CASE WHEN i % 3 = 0 THEN 'failure' ELSE 'success' END, 0, 10
            FROM generate_series(1, {{Sessions}}) AS i;
            INSERT INTO events (session_id, seq, ts, type, payload)
            SELECT 's' || i, n, 1700000000000 + i * 1000 + n, 'note', '{"kind":"note","Text":"x"}'
            FROM generate_series(1, {{Sessions}}) AS i, generate_series(1, 10) AS n;
            ANALYZE sessions;
            ANALYZE events;
            """);
    }

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    public static TheoryData<string, string> Queries() => new()
    {
        { "none", "ix_sessions_started" },
        { "agent", "ix_sessions_agent_started" },
        { "scope", "ix_sessions_scope_started" },
        { "running", "ix_sessions_status_started" },
        { "outcome", "ix_sessions_outcome_started" },
        { "parent", "ix_sessions_parent_started" },
        { "agent, completed, newest first, after a cursor", "ix_sessions_agent_started" },
        { "scope, since", "ix_sessions_scope_started" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task A_page_walks_its_filters_index_in_order(string filters, string index)
    {
        var query = new SessionQuery
        {
            AgentId = filters.Contains("agent", StringComparison.Ordinal) ? "agent-7" : null,
            Scope = filters.Contains("scope", StringComparison.Ordinal) ? "team-3" : null,
            Status = filters.Contains("running", StringComparison.Ordinal) ? SessionStatus.Running
                : filters.Contains("completed", StringComparison.Ordinal) ? SessionStatus.Completed : null,
            OutcomeLabel = filters.Contains("outcome", StringComparison.Ordinal) ? "failure" : null,
            ParentSessionId = filters.Contains("parent", StringComparison.Ordinal) ? "s33" : null,
            StartedFrom = filters.Contains("since", StringComparison.Ordinal) ? DateTimeOffset.FromUnixTimeMilliseconds(1700002000000) : null,
            Order = filters.Contains("newest", StringComparison.Ordinal) ? SessionOrder.NewestFirst : SessionOrder.OldestFirst,
        };
        var after = filters.Contains("cursor", StringComparison.Ordinal) ? new SessionCursor(1700004000000, "s4000") : (SessionCursor?)null;

        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = PostgresSessionQuery.Create(connection, query, after);
        var plan = await PlanAsync(command);

        // On a few thousand sessions the planner may read a filter's few hundred rows through its index and sort them; on
        // a larger table it walks the index in order (checked by hand on 205,000 sessions: "Limit -> Index Scan using
        // ix_sessions_agent_started"). It never reads the whole table.
        // An outcome matches one session in three here: walking the start-time index and skipping the others reads about
        // three rows per row returned, and the planner takes either index by a few pages' cost (the start-time one since
        // traces version 3 made each row 8 bytes wider). Both read in page order and stop after a page.
        Assert.Contains("Index Scan", plan, StringComparison.Ordinal);
        Assert.True(plan.Contains(index, StringComparison.Ordinal) || (filters == "outcome" && plan.Contains("ix_sessions_started", StringComparison.Ordinal)), plan);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("global")]
    [InlineData("agent")]
    [InlineData("scope")]
    public async Task Sessions_ended_in_a_recent_window_are_read_through_the_end_time_index(string filter)
    {
        // What the dream scheduler asks at every poll (and a dream's selection): the scope's sessions that ended since a
        // time. Without an index on the end time the planner walked the start-time index and compared every row's end
        // time, for the last 50 of 5,000 sessions; and with a wide window it still walks the filter's index in order.
        var recent = new SessionQuery
        {
            AgentId = filter == "agent" ? "agent-7" : null,
            Scope = filter == "scope" ? "team-3" : null,
            EndedFrom = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000 + (Sessions - 50) * 1000L),
            Order = SessionOrder.NewestFirst,
            PageSize = SessionQuery.MaxPageSize,
        };

        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = PostgresSessionQuery.Create(connection, recent, after: null);
        var plan = await PlanAsync(command);
        Assert.Contains("ix_sessions_ended", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);

        await using var wide = PostgresSessionQuery.Create(connection, recent with { EndedFrom = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000) }, after: null);
        Assert.DoesNotContain("Seq Scan", await PlanAsync(wide), StringComparison.Ordinal);

        var expected = Enumerable.Range(Sessions - 50, 51).Where(i => i % 10 != 0)
            .Where(i => filter switch { "agent" => i % 50 == 7, "scope" => i % 20 == 3, _ => true })
            .Select(i => "s" + i).Reverse();
        Assert.Equal(expected, (await _store.QuerySessionsAsync(recent)).Items.Select(s => s.Id));
    }

    [Fact]
    public async Task A_sessions_events_and_a_purge_batch_use_their_indexes()
    {
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var events = new NpgsqlCommand("SELECT seq, ts, payload FROM events WHERE session_id = $1 AND type = ANY($2) ORDER BY seq", connection);
        events.Parameters.AddWithValue("s42");
        events.Parameters.AddWithValue(new[] { "note" });
        Assert.Contains("events_pkey", await PlanAsync(events), StringComparison.Ordinal);

        await using var purge = new NpgsqlCommand(PostgresTraceStore.Purge, connection);
        purge.Parameters.AddWithValue(1700000300000L);
        purge.Parameters.AddWithValue(PostgresTraceStore.PurgeBatchSize);
        var plan = await PlanAsync(purge);
        Assert.Contains("ix_sessions_started", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);

        // And the store's own reads agree with the rows written behind its back.
        Assert.Equal(10, (await _store.GetEventsAsync("s42", [EventTypes.Note])).Count);
        Assert.Equal(PostgresTraceStore.PurgeBatchSize + 40, await _store.PurgeAsync(DateTimeOffset.FromUnixTimeMilliseconds(1700000600000)));
    }

    private static async Task<string> PlanAsync(NpgsqlCommand command)
    {
        command.CommandText = "EXPLAIN " + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join("\n", lines);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
