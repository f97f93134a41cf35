using Dreaming.PostgreSql.Tests.Cli;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A role that may only read the tables (USAGE on the schema, SELECT on its tables), such as a reviewer running
/// the dreaming tool, can use the stores once the app has created and migrated them: no DDL runs when the components are
/// at their versions.</summary>
public sealed class PostgresReaderRoleTests
{
    [Fact]
    public async Task A_role_that_may_only_read_lists_sessions_and_memory_with_the_stores_and_the_tool()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("one.jsonl", """{"id":"s1","messages":[{"role":"user","content":"hi"}]}"""), "--agent", "bot");
        await using (var owner = new PostgresMemoryStore(cli.Options))
        {
            await owner.InitializeAsync();
        }

        var role = "t_reader_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {cli.Schema} TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA {cli.Schema} TO {role};");
        try
        {
            var reader = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { Username = role };
            var options = new PostgresStoreOptions { ConnectionString = reader.ConnectionString, Schema = cli.Schema };
            await using (var traces = new PostgresTraceStore(options))
            {
                Assert.Equal(["s1"], (await traces.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Id));
            }

            await using (var memory = new PostgresMemoryStore(options))
            {
                Assert.Empty(await memory.ListVersionsAsync(MemoryScope.Agent("bot")));
            }

            cli.Environment["DREAMING_DB"] = reader.ConnectionString;
            Assert.Contains("s1", await cli.RunOkAsync("sessions", "--schema", cli.Schema), StringComparison.Ordinal);
            Assert.Contains("no memory versions", await cli.RunOkAsync("memory", "list", "--agent", "bot", "--schema", cli.Schema), StringComparison.Ordinal);
        }
        finally
        {
            await ExecuteAsync($"DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
