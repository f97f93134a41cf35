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
}
