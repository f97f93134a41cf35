using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The plan of <see cref="PostgresTraceStore.QueryEventsAsync"/> with statistics gathered (as autovacuum gathers
/// them on a database in use), on one session of 200,000 events among 2,000 short ones: a window seeks the primary key
/// (session_id, seq) to its first event and walks it in order, never sorting or reading the session whole.</summary>
public sealed class PostgresEventQueryPlanTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();
    private PostgresTraceStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = _schema.NewStore();
        await _store.InitializeAsync();
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO sessions (id, agent_id, task, status, started_ms, input_tokens, output_tokens, cached_input_tokens,
                model_calls, cost_minor_units, insight_ids, metadata, dropped_event_count, event_count)
            SELECT 's' || i, 'agent', 'task', 1, 1700000000000 + i, 0, 0, 0, 0, 0, '[]', '{}', 0, CASE WHEN i = 0 THEN 200000 ELSE 10 END
            FROM generate_series(0, 2000) AS i;
            INSERT INTO events (session_id, seq, ts, type, payload)
            SELECT 's0', n, 1700000000000 + n, CASE WHEN n % 1000 = 0 THEN 'memory.injected' ELSE 'note' END, '{"kind":"note","Text":"x"}'
            FROM generate_series(1, 200000) AS n;
            INSERT INTO events (session_id, seq, ts, type, payload)
            SELECT 's' || i, n, 1700000000000 + n, 'note', '{"kind":"note","Text":"x"}'
            FROM generate_series(1, 2000) AS i, generate_series(1, 10) AS n;
            ANALYZE sessions;
            ANALYZE events;
            """,
            connection);
        command.CommandTimeout = 120;
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task A_window_of_a_long_session_walks_the_primary_key_from_its_first_event(bool after, bool types)
    {
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = new NpgsqlCommand("EXPLAIN " + PostgresTraceStore.EventsSql(after, types), connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "s0" });
        if (after)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 150_000 });
        }

        if (types)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["note"] });
        }

        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 2_001 });
        var plan = await PlanAsync(command);

        Assert.Contains("Index Scan using events_pkey", plan, StringComparison.Ordinal);
        Assert.Contains(after ? "Index Cond: ((session_id = 's0'::text) AND (seq > '150000'::bigint))" : "Index Cond: (session_id = 's0'::text)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);

        // And the store reads that window.
        var window = await _store.QueryEventsAsync("s0", new SessionEventQuery { AfterSequence = after ? 150_000 : null, Limit = 2_001, Types = types ? [EventTypes.Note] : null });
        Assert.Equal(2_001, window.Count);
        Assert.Equal(after ? 150_001 : 1, window[0].Sequence);
    }

    private static async Task<string> PlanAsync(NpgsqlCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join("\n", lines);
    }
}
