using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary>The built-in functions the tool and the stores call unqualified (<c>clock_timestamp()</c> for the server's
/// clock in <c>runs recover</c>, <c>now()</c> in the schema's version table) are PostgreSQL's own even when a schema on the
/// search path holds a function of the same name: PostgreSQL searches <c>pg_catalog</c> first unless the path names it
/// later. (Naming it later, <c>search_path=x,pg_catalog</c>, is how <see cref="PostgresCliRunsClockTests"/> makes the
/// server's clock read behind, on purpose.)</summary>
public sealed class PostgresClockShadowTests
{
    [Fact]
    public async Task A_clock_timestamp_of_a_schema_on_the_search_path_does_not_replace_the_servers_clock_in_runs_recover()
    {
        await using var cli = new PostgresCliRunner();
        var clockSchema = cli.Schema + "_clock";
        await ExecuteAsync($"CREATE SCHEMA \"{clockSchema}\"; CREATE FUNCTION \"{clockSchema}\".clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ SELECT pg_catalog.clock_timestamp() - interval '3 minutes' $$");
        try
        {
            // A lease that expired a minute ago: ended by the server's own clock, not by the shadow, 3 minutes behind.
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-6));
            string run;
            await using (var runs = new PostgresDreamRunStore(cli.Options, clock))
            {
                run = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") })).Id;
                await runs.StartAsync(run, "host-1", TimeSpan.FromMinutes(5));
            }

            cli.Environment["DREAMING_DB"] = cli.Database + $";Options='-c search_path={clockSchema}'";
            var (exit, recovered, error) = await cli.RunAsync("runs", "recover", "--all", "--json");

            Assert.True(exit == 0, error);
            Assert.DoesNotContain("PostgreSQL server's", error, StringComparison.Ordinal);
            Assert.Equal(run, Assert.Single(JsonDocument.Parse(recovered).RootElement.GetProperty("runs").EnumerateArray()).GetProperty("run_id").GetString());
        }
        finally
        {
            await PostgresTestServer.DropSchemaAsync(clockSchema);
        }
    }

    [Fact]
    public async Task A_now_of_the_stores_own_schema_does_not_replace_the_servers_in_its_version_table()
    {
        var options = PostgresTestServer.NewOptions();
        await ExecuteAsync($"CREATE SCHEMA \"{options.Schema}\"; CREATE FUNCTION \"{options.Schema}\".now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT timestamptz '2000-01-01 00:00:00+00' $$");
        try
        {
            await using (var runs = new PostgresDreamRunStore(options))
            {
                await runs.InitializeAsync();
            }

            await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand($"SELECT min(migrated_at) FROM \"{options.Schema}\".schema_versions", connection);
            var migrated = (DateTime)(await read.ExecuteScalarAsync())!;
            Assert.InRange(migrated, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1));
        }
        finally
        {
            await PostgresTestServer.DropSchemaAsync(options.Schema);
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
