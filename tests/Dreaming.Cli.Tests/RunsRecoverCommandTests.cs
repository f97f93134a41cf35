using System.Text.Json;
using Dreaming.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming runs recover --all</c> ends the stuck dream runs (running, lease expired) through the store's own
/// recovery, and only those; <c>dreaming runs --all --after CURSOR</c> pages past the most one page shows.</summary>
public class RunsRecoverCommandTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Recover_ends_exactly_the_stuck_runs_of_every_scope_and_writes_their_dream_failed_events(bool json)
    {
        using var cli = new CliRunner();
        var (stuck, otherStuck, working) = await SeedAsync(cli.Database);

        var (exit, output, error) = json
            ? await cli.RunAsync("runs", "recover", "--all", "--db", cli.Database, "--json")
            : await cli.RunAsync("runs", "recover", "--all", "--db", cli.Database);

        Assert.True(exit == 0, error);
        if (json)
        {
            var root = JsonDocument.Parse(output).RootElement;
            Assert.Equal(2, root.GetProperty("count").GetInt32());
            var ended = root.GetProperty("runs").EnumerateArray().ToList();
            Assert.Equal(new[] { otherStuck, stuck }.Order(), ended.Select(r => r.GetProperty("run_id").GetString()).Order());
            Assert.All(ended, r => Assert.Equal(("failed", DreamRunStoreRules.AbandonedError), (r.GetProperty("status").GetString(), r.GetProperty("error").GetString())));
            Assert.Equal(2, ended.Single(r => r.GetProperty("run_id").GetString() == otherStuck).GetProperty("sessions_read").GetInt32());
        }
        else
        {
            Assert.StartsWith("ended 2 stuck dream runs (running, lease expired: the process stopped):", output, StringComparison.Ordinal);
            Assert.Contains($"team:billing  {stuck}  failed  (lease held by 'host-1:4001:c3')", output, StringComparison.Ordinal);
            Assert.Contains($"agent:other  {otherStuck}  failed", output, StringComparison.Ordinal);
            Assert.Contains("webhooks: their dream.failed or dream.completed events (with budget.reached and insight.quarantined where the run recorded them) written to the outbox", output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(working, output, StringComparison.Ordinal);
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }))
        {
            Assert.Equal((DreamRunStatus.Failed, DreamRunStoreRules.AbandonedError), ((await runs.GetAsync(stuck))!.Status, (await runs.GetAsync(stuck))!.Error));
            Assert.Equal(DreamRunStatus.Failed, (await runs.GetAsync(otherStuck))!.Status);
            var live = (await runs.GetAsync(working))!;
            Assert.Equal((DreamRunStatus.Running, "host-2:4242:a1"), (live.Status, live.LeaseHolder));
        }

        using (var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database)))
        {
            Assert.Equal([WebhookEventTypes.DreamFailed, WebhookEventTypes.DreamFailed], (await outbox.ListUnroutedAsync()).Select(e => e.EventType));
        }

        // Run again: nothing is stuck any more, and the live run is still left alone.
        var (againExit, again, _) = await cli.RunAsync("runs", "recover", "--all", "--db", cli.Database);
        Assert.Equal((0, "no stuck dream runs: every running run holds a live lease (or none is running)"), (againExit, again.Trim()));
    }

    [Fact]
    public async Task A_stuck_run_whose_memory_version_was_written_is_completed_as_the_stores_recovery_does_with_dream_completed()
    {
        using var cli = new CliRunner();
        var scope = MemoryScope.Agent("bot");
        string killed, versionId;
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1))))
        {
            killed = (await runs.CreateAsync(new DreamRunRequest { Scope = scope, ReviewMode = DreamReviewMode.RequireApproval })).Id;
            await runs.StartAsync(killed, "host-1:4001:c3", DreamConsolidator.LeaseDuration);
        }

        using (var memory = new SqliteMemoryStore("Data Source=" + cli.Database))
        {
            var insight = new Insight { Id = "ins-1", Text = "Check the total.", Scope = scope, Source = InsightSource.Mined, Status = InsightStatus.Active, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow };
            versionId = (await memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.DreamRun(killed), Insights = [insight] })).Id;
        }

        var (exit, output, error) = await cli.RunAsync("runs", "recover", "--all", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains($"agent:bot  {killed}  completed (its memory version {versionId} was written)", output, StringComparison.Ordinal);
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }))
        {
            var ended = (await runs.GetAsync(killed))!;
            Assert.Equal((DreamRunStatus.Completed, versionId), (ended.Status, ended.Results.OutputVersionId));
        }

        using var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        Assert.Contains(WebhookEventTypes.DreamCompleted, (await outbox.ListUnroutedAsync()).Select(e => e.EventType));
    }

    [Fact]
    public async Task Recover_with_no_webhooks_writes_no_event_and_without_all_is_a_usage_error()
    {
        using var cli = new CliRunner();
        var (stuck, _, working) = await SeedAsync(cli.Database);

        var (noAllExit, _, noAll) = await cli.RunAsync("runs", "recover", "--db", cli.Database);
        var (exit, output, error) = await cli.RunAsync("runs", "recover", "--all", "--no-webhooks", "--db", cli.Database);

        Assert.Equal(1, noAllExit);
        Assert.Contains("Option '--all' is required (or give --scope KEY): 'runs recover' ends the stuck runs of every scope", noAll, StringComparison.Ordinal);
        Assert.True(exit == 0, error);
        Assert.Contains(stuck, output, StringComparison.Ordinal);
        Assert.DoesNotContain(working, output, StringComparison.Ordinal);
        Assert.DoesNotContain("webhooks:", output, StringComparison.Ordinal);
        using var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        Assert.Empty(await outbox.ListUnroutedAsync());
    }

    [Fact]
    public async Task All_pages_past_the_limit_with_the_cursor_a_full_page_prints_even_with_runs_added_between_pages()
    {
        using var cli = new CliRunner();
        var options = new SqliteTraceStoreOptions { ConnectionString = cli.Database };
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var first = new List<string>();
        using (var runs = new SqliteDreamRunStore(options, clock))
        {
            for (var i = 0; i < 5; i++)
            {
                first.Insert(0, (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent($"bot-{i}") })).Id);
                clock.Advance(TimeSpan.FromSeconds(1));
            }
        }

        var listed = new List<string>();
        var (exit, page, error) = await cli.RunAsync("runs", "--all", "--limit", "2", "--db", cli.Database);
        Assert.True(exit == 0, error);
        listed.AddRange(Ids(page, first));
        var cursor = Cursor(page);

        // Newer runs arrive between the pages: the next pages go on from where the first stopped, older only.
        using (var runs = new SqliteDreamRunStore(options))
        {
            for (var i = 0; i < 3; i++)
            {
                await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent($"late-{i}") });
            }
        }

        var (jsonExit, json, jsonError) = await cli.RunAsync("runs", "--all", "--limit", "2", "--after", cursor!, "--db", cli.Database, "--json");
        Assert.True(jsonExit == 0, jsonError);
        listed.AddRange(JsonDocument.Parse(json).RootElement.EnumerateArray().Select(r => r.GetProperty("run_id").GetString()!));
        Assert.StartsWith("next: --after ", jsonError, StringComparison.Ordinal);
        cursor = jsonError.Trim()["next: --after ".Length..];

        var (lastExit, last, lastError) = await cli.RunAsync("runs", "--all", "--limit", "2", "--after", cursor, "--db", cli.Database);
        Assert.True(lastExit == 0, lastError);
        listed.AddRange(Ids(last, first));
        Assert.Null(Cursor(last));
        Assert.Equal(first, listed);
    }

    [Fact]
    public async Task After_is_refused_without_all_and_a_cursor_the_tool_did_not_print_is_one_line_naming_it()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (scopeExit, _, scope) = await cli.RunAsync("runs", "--agent", "bot", "--after", "abc", "--db", cli.Database);
        var (badExit, bad, badError) = await cli.RunAsync("runs", "--all", "--after", "not-a-cursor", "--db", cli.Database);

        Assert.Equal(1, scopeExit);
        Assert.Contains("--after pages through the runs of every scope: give it with --all", scope, StringComparison.Ordinal);
        Assert.Equal((1, string.Empty), (badExit, bad));
        Assert.StartsWith("error: --after 'not-a-cursor' is not a dream run cursor issued by this store.", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stuck_lists_only_the_running_runs_of_every_scope_whose_lease_expired()
    {
        using var cli = new CliRunner();
        var (stuck, otherStuck, working) = await SeedAsync(cli.Database);
        string failed;
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }))
        {
            failed = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Global })).Id;
            await runs.FailAsync(failed, "the reflector is down");
        }

        var (exit, text, error) = await cli.RunAsync("runs", "--all", "--stuck", "--db", cli.Database);
        var (oneExit, one, oneError) = await cli.RunAsync("runs", "--all", "--stuck", "--limit", "1", "--db", cli.Database);
        var (jsonExit, json, jsonError) = await cli.RunAsync("runs", "--all", "--stuck", "--db", cli.Database, "--json");
        var (scopeExit, _, scope) = await cli.RunAsync("runs", "--agent", "bot", "--stuck", "--db", cli.Database);
        var (statusExit, _, status) = await cli.RunAsync("runs", "--all", "--stuck", "--status", "failed", "--db", cli.Database);
        await cli.RunAsync("runs", "recover", "--all", "--db", cli.Database);
        var (noneExit, none, _) = await cli.RunAsync("runs", "--all", "--stuck", "--db", cli.Database);

        Assert.True(exit == 0, error);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("SCOPE ", lines[0], StringComparison.Ordinal);
        Assert.Contains(otherStuck, lines[1], StringComparison.Ordinal);
        Assert.Contains(stuck, lines[2], StringComparison.Ordinal);
        Assert.StartsWith("2 stuck (running, lease expired: its process stopped); 'dreaming runs recover --all' ends them", lines[3], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.DoesNotContain(working, text, StringComparison.Ordinal);
        Assert.DoesNotContain(failed, text, StringComparison.Ordinal);
        Assert.True(oneExit == 0, oneError);
        Assert.Contains(otherStuck, one, StringComparison.Ordinal);
        Assert.DoesNotContain(stuck, one, StringComparison.Ordinal);
        Assert.Contains("(1 more stuck run; raise --limit)", one, StringComparison.Ordinal);
        Assert.True(jsonExit == 0, jsonError);
        var listed = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal([otherStuck, stuck], listed.Select(r => r.GetProperty("run_id").GetString()));
        Assert.All(listed, r => Assert.True(r.GetProperty("lease_expired").GetBoolean()));
        Assert.Equal(1, scopeExit);
        Assert.Contains("--stuck lists the stuck runs of every scope: give it with --all.", scope, StringComparison.Ordinal);
        Assert.Equal(1, statusExit);
        Assert.Contains("--stuck lists running runs whose lease expired: give no --status with it.", status, StringComparison.Ordinal);
        Assert.Equal((0, "no stuck dream runs in any scope"), (noneExit, none.Trim()));
    }

    [Fact]
    public async Task Stuck_past_the_most_limit_shows_reads_every_page_of_running_runs_and_does_not_say_to_raise_the_limit()
    {
        using var cli = new CliRunner();
        var options = new SqliteTraceStoreOptions { ConnectionString = cli.Database };
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        using (var runs = new SqliteDreamRunStore(options, clock))
        {
            for (var i = 0; i < DreamRunStoreRules.MaxListLimit + 2; i++)
            {
                await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent($"bot-{i}") });
                clock.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        // 1,002 dreams killed at once (a redeploy): started an hour ago, their leases long expired.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={cli.Database};Pooling=False"))
        {
            connection.Open();
            using var start = connection.CreateCommand();
            start.CommandText = "UPDATE dream_runs SET status = 'running', started_ms = requested_ms, lease_holder = 'host-1:' || seq, lease_expires_ms = requested_ms + 600000";
            Assert.Equal(DreamRunStoreRules.MaxListLimit + 2, start.ExecuteNonQuery());
        }

        var (exit, text, error) = await cli.RunAsync("runs", "--all", "--stuck", "--limit", "1000", "--db", cli.Database);
        var (jsonExit, json, jsonError) = await cli.RunAsync("runs", "--all", "--stuck", "--limit", "1000", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        Assert.Equal(1 + 1000 + 2, lines.Count);
        Assert.StartsWith("1002 stuck (running, lease expired: its process stopped); 'dreaming runs recover --all' ends them", lines[^2], StringComparison.Ordinal);
        Assert.Equal("(2 more stuck runs; 1000 is the most --limit shows: 'dreaming runs recover --all' ends them all)", lines[^1]);
        Assert.True(jsonExit == 0, jsonError);
        Assert.Equal(1000, JsonDocument.Parse(json).RootElement.GetArrayLength());
        Assert.Equal("more: 2 more stuck; 1000 is the most --limit shows", jsonError.Trim());
    }

    [Fact]
    public async Task A_page_after_a_cursor_with_nothing_older_says_so_rather_than_that_no_scope_has_runs()
    {
        using var cli = new CliRunner();
        var (stuck, _, _) = await SeedAsync(cli.Database);

        // A cursor older than every run (as one from another database can be), and a --status page whose run ended since.
        var oldest = new DreamRunCursor(0, 0).Encode();
        var (exit, output, error) = await cli.RunAsync("runs", "--all", "--after", oldest, "--db", cli.Database);
        var (firstExit, first, firstError) = await cli.RunAsync("runs", "--all", "--status", "running", "--limit", "2", "--db", cli.Database);
        var cursor = Cursor(first);
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }))
        {
            await runs.RecoverAbandonedAsync();
        }

        var (nextExit, next, nextError) = await cli.RunAsync("runs", "--all", "--status", "running", "--limit", "2", "--after", cursor!, "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Equal("no dream runs in any scope older than the --after cursor", output.Trim());
        Assert.True(firstExit == 0, firstError);
        Assert.DoesNotContain(stuck, first, StringComparison.Ordinal);
        Assert.True(nextExit == 0, nextError);
        Assert.Equal("no running dream runs in any scope older than the --after cursor", next.Trim());
    }

    // A stuck run in team:billing, one in agent:other that had read two sessions (both an hour ago with a 10-minute lease),
    // and a live one in agent:bot.
    private static async Task<(string Stuck, string OtherStuck, string Working)> SeedAsync(string database)
    {
        var options = new SqliteTraceStoreOptions { ConnectionString = database };
        string stuck, otherStuck, working;
        using (var earlier = new SqliteDreamRunStore(options, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1))))
        {
            stuck = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Team("billing") })).Id;
            await earlier.StartAsync(stuck, "host-1:4001:c3", DreamConsolidator.LeaseDuration);
            otherStuck = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("other") })).Id;
            await earlier.StartAsync(otherStuck, "host-1:4002:d4", DreamConsolidator.LeaseDuration);
            await earlier.UpdateProgressAsync(otherStuck, new DreamRunResults { SessionIds = ["s1", "s2"] });
        }

        using (var runs = new SqliteDreamRunStore(options))
        {
            working = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") })).Id;
            await runs.StartAsync(working, "host-2:4242:a1", DreamConsolidator.LeaseDuration);
        }

        return (stuck, otherStuck, working);
    }

    // The run ids of a text page, in its order.
    private static IEnumerable<string> Ids(string page, IEnumerable<string> known) =>
        page.Split('\n').Select(line => known.FirstOrDefault(id => line.Contains(id, StringComparison.Ordinal))).OfType<string>();

    // The cursor a full text page prints last, or null when it prints none.
    private static string? Cursor(string page)
    {
        const string Marker = "(there may be older runs; the next page: --after ";
        var line = page.Split('\n').Select(l => l.TrimEnd()).LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        return line?[Marker.Length..^1];
    }
}
