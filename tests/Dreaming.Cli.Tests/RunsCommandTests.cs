using System.Text.Json;
using Dreaming.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Cli.Tests;

public class RunsCommandTests
{
    [Fact]
    public async Task A_dream_whose_process_was_killed_is_listed_running_with_its_lease_and_dream_says_when_the_scope_is_free()
    {
        using var cli = new CliRunner();
        var options = new SqliteTraceStoreOptions { ConnectionString = cli.Database };
        string held, expired, done;
        using (var runs = new SqliteDreamRunStore(options))
        {
            held = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") })).Id;
            await runs.StartAsync(held, "host-1:4242:a1", DreamConsolidator.LeaseDuration);
            await runs.UpdateProgressAsync(held, new DreamRunResults { SessionIds = ["s1", "s2"] });
        }

        using (var earlier = new SqliteDreamRunStore(options, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1))))
        {
            done = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("other") })).Id;
            await earlier.StartAsync(done, "host-1:4000:b2", DreamConsolidator.LeaseDuration);
            await earlier.CompleteAsync(done, DreamRunResults.Empty with { Note = "not enough sessions (0 < 10)" });
            expired = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("other") })).Id;
            await earlier.StartAsync(expired, "host-1:4001:c3", DreamConsolidator.LeaseDuration);
        }

        var (exit, text, error) = await cli.RunAsync("runs", "--agent", "bot", "--db", cli.Database);
        Assert.True(exit == 0, error);
        Assert.Contains(held, text, StringComparison.Ordinal);
        Assert.Contains("running", text, StringComparison.Ordinal);
        Assert.Contains("lease held by 'host-1:4242:a1' until ", text, StringComparison.Ordinal);

        var (otherExit, json, otherError) = await cli.RunAsync("runs", "--scope", "agent:other", "--db", cli.Database, "--json");
        Assert.True(otherExit == 0, otherError);
        var listed = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal([expired, done], listed.Select(r => r.GetProperty("run_id").GetString()));
        Assert.Equal(("running", true), (listed[0].GetProperty("status").GetString(), listed[0].GetProperty("lease_expired").GetBoolean()));
        Assert.Equal(("completed", "not enough sessions (0 < 10)"), (listed[1].GetProperty("status").GetString(), listed[1].GetProperty("note").GetString()));
        var (_, otherText, _) = await cli.RunAsync("runs", "--agent", "other", "--db", cli.Database);
        Assert.Contains("lease expired at ", otherText, StringComparison.Ordinal);
        Assert.Contains("the next dream of the scope ends it", otherText, StringComparison.Ordinal);

        // The killed dream's scope is refused until its lease expires, and the message says so.
        var (dreamExit, _, dreamError) = await cli.RunAsync("dream", "--agent", "bot", "--db", cli.Database);
        Assert.Equal(1, dreamExit);
        Assert.Contains($"run '{held}'", dreamError, StringComparison.Ordinal);
        Assert.Contains("If its process stopped, the scope is free once the lease expires", dreamError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_page_says_to_raise_the_limit_only_while_the_limit_can_be_raised()
    {
        using var cli = new CliRunner();
        using (var runs = new SqliteDreamRunStore(new SqliteTraceStoreOptions { ConnectionString = cli.Database }))
        {
            for (var i = 0; i < DreamRunStoreRules.MaxListLimit; i++)
            {
                await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
            }
        }

        var (exit, text, error) = await cli.RunAsync("runs", "--agent", "bot", "--limit", "2", "--db", cli.Database);
        Assert.True(exit == 0, error);
        Assert.Contains("(there may be older runs; raise --limit)", text, StringComparison.Ordinal);

        var (fullExit, full, fullError) = await cli.RunAsync("runs", "--agent", "bot", "--limit", "1000", "--db", cli.Database);
        Assert.True(fullExit == 0, fullError);
        Assert.DoesNotContain("raise --limit", full, StringComparison.Ordinal);
        Assert.Contains("(there may be older runs; 1000 is the most --limit shows)", full, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_lists_the_runs_of_every_scope_with_their_scope_filters_by_status_and_counts_the_stuck_ones()
    {
        using var cli = new CliRunner();
        var options = new SqliteTraceStoreOptions { ConnectionString = cli.Database };
        string stuck, failed, working, pending;
        using (var earlier = new SqliteDreamRunStore(options, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1))))
        {
            stuck = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Team("billing") })).Id;
            await earlier.StartAsync(stuck, "host-1:4001:c3", DreamConsolidator.LeaseDuration);
            failed = (await earlier.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("other") })).Id;
            await earlier.StartAsync(failed, "host-1:4002:d4", DreamConsolidator.LeaseDuration);
            await earlier.FailAsync(failed, "the reflector is down");
        }

        using (var runs = new SqliteDreamRunStore(options))
        {
            working = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") })).Id;
            await runs.StartAsync(working, "host-2:4242:a1", DreamConsolidator.LeaseDuration);
            pending = (await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Global })).Id;
        }

        var (exit, text, error) = await cli.RunAsync("runs", "--all", "--status", "running", "--db", cli.Database);
        var (jsonExit, json, jsonError) = await cli.RunAsync("runs", "--all", "--db", cli.Database, "--json");
        var (pageExit, page, pageError) = await cli.RunAsync("runs", "--all", "--limit", "3", "--db", cli.Database);
        var (noneExit, none, _) = await cli.RunAsync("runs", "--all", "--status", "canceled", "--db", cli.Database);
        var (badExit, _, bad) = await cli.RunAsync("runs", "--agent", "bot", "--status", "running", "--db", cli.Database);
        var (bothExit, _, both) = await cli.RunAsync("runs", "--agent", "bot", "--all", "--db", cli.Database);

        Assert.True(exit == 0, error);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("SCOPE ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("agent:bot ", lines[1], StringComparison.Ordinal);
        Assert.Contains(working, lines[1], StringComparison.Ordinal);
        Assert.Contains("lease held by 'host-2:4242:a1'", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("team:billing ", lines[2], StringComparison.Ordinal);
        Assert.Contains("lease expired at ", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("1 stuck (running, lease expired: its process stopped); 'dreaming runs recover --all' ends them", lines[3], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.True(jsonExit == 0, jsonError);
        var listed = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal([pending, working, failed, stuck], listed.Select(r => r.GetProperty("run_id").GetString()));
        Assert.Equal(["global", "agent:bot", "agent:other", "team:billing"], listed.Select(r => r.GetProperty("scope").GetString()));
        Assert.Equal("the reflector is down", listed[2].GetProperty("error").GetString());
        Assert.True(pageExit == 0, pageError);
        Assert.Contains("(there may be older runs; the next page: --after ", page, StringComparison.Ordinal);
        Assert.DoesNotContain(stuck, page, StringComparison.Ordinal);
        Assert.Equal((0, "no canceled dream runs in any scope"), (noneExit, none.Trim()));
        Assert.NotEqual(0, badExit);
        Assert.Contains("--status filters the runs of every scope: give it with --all.", bad, StringComparison.Ordinal);
        Assert.NotEqual(0, bothExit);
        Assert.Contains("Give one of --agent ID, --scope KEY and --all.", both, StringComparison.Ordinal);
    }
}
