using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary><c>dreaming runs recover --scope KEY</c> and <c>--older-than DURATION</c> on a PostgreSQL schema: one scope's
/// stuck run only, only runs whose lease expired long enough ago, each judged again under its scope's lock, and no clock
/// warning when the tool's clock and the server's agree (the same machine).</summary>
public sealed class PostgresCliRunsRecoverScopeTests
{
    [Fact]
    public async Task Scope_and_older_than_end_only_the_runs_they_name()
    {
        await using var cli = new PostgresCliRunner();
        var (a, c, b) = await SeedAsync(cli);

        var (scopeExit, scoped, scopeError) = await cli.RunAsync("runs", "recover", "--scope", "agent:a", "--json");
        var (olderExit, older, olderError) = await cli.RunAsync("runs", "recover", "--all", "--older-than", "10m", "--json");

        Assert.True(scopeExit == 0, scopeError);
        Assert.Equal([a], Ids(scoped));
        Assert.True(olderExit == 0, olderError);
        Assert.Equal([c], Ids(older));
        Assert.DoesNotContain("warning", scopeError + olderError, StringComparison.Ordinal);
        await using var runs = new PostgresDreamRunStore(cli.Options);
        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(b))!.Status);
    }

    [Fact]
    public async Task A_scopes_run_renewed_while_recover_scope_waits_for_its_lock_is_left_running()
    {
        await using var cli = new PostgresCliRunner();
        var (a, _, _) = await SeedAsync(cli);
        var liveUntil = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();

        Task<(int Exit, string Output, string Error)> recovering;
        await using (var dream = await PostgresScopeLocks.HoldAsync(cli.Schema, MemoryScope.Agent("a"), PostgresDreamRunMigrations.Component))
        {
            recovering = cli.RunAsync("runs", "recover", "--scope", "agent:a", "--json");
            await PostgresScopeLocks.WaitForWaitersAsync(cli.Schema, 1, MemoryScope.Agent("a"), PostgresDreamRunMigrations.Component);
            await using (var renew = new NpgsqlCommand($"UPDATE \"{cli.Schema}\".dream_runs SET lease_expires_ms = @until WHERE id = @id", dream))
            {
                renew.Parameters.AddWithValue("until", liveUntil);
                renew.Parameters.AddWithValue("id", a);
                Assert.Equal(1, await renew.ExecuteNonQueryAsync());
            }

            await using var commit = new NpgsqlCommand("COMMIT", dream);
            await commit.ExecuteNonQueryAsync();
        }

        var (exit, output, error) = await recovering.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, error);
        Assert.Empty(Ids(output));
        await using var runs = new PostgresDreamRunStore(cli.Options);
        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(a))!.Status);
    }

    private static List<string> Ids(string json) =>
        [.. JsonDocument.Parse(json).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("run_id").GetString()!)];

    // a and c: leases that expired 55 minutes ago; b: a lease that expired one minute ago.
    private static async Task<(string A, string C, string B)> SeedAsync(PostgresCliRunner cli)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        await using var runs = new PostgresDreamRunStore(cli.Options, clock);
        var a = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") })).Id;
        await runs.StartAsync(a, "host-1", TimeSpan.FromMinutes(5));
        var c = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("c") })).Id;
        await runs.StartAsync(c, "host-1", TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(57));
        var b = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("b") })).Id;
        await runs.StartAsync(b, "host-2", TimeSpan.FromMinutes(2));
        return (a, c, b);
    }
}
