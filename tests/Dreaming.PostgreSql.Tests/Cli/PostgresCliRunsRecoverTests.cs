using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary><c>dreaming runs recover --all</c> and <c>dreaming runs --all --after CURSOR</c> on a PostgreSQL schema: the stuck
/// runs end through the store's recovery with their <c>dream.failed</c> written unrouted, a live run is left alone, and the
/// pages go on past the first.</summary>
public sealed class PostgresCliRunsRecoverTests
{
    [Fact]
    public async Task Recover_ends_the_stuck_runs_only_and_the_list_pages_with_the_cursor_it_prints()
    {
        await using var cli = new PostgresCliRunner();
        string stuck, otherStuck, working;
        await using (var earlier = new PostgresDreamRunStore(cli.Options, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1))))
        {
            stuck = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Team("billing") })).Id;
            await earlier.StartAsync(stuck, "host-1:4001:c3", DreamConsolidator.LeaseDuration);
            otherStuck = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("other") })).Id;
            await earlier.StartAsync(otherStuck, "host-1:4002:d4", DreamConsolidator.LeaseDuration);
        }

        await using (var runs = new PostgresDreamRunStore(cli.Options))
        {
            working = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") })).Id;
            await runs.StartAsync(working, "host-2:4242:a1", DreamConsolidator.LeaseDuration);
        }

        var first = await cli.RunOkAsync("runs", "--all", "--limit", "2");
        const string Marker = "(there may be older runs; the next page: --after ";
        var cursor = first.Split('\n').Single(l => l.StartsWith(Marker, StringComparison.Ordinal)).TrimEnd()[Marker.Length..^1];
        var second = await cli.RunOkAsync("runs", "--all", "--limit", "2", "--after", cursor);
        var ended = JsonDocument.Parse(await cli.RunOkAsync("runs", "recover", "--all", "--json")).RootElement;
        var again = await cli.RunOkAsync("runs", "recover", "--all");

        Assert.Contains(working, first, StringComparison.Ordinal);
        Assert.Contains(otherStuck, first, StringComparison.Ordinal);
        Assert.Contains(stuck, second, StringComparison.Ordinal);
        Assert.DoesNotContain("--after", second, StringComparison.Ordinal);
        Assert.Equal(2, ended.GetProperty("count").GetInt32());
        Assert.Equal(new[] { stuck, otherStuck }.Order(), ended.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("run_id").GetString()).Order());
        Assert.StartsWith("no stuck dream runs", again, StringComparison.Ordinal);
        await using (var runs = new PostgresDreamRunStore(cli.Options))
        {
            Assert.Equal((DreamRunStatus.Failed, DreamRunStoreRules.AbandonedError), ((await runs.GetAsync(stuck))!.Status, (await runs.GetAsync(stuck))!.Error));
            Assert.Equal(DreamRunStatus.Failed, (await runs.GetAsync(otherStuck))!.Status);
            Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(working))!.Status);
        }

        await using var outbox = new PostgresWebhookOutboxStore(cli.Options);
        Assert.Equal([WebhookEventTypes.DreamFailed, WebhookEventTypes.DreamFailed], (await outbox.ListUnroutedAsync()).Select(e => e.EventType));
    }

    [Fact]
    public async Task A_run_whose_lease_a_live_dream_renews_while_recover_waits_for_its_scopes_lock_is_left_running()
    {
        await using var cli = new PostgresCliRunner();
        var (renewed, stuck) = await SeedTwoStuckAsync(cli);
        var liveUntil = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();

        // The live dream (another instance) holds its scope's lock; the tool's recovery waits for it, and the dream renews its
        // lease and lets go: the recovery must read the run again under the lock and leave it running.
        Task<(int Exit, string Output, string Error)> recovering;
        await using (var dream = await PostgresScopeLocks.HoldAsync(cli.Schema, MemoryScope.Agent("a"), PostgresDreamRunMigrations.Component))
        {
            recovering = cli.RunAsync("runs", "recover", "--all", "--json");
            await PostgresScopeLocks.WaitForWaitersAsync(cli.Schema, 1, MemoryScope.Agent("a"), PostgresDreamRunMigrations.Component);
            await using (var renew = new NpgsqlCommand($"UPDATE \"{cli.Schema}\".dream_runs SET lease_expires_ms = @until WHERE id = @id", dream))
            {
                renew.Parameters.AddWithValue("until", liveUntil);
                renew.Parameters.AddWithValue("id", renewed);
                Assert.Equal(1, await renew.ExecuteNonQueryAsync());
            }

            await using var commit = new NpgsqlCommand("COMMIT", dream);
            await commit.ExecuteNonQueryAsync();
        }

        var (exit, output, error) = await recovering.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, error);
        Assert.Equal([stuck], JsonDocument.Parse(output).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("run_id").GetString()));
        await using (var runs = new PostgresDreamRunStore(cli.Options))
        {
            var live = (await runs.GetAsync(renewed))!;
            Assert.Equal((DreamRunStatus.Running, liveUntil), (live.Status, live.LeaseExpiresAt!.Value.ToUnixTimeMilliseconds()));
            Assert.Equal(DreamRunStatus.Failed, (await runs.GetAsync(stuck))!.Status);
        }

        Assert.Equal([(WebhookEventTypes.DreamFailed, stuck)], await EventsAsync(cli));
    }

    [Fact]
    public async Task Recover_racing_the_apps_own_recovery_ends_each_stuck_run_once_with_one_dream_failed()
    {
        await using var cli = new PostgresCliRunner();
        var (first, second) = await SeedTwoStuckAsync(cli);
        var options = cli.Options;
        options.WriteUnroutedWebhooks = true;
        await using var app = new PostgresDreamRunStore(options);
        await app.InitializeAsync();

        // Both recoveries read the two stuck scopes, then wait for the first one's lock, held here; let go, they race.
        Task<IReadOnlyList<DreamRun>> appRecovery;
        Task<(int Exit, string Output, string Error)> toolRecovery;
        await using (var holder = await PostgresScopeLocks.HoldAsync(cli.Schema, MemoryScope.Agent("a"), PostgresDreamRunMigrations.Component))
        {
            appRecovery = app.RecoverAbandonedAsync();
            toolRecovery = cli.RunAsync("runs", "recover", "--all", "--json");
            await PostgresScopeLocks.WaitForWaitersAsync(cli.Schema, 2, MemoryScope.Agent("a"), PostgresDreamRunMigrations.Component);
            await using var commit = new NpgsqlCommand("COMMIT", holder);
            await commit.ExecuteNonQueryAsync();
        }

        var byApp = (await appRecovery.WaitAsync(TimeSpan.FromSeconds(60))).Select(r => r.Id).ToList();
        var (exit, output, error) = await toolRecovery.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, error);
        var byTool = JsonDocument.Parse(output).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("run_id").GetString()!).ToList();
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), byApp.Concat(byTool).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { (WebhookEventTypes.DreamFailed, first), (WebhookEventTypes.DreamFailed, second) }.Order(), await EventsAsync(cli));
    }

    // Two runs, in agent:a and agent:b, whose lease expired 50 minutes ago.
    private static async Task<(string First, string Second)> SeedTwoStuckAsync(PostgresCliRunner cli)
    {
        await using var runs = new PostgresDreamRunStore(cli.Options, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1)));
        var first = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") })).Id;
        await runs.StartAsync(first, "host-1:4001:c3", DreamConsolidator.LeaseDuration);
        var second = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("b") })).Id;
        await runs.StartAsync(second, "host-1:4002:d4", DreamConsolidator.LeaseDuration);
        return (first, second);
    }

    // The schema's webhook events: type and the dream run they announce, in order.
    private static async Task<List<(string Type, string Run)>> EventsAsync(PostgresCliRunner cli)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT type, body FROM \"{cli.Schema}\".webhook_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<(string Type, string Run)>();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetString(0), JsonDocument.Parse(reader.GetString(1)).RootElement.GetProperty("data").GetProperty("dream_run_id").GetString()!));
        }

        return [.. events.Order()];
    }
}
