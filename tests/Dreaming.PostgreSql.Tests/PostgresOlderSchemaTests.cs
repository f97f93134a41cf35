using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A schema an older package made and filled (traces version 1, before <c>ix_sessions_ended</c>), opened by this
/// package: by a role that may only read it, then by the application's role, which owns the tables.</summary>
public sealed class PostgresOlderSchemaTests : IAsyncLifetime
{
    private readonly string _schema = PostgresTestServer.NewSchema();
    private readonly string _role = "t_reader_" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await PostgresTestServer.DropSchemaAsync(_schema);
        await ExecuteAsync($"DROP OWNED BY {_role}; DROP ROLE IF EXISTS {_role};");
    }

    [Fact]
    public async Task A_reader_is_told_the_owner_must_migrate_it_and_the_owner_migrates_it_with_its_sessions()
    {
        // The traces tables as version 1 left them, with sessions, and a role that may only read them (a reviewer whose
        // dreaming tool is newer than the application).
        await ExecuteAsync(
            $"CREATE SCHEMA {_schema}; SET search_path = {_schema}; {PostgresTraceSchema.Migrations[0]};"
            + "CREATE TABLE schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());"
            + "INSERT INTO schema_versions (component, version) VALUES ('traces', 1);"
            + $"CREATE ROLE {_role} LOGIN; GRANT USAGE ON SCHEMA {_schema} TO {_role}; GRANT SELECT ON ALL TABLES IN SCHEMA {_schema} TO {_role};");
        await ExecuteAsync(
            $"SET search_path = {_schema};"
            + "INSERT INTO sessions (id, agent_id, task, status, started_ms, ended_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, insight_ids, metadata, dropped_event_count, event_count)"
            + " SELECT 's' || i, 'bot', 't', 1, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + 500, 0, 0, 0, 0, 0, '[]', '{}', 0, 0 FROM generate_series(1, 20) i;");

        var reader = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { Username = _role };
        await using (var traces = new PostgresTraceStore(new PostgresStoreOptions { ConnectionString = reader.ConnectionString, Schema = _schema }))
        {
            var refused = await Assert.ThrowsAsync<TraceStoreException>(() => traces.QuerySessionsAsync(new SessionQuery()));
            Assert.Contains("version 1 of the traces tables", refused.Message, StringComparison.Ordinal);
            Assert.Contains("needs version 3", refused.Message, StringComparison.Ordinal);
            Assert.Contains("42501", refused.Message, StringComparison.Ordinal);
        }

        await using (var owner = new PostgresTraceStore(PostgresTestServer.NewOptions(_schema)))
        {
            var ended = await owner.QuerySessionsAsync(new SessionQuery { EndedFrom = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000 + 18_000), Order = SessionOrder.NewestFirst });
            Assert.Equal(["s20", "s19", "s18"], ended.Items.Select(s => s.Id));
        }

        Assert.Equal(3L, await ScalarAsync($"SELECT version FROM {_schema}.schema_versions WHERE component = 'traces'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{_schema}' AND indexname = 'ix_sessions_ended'"));

        await using (var traces = new PostgresTraceStore(new PostgresStoreOptions { ConnectionString = reader.ConnectionString, Schema = _schema }))
        {
            Assert.Equal(20, (await traces.QuerySessionsAsync(new SessionQuery())).Items.Count);
        }
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
