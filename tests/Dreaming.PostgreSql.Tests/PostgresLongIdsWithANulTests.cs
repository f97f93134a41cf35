namespace Dreaming.PostgreSql.Tests;

/// <summary>The memory and dream run stores keep an id or a text of the caller's holding a NUL, which a PostgreSQL text
/// column cannot hold as it is, and find it again, as the in-memory and SQLite stores do (Dreaming.Sqlite.Tests'
/// LongIdsWithANulTests; the trace store's are in PostgresTraceStoreTests; the webhook outbox's, which refuses such an id
/// and keeps such a text with U+FFFD, in PostgresWebhookHostileTextTests).</summary>
public sealed class PostgresLongIdsWithANulTests : PostgresStoreFixture
{
    private static string Long(char first, string last = "") => first + "\0" + new string('x', 700) + last;

    [Fact]
    public async Task Memory_scopes_and_reviewers_with_a_NUL_come_back_whole_and_are_found()
    {
        await using var memory = new PostgresMemoryStore(Options);
        var (scope, reviewer) = (MemoryScope.Agent(Long('a')), MemoryAuthor.Person(Long('p')));

        var version = await memory.ProposeAsync(Proposal(scope, null, MemoryAuthor.DreamRun("run-1"), "i1"));
        await memory.ApproveAsync(version.Id, reviewer);

        var active = await memory.GetActiveVersionAsync(scope);
        Assert.Equal(version.Id, active?.Id);
        Assert.Equal(reviewer.Id, active!.ReviewedBy?.Id);
        Assert.Equal(scope, active.Scope);
        Assert.Single(await memory.ListVersionsAsync(scope));
        Assert.Null(await memory.GetActiveVersionAsync(MemoryScope.Agent("a")));
    }

    [Fact]
    public async Task Dream_run_scopes_lease_holders_and_results_with_a_NUL_come_back_whole_and_are_found()
    {
        await using var runs = new PostgresDreamRunStore(Options);
        var (scope, holder, session, note) = (MemoryScope.Agent(Long('a')), Long('h'), Long('s'), Long('n'));

        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
        Assert.Equal(holder, (await runs.StartAsync(run.Id, holder, TimeSpan.FromMinutes(5))).LeaseHolder);
        await runs.RenewLeaseAsync(run.Id, holder, TimeSpan.FromMinutes(5));
        await runs.CompleteAsync(run.Id, new DreamRunResults { SessionIds = [session], Cursor = new DreamCursor(BaseTime, session), Note = note });

        var completed = await runs.GetLastCompletedAsync(scope);
        Assert.Equal(run.Id, completed?.Id);
        Assert.Equal(scope, completed!.Scope);
        Assert.Equal(session, completed.Results.Cursor?.SessionId);
        Assert.Equal(note, completed.Results.Note);
        Assert.Single(await runs.ListAsync(scope));
        Assert.Null(await runs.GetLastCompletedAsync(MemoryScope.Agent("a")));
    }
}
