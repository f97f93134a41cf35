using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary>On PostgreSQL <c>dreaming runs</c> judges a lease by the clock <c>runs recover</c> ends runs by (the earlier of
/// the tool's and the server's), so <c>runs --all --stuck</c> lists what <c>runs recover --all</c> would end and nothing it
/// would leave running. The server's clock is made to read 3 minutes behind this machine's by a <c>clock_timestamp()</c>
/// of a schema ahead of <c>pg_catalog</c> in the tool's search path.</summary>
public sealed class PostgresCliRunsClockTests
{
    [Fact]
    public async Task Runs_stuck_and_runs_recover_agree_on_a_run_whose_lease_expired_by_this_machines_clock_only()
    {
        await using var cli = new PostgresCliRunner();
        var clockSchema = cli.Schema + "_clock";
        await using (var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(
                $"CREATE SCHEMA \"{clockSchema}\"; CREATE FUNCTION \"{clockSchema}\".clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ SELECT pg_catalog.clock_timestamp() - interval '3 minutes' $$",
                connection);
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            // A lease that expired a minute ago by this machine's clock: 2 minutes from now by the server's.
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-6));
            string run;
            await using (var runs = new PostgresDreamRunStore(cli.Options, clock))
            {
                run = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") })).Id;
                await runs.StartAsync(run, "host-1", TimeSpan.FromMinutes(5));
            }

            cli.Environment["DREAMING_DB"] = cli.Database + $";Options='-c search_path={clockSchema},pg_catalog'";
            var (listExit, listed, listError) = await cli.RunAsync("runs", "--all", "--stuck", "--json");
            var (recoverExit, recovered, recoverError) = await cli.RunAsync("runs", "recover", "--all", "--json");

            Assert.True(recoverExit == 0, recoverError);
            Assert.Contains("ahead of the PostgreSQL server's", recoverError, StringComparison.Ordinal);
            Assert.Empty(JsonDocument.Parse(recovered).RootElement.GetProperty("runs").EnumerateArray());
            Assert.True(listExit == 0, listError);
            Assert.Empty(JsonDocument.Parse(listed).RootElement.EnumerateArray());
            await using var store = new PostgresDreamRunStore(cli.Options);
            Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(run))!.Status);
        }
        finally
        {
            await PostgresTestServer.DropSchemaAsync(clockSchema);
        }
    }
}
