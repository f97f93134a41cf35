using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests;

/// <summary>How many commands (round trips, a batch being one; a commit is none) a memory proposal and a dream run's end
/// send, and in what order their statements go: what they carry comes in the statement that takes the scope's lock, or
/// one before it, never after (see <see cref="PostgresFrozenSendTests"/>).</summary>
public sealed class PostgresScopeChangeRoundTripTests(ITestOutputHelper output) : PostgresStoreFixture
{
    [Fact]
    public async Task A_proposal_sends_its_insights_before_the_scope_lock_in_the_round_trip_that_takes_it()
    {
        await using var store = new PostgresMemoryStore(Options);
        var scope = MemoryScope.Agent("bot");
        var parent = await store.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("alice"), "i1"));

        var (proposed, commands) = await NpgsqlCommands.OfAsync(() => store.ProposeAsync(Proposal(scope, parent.Id, MemoryAuthor.Person("alice"), "i1", "i2")));

        // The parent (read without the lock), the batch, the version read back.
        Assert.Equal(3, Printed(commands).Count);
        var statements = commands[1].Split(";\n");
        Assert.Equal(4, statements.Length);
        Assert.Contains("SET CONSTRAINTS memory_insights_version_id_fkey DEFERRED", statements[0], StringComparison.Ordinal);
        Assert.Contains("INSERT INTO memory_insights", statements[1], StringComparison.Ordinal);
        Assert.Contains("pg_advisory_xact_lock", statements[2], StringComparison.Ordinal);
        Assert.Contains("idle_in_transaction_session_timeout", statements[2], StringComparison.Ordinal);
        Assert.Contains("INSERT INTO memory_versions", statements[3], StringComparison.Ordinal);
        Assert.Equal(2, proposed.Number);
        Assert.Equal(["i1", "i2"], proposed.Insights.Select(i => i.Id));
    }

    [Fact]
    public async Task A_dream_runs_end_carries_its_results_in_the_statement_that_takes_the_scope_lock()
    {
        await using var store = new PostgresDreamRunStore(Options);
        var run = await store.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        await store.StartAsync(run.Id, "host-a", TimeSpan.FromMinutes(5));

        var (completed, commands) = await NpgsqlCommands.OfAsync(() => store.CompleteAsync(run.Id, new DreamRunResults { Note = "done" }));

        // The run (read without the lock), then the lock with the update, and the run read back.
        Assert.Equal(2, Printed(commands).Count);
        var statements = commands[1].Split(";\n");
        Assert.Equal(2, statements.Length);
        Assert.Contains("pg_advisory_xact_lock", statements[0], StringComparison.Ordinal);
        Assert.Contains("UPDATE dream_runs SET status = 'completed'", statements[0], StringComparison.Ordinal);
        Assert.Equal((DreamRunStatus.Completed, "done"), (completed.Status, completed.Results.Note));
    }

    private List<string> Printed(List<string> commands)
    {
        foreach (var command in commands)
        {
            output.WriteLine(command);
        }

        return commands;
    }
}
