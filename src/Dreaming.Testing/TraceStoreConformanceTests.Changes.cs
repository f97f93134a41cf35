using Xunit;
using static Dreaming.Testing.ConformanceData;

namespace Dreaming.Testing;

/// <content>The change numbers (<see cref="SessionRecord.ChangeNumber"/>, <see cref="SessionQuery.ChangedAfter"/>,
/// <see cref="ITraceStore.GetSessionChangeHorizonAsync"/>). A store whose horizon is <see langword="null"/> does not
/// number its changes, and these tests check nothing of it.</content>
public abstract partial class TraceStoreConformanceTests
{
    /// <summary>Each change that can make a session one a dream reads (ended, graded, imported) gives the session a number
    /// larger than every earlier one and not above the horizon taken after it; a session created running may have none
    /// yet; events appended, a caller's own number, an import skipped as a duplicate and a failed write change nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ChangeNumbers_GrowWithEachChangeThatCanMakeASessionReadable()
    {
        var store = await NewStoreAsync();
        if (await NumbersChangesAsync(store) is not { } start)
        {
            return;
        }

        async Task<long> Number(string id) => (await store.GetSessionAsync(id))!.ChangeNumber ?? throw new Xunit.Sdk.XunitException($"Session '{id}' has no change number, but the store's horizon is not null.");

        await store.WriteAsync(new TraceWriteBatch([Session("s1") with { ChangeNumber = long.MaxValue }], [Note("s1", 1)]));
        var created = (await store.GetSessionAsync("s1"))!.ChangeNumber;
        Assert.True(created is null || (created > start && created != long.MaxValue), $"A session created running got number {created}, not above the horizon {start} taken before, or the caller's.");

        await store.WriteAsync(new TraceWriteBatch([], [Note("s1", 2)]));
        Assert.Equal(created, (await store.GetSessionAsync("s1"))!.ChangeNumber);

        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "s1", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1) });
        var ended = await Number("s1");
        Assert.True(ended > (created ?? start), $"Ending the session gave number {ended}, not above {created ?? start}.");

        await store.SetOutcomeAsync("s1", SessionOutcome.Failed(0.1, "grader"));
        var graded = await Number("s1");
        Assert.True(graded > ended, $"Grading the session gave number {graded}, not above {ended}.");

        await store.ImportAsync([new SessionWithEvents(FinishedSession("i1", minutes: -10) with { ChangeNumber = 1 }, [])]);
        var imported = await Number("i1");
        Assert.True(imported > graded, $"An imported session got number {imported}, not above {graded}.");

        await store.ImportAsync([new SessionWithEvents(FinishedSession("i1", minutes: -10), [])]);
        Assert.Equal(imported, await Number("i1"));
        await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(new TraceWriteBatch([Session("s1")], [])));
        Assert.Equal(graded, await Number("s1"));

        // The horizon may stay below changes already made (on PostgreSQL, while any transaction older than them runs on
        // the server): it promises only that nothing at or below it is still to come. It does not go back.
        var horizon = await store.GetSessionChangeHorizonAsync();
        Assert.True(horizon >= start, $"The horizon went back, from {start} to {horizon}.");
    }

    /// <summary>The bound returns the sessions changed after it, with the other filters and through the pages, in start
    /// order; a reader that takes the horizon and then reads, and next time reads after it, sees every later change
    /// (including a change of a session it saw before, and perhaps more: a horizon may lag), also after the session with
    /// the newest number was purged.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_ChangedAfter_ReturnsWhatChangedSinceTheHorizon()
    {
        var store = await NewStoreAsync();
        if (await NumbersChangesAsync(store) is null)
        {
            return;
        }

        await store.ImportAsync([.. Enumerable.Range(0, 5).Select(i => new SessionWithEvents(FinishedSession("old" + i, minutes: i), []))]);
        await store.WriteAsync(new TraceWriteBatch([Session("a1", minutes: 10), Session("b1", "agent-b", minutes: 11), Session("a2", minutes: 12)], []));
        var horizon = (await store.GetSessionChangeHorizonAsync())!.Value;

        // The exact sets are asked after the largest number given so far (each change here follows the last one's commit,
        // so it is numbered above it); the horizon may lag behind that number, and a read after it gives more, never fewer.
        var mark = await LargestNumberAsync(store);
        Assert.Empty((await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = mark })).Items);

        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "a2", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(20) });
        await store.SetOutcomeAsync("old1", SessionOutcome.Failed(0, "grader"));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "b1", Status = SessionStatus.Failed, EndedAt = BaseTime.AddMinutes(21) });
        await store.ImportAsync([new SessionWithEvents(FinishedSession("late", minutes: -30), [])]);

        StoreAssert.Ids(["late", "old1", "b1", "a2"], (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = mark })).Items);
        StoreAssert.Ids(["a2", "b1", "old1", "late"], (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = mark, Order = SessionOrder.NewestFirst })).Items);
        StoreAssert.Ids(["late", "old1", "a2"], (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = mark, AgentId = "agent-a" })).Items);
        StoreAssert.Ids(["old1", "b1", "a2"], (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = mark, EndedFrom = BaseTime })).Items);
        var paged = new List<SessionRecord>();
        string? cursor = null;
        do
        {
            var page = await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = mark, PageSize = 3, Cursor = cursor });
            paged.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        StoreAssert.Ids(["late", "old1", "b1", "a2"], paged);
        var afterHorizon = (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = horizon })).Items.Select(static s => s.Id).ToList();
        foreach (var id in paged.Select(static s => s.Id))
        {
            Assert.Contains(id, afterHorizon);
        }

        // The next read starts at a later horizon: a second change of a session seen is seen again.
        var next = (await store.GetSessionChangeHorizonAsync())!.Value;
        Assert.True(next >= horizon, $"The horizon went back, from {horizon} to {next}.");
        var beforeGrading = await LargestNumberAsync(store);
        await store.SetOutcomeAsync("a2", SessionOutcome.Succeeded(1, "grader"));
        StoreAssert.Ids(["a2"], (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = beforeGrading })).Items);
        Assert.Contains("a2", (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = next })).Items.Select(static s => s.Id));

        // Purging the session with the newest number gives no number again: a change after it is numbered above it.
        var beforePurge = await LargestNumberAsync(store);
        Assert.True(await store.PurgeAsync(BaseTime.AddHours(1)) > 0);
        await store.ImportAsync([new SessionWithEvents(FinishedSession("after-purge", minutes: 90), [])]);
        StoreAssert.Ids(["after-purge"], (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = beforePurge })).Items);
        Assert.True((await store.GetSessionAsync("after-purge"))!.ChangeNumber > beforePurge);
    }

    /// <summary>Changes made by several writers at once all get distinct-or-later numbers and all are seen after the
    /// horizon taken before them; none is lost between two reads.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ChangeNumbers_ConcurrentWritersAreAllSeenAfterTheHorizon()
    {
        var store = await NewStoreAsync();
        if (await NumbersChangesAsync(store) is not { } start)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var horizon = start;
        async Task ReadAsync()
        {
            var next = (await store.GetSessionChangeHorizonAsync())!.Value;
            foreach (var session in (await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = horizon, PageSize = SessionQuery.MaxPageSize })).Items)
            {
                seen.Add(session.Id);
            }

            horizon = next;
        }

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await store.ImportAsync([new SessionWithEvents(FinishedSession($"w{w}-{i}", minutes: i), [])]);
            }
        })).ToArray();
        while (!writers.All(static writer => writer.IsCompleted))
        {
            await ReadAsync();
        }

        await Task.WhenAll(writers);
        await ReadAsync();
        Assert.Equal(100, seen.Count);
    }

    // The largest change number of the store's sessions (0 when none has one).
    private static async Task<long> LargestNumberAsync(ITraceStore store) =>
        (await store.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize })).Items.Max(static s => s.ChangeNumber) ?? 0;

    // The horizon before the test's writes, or null when the store does not number changes (the interface's default): the
    // tests then check nothing, as the scheduler reads such a store without the bound.
    private static Task<long?> NumbersChangesAsync(ITraceStore store) => store.GetSessionChangeHorizonAsync();
}
