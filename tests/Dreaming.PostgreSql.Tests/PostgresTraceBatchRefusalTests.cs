namespace Dreaming.PostgreSql.Tests;

/// <summary>A refused batch says why from what refused it (the lock's own rows, the constraint the server names), not from
/// a read made after its rollback, when another instance may already have changed the sessions it names.</summary>
public sealed class PostgresTraceBatchRefusalTests : PostgresStoreFixture
{
    [Fact]
    public async Task A_batch_refused_for_an_ended_session_names_it_though_another_ends_right_after()
    {
        await using var store = new PostgresTraceStore(Options);
        await using var other = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a"), TraceSchema.Session("b")], [TraceSchema.Note("a", 1), TraceSchema.Note("b", 1)]));
        await store.CompleteSessionAsync(TraceSchema.Completed("b"));

        // Refused for b; another instance ends a before the store's next command (a read of the statuses, before).
        var (refused, commands) = await NpgsqlCommands.BeforeAsync(
            2,
            () => other.CompleteSessionAsync(TraceSchema.Completed("a")).GetAwaiter().GetResult(),
            () => Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("a", 2), TraceSchema.Note("b", 2)]))));

        Assert.Equal("Session 'b' has already ended (Completed); event 2 cannot be appended.", refused.Message);
        Assert.Single(commands);
    }

    [Fact]
    public async Task A_batch_refused_for_a_missing_session_names_it_though_another_instance_creates_it_right_after()
    {
        await using var store = new PostgresTraceStore(Options);
        await using var other = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a")], [TraceSchema.Note("a", 1)]));

        // Refused for x, which does not exist; another instance creates it before the store's next command (a read of the statuses, before).
        var (refused, commands) = await NpgsqlCommands.BeforeAsync(
            2,
            () => other.WriteAsync(new TraceWriteBatch([TraceSchema.Session("x")], [])).GetAwaiter().GetResult(),
            () => Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("x", 1)]))));

        Assert.Equal("Event 1 names session 'x', which does not exist.", refused.Message);
        Assert.Single(commands);
    }

    [Fact]
    public async Task A_batch_refused_for_a_repeated_sequence_says_so_though_another_instance_ends_its_session_right_after()
    {
        await using var store = new PostgresTraceStore(Options);
        await using var other = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a")], [TraceSchema.Note("a", 1), TraceSchema.Note("a", 2)]));

        // Refused for a's event 2, which it has; another instance ends a before the store's next command (a read of the
        // statuses after the rollback, before, which then said that a had ended).
        var (refused, commands) = await NpgsqlCommands.BeforeAsync(
            2,
            () => other.CompleteSessionAsync(TraceSchema.Completed("a")).GetAwaiter().GetResult(),
            () => Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("a", 2), TraceSchema.Note("a", 3)]))));

        Assert.Equal("A session of the batch already has an event with one of its sequence numbers ('a' 2, 'a' 3); nothing of the batch was written.", refused.Message);
        Assert.Single(commands);
        Assert.Equal(2L, (await other.GetSessionAsync("a"))!.EventCount);
    }

    [Fact]
    public async Task A_batch_refused_for_one_missing_session_of_several_names_it_though_another_instance_creates_it_right_after()
    {
        await using var store = new PostgresTraceStore(Options);
        await using var other = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a"), TraceSchema.Session("b")], [TraceSchema.Note("a", 1), TraceSchema.Note("b", 1)]));

        // Events of a, b and x, which does not exist; another instance creates x before the store's next command (a read
        // of the statuses after the rollback, before, which then found every session running).
        var (refused, commands) = await NpgsqlCommands.BeforeAsync(
            2,
            () => other.WriteAsync(new TraceWriteBatch([TraceSchema.Session("x")], [])).GetAwaiter().GetResult(),
            () => Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("a", 2), TraceSchema.Note("x", 5), TraceSchema.Note("b", 2)]))));

        Assert.Equal("Event 5 names session 'x', which does not exist.", refused.Message);
        Assert.Single(commands);
    }

    [Fact]
    public async Task A_batch_with_a_repeated_sequence_and_an_ended_session_is_refused_for_the_ended_one()
    {
        // A batch checking in turn finds the ended session before the repeated sequence number, whichever of the two
        // the server meets first.
        await using var store = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a"), TraceSchema.Session("b")], [TraceSchema.Note("a", 1), TraceSchema.Note("b", 1)]));
        await store.CompleteSessionAsync(TraceSchema.Completed("b"));

        var refused = await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("a", 1), TraceSchema.Note("b", 2)])));

        Assert.Equal("Session 'b' has already ended (Completed); event 2 cannot be appended.", refused.Message);
        Assert.Equal(1L, (await store.GetSessionAsync("a"))!.EventCount);
    }

    [Fact]
    public async Task A_refusal_of_ten_thousand_events_for_a_repeated_sequence_names_the_first_five_and_counts_the_others()
    {
        await using var store = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a")], [TraceSchema.Note("a", 1)]));

        var refused = await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([.. Enumerable.Range(1, 10_000).Select(i => TraceSchema.Note("a", i))])));

        Assert.Equal("A session of the batch already has an event with one of its sequence numbers ('a' 1, 'a' 2, 'a' 3, 'a' 4, 'a' 5, and 9,995 more); nothing of the batch was written.", refused.Message);
        Assert.Equal(1L, (await store.GetSessionAsync("a"))!.EventCount);
    }

    [Fact]
    public async Task A_refusal_of_a_thousand_new_sessions_one_of_which_exists_names_the_first_five_and_counts_the_others()
    {
        await using var store = new PostgresTraceStore(Options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s0500")], []));

        var refused = await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(new TraceWriteBatch([.. Enumerable.Range(1, 1_000).Select(i => TraceSchema.Session($"s{i:D4}"))], [])));

        Assert.Equal("A session of the batch already exists (one of 's0001', 's0002', 's0003', 's0004', 's0005', and 995 more); nothing of the batch was written.", refused.Message);
        Assert.Null(await store.GetSessionAsync("s0001"));
    }
}
