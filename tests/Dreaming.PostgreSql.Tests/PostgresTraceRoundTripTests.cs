using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests;

/// <summary>How many commands (round trips, a batch being one; a commit is none) the trace store's calls send, counted from
/// Npgsql's activities: a statement split off again fails here.</summary>
public sealed class PostgresTraceRoundTripTests(ITestOutputHelper output) : PostgresStoreFixture
{
    [Fact]
    public async Task A_batch_of_events_sends_its_rows_first_and_then_locks_its_sessions_in_one_round_trip()
    {
        await using var store = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], []));

        var appending = await CommandsAsync(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("s", 1), TraceSchema.Note("s", 2)])));
        var creating = await CommandsAsync(() => store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("n")], [TraceSchema.Note("n", 1)])));

        // One command, then the commit: the rows (the new session's too), then the lock that sets the idle limit, then the counts.
        foreach (var commands in new[] { appending, creating })
        {
            var statements = Assert.Single(commands).Split(";\n");
            Assert.Equal(3, statements.Length);
            Assert.Contains("INSERT INTO events", statements[0], StringComparison.Ordinal);
            Assert.Contains("FOR NO KEY UPDATE", statements[1], StringComparison.Ordinal);
            Assert.Contains("idle_in_transaction_session_timeout", statements[1], StringComparison.Ordinal);
            Assert.Contains("UPDATE sessions AS s SET event_count", statements[2], StringComparison.Ordinal);
        }

        Assert.Contains("INSERT INTO sessions", creating[0], StringComparison.Ordinal);
        Assert.Equal((1L, 2L), ((await store.GetSessionAsync("n"))!.EventCount, (await store.GetSessionAsync("s"))!.EventCount));
    }

    [Fact]
    public async Task A_batch_that_only_creates_sessions_is_one_statement_with_no_transaction_left_open()
    {
        await using var store = new PostgresTraceStore(Options);
        await store.InitializeAsync();

        var commands = await CommandsAsync(() => store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("b"), TraceSchema.Session("a")], [])));

        // No idle limit to set: nothing stays open after the statement.
        var insert = Assert.Single(commands);
        Assert.DoesNotContain("idle_in_transaction_session_timeout", insert, StringComparison.Ordinal);
        Assert.Equal(2, (await store.QuerySessionsAsync(new SessionQuery())).Items.Count);
    }

    [Fact]
    public async Task Reading_a_session_with_its_events_is_one_batch_of_the_two_statements_then_the_commit()
    {
        await using var store = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));

        var (read, commands) = await NpgsqlCommands.OfAsync(() => store.GetSessionWithEventsAsync("s"));

        var batch = Assert.Single(Printed(commands));
        Assert.Contains("FROM sessions", batch, StringComparison.Ordinal);
        Assert.Contains("FROM events", batch, StringComparison.Ordinal);
        Assert.Single(read!.Events);
    }

    [Fact]
    public async Task An_import_sets_its_idle_limit_in_the_round_trip_of_its_first_insert()
    {
        await using var store = new PostgresTraceStore(Options);
        await store.InitializeAsync();
        var finished = TraceSchema.Session("s") with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime.AddHours(1) };

        var (imported, commands) = await NpgsqlCommands.OfAsync(() => store.ImportAsync([new SessionWithEvents(finished, [TraceSchema.Note("s", 1), TraceSchema.Note("s", 2)])]));

        // The session with the limit, its events, its count (the commit is no command).
        Assert.Equal(1, imported);
        Assert.Equal(3, Printed(commands).Count);
        Assert.Contains("idle_in_transaction_session_timeout", commands[0], StringComparison.Ordinal);
        Assert.Contains("INSERT INTO sessions", commands[0], StringComparison.Ordinal);
    }

    private async Task<List<string>> CommandsAsync(Func<Task> call) =>
        Printed((await NpgsqlCommands.OfAsync(async () =>
        {
            await call();
            return true;
        })).Commands);

    private List<string> Printed(List<string> commands)
    {
        foreach (var command in commands)
        {
            output.WriteLine(command);
        }

        output.WriteLine("--");
        return commands;
    }
}
