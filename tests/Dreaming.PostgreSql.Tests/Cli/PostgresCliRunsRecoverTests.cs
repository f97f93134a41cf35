using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

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
}
