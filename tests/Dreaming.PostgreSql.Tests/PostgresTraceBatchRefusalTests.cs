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
}
