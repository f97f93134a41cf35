using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The plan of <see cref="PostgresDreamRunStore.QueryRunsAsync"/> (the runs of every scope, what an operator lists
/// during an incident) with statistics gathered, on 100,000 runs of 400 scopes, 10% failed and one running: a page walks an
/// index in page order from its cursor, never reading or sorting every run (runs are never deleted).</summary>
public sealed class PostgresDreamRunQueryPlanTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();
    private PostgresDreamRunStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new PostgresDreamRunStore(_schema.Options());
        await _store.InitializeAsync();
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO dream_runs (id, scope, status, requested_ms, started_ms, ended_ms, max_sessions, min_sessions, review_mode,
                session_ids, stage_usage, report, error)
            SELECT 'dr-' || i, 'team:t' || (i % 400), CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'completed' END,
                1700000000000 + i * 1000, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + 500, 100, 10, 'auto', '[]', '[]', '{}',
                CASE WHEN i % 10 = 0 THEN 'boom' END
            FROM generate_series(1, 100000) AS i;
            INSERT INTO dream_runs (id, scope, status, requested_ms, started_ms, max_sessions, min_sessions, review_mode,
                lease_holder, lease_expires_ms, session_ids, stage_usage, report)
            VALUES ('dr-stuck', 'team:t0', 'running', 1800000000000, 1800000000000, 100, 10, 'auto', 'h', 1800000600000, '[]', '[]', '{}');
            ANALYZE dream_runs;
            """,
            connection);
        command.CommandTimeout = 120;
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _schema.DisposeAsync();
    }

    [Theory]
    [InlineData(false, false, "Index Scan Backward using ix_dream_runs_requested")]
    [InlineData(false, true, "Index Scan Backward using ix_dream_runs_requested")]
    [InlineData(true, false, "Index Scan Backward using ix_dream_runs_status_requested")]
    [InlineData(true, true, "Index Scan Backward using ix_dream_runs_status_requested")]
    public async Task A_page_of_the_runs_of_every_scope_walks_an_index_in_page_order(bool withStatus, bool withCursor, string expected)
    {
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = new NpgsqlCommand("EXPLAIN " + PostgresDreamRunRows.QuerySql(withStatus, withCursor), connection);
        command.Parameters.AddWithValue("status", "failed");
        command.Parameters.AddWithValue("after_ms", 1700000000000L + 50_000_000L);
        command.Parameters.AddWithValue("after_seq", 50_000L);
        command.Parameters.AddWithValue("limit", 51);
        var plan = await PlanAsync(command);

        Assert.Contains(expected, plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);

        // And the store reads that page, newest first.
        var first = await _store.QueryRunsAsync(new DreamRunQuery { Status = withStatus ? DreamRunStatus.Failed : null });
        var page = withCursor ? await _store.QueryRunsAsync(new DreamRunQuery { Status = withStatus ? DreamRunStatus.Failed : null, Cursor = first.NextCursor }) : first;
        Assert.Equal(50, page.Items.Count);
        Assert.NotNull(page.NextCursor);
        Assert.Equal(withStatus ? (withCursor ? "dr-99500" : "dr-100000") : withCursor ? "dr-99951" : "dr-stuck", page.Items[0].Id);
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
