using Xunit;
using static Dreaming.Testing.ConformanceData;

namespace Dreaming.Testing;

/// <content>The end-time filter (<see cref="SessionQuery.EndedFrom"/>).</content>
public abstract partial class TraceStoreConformanceTests
{
    /// <summary>The end-time filter matches the sessions that ended at or after it (ended live or imported), never a running
    /// one, whenever they started, alone and with every other filter, in start-time order.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_EndedFrom_MatchesSessionsThatEndedSinceAndCombinesWithTheOtherFilters()
    {
        var store = await NewStoreAsync();
        await SeedFilterDataAsync(store);

        // A session that started first and ended last: it ended after the bound, so it matches, in its start-time place.
        await store.ImportAsync([new SessionWithEvents(FinishedSession("long", SessionStatus.Completed, "agent-b", minutes: -5) with { EndedAt = BaseTime.AddMinutes(60) }, [])]);

        async Task<IReadOnlyList<SessionRecord>> Query(SessionQuery query) => (await store.QuerySessionsAsync(query)).Items;

        // Ended: a2 at 11, a3 at 21 (failed), a4 at 41, b1 at 51 (imported, abandoned), long at 60; a1 and b2 run.
        StoreAssert.Ids(["long", "a2", "a3", "a4", "b1"], await Query(new SessionQuery { EndedFrom = BaseTime }));
        StoreAssert.Ids(["long", "a3", "a4", "b1"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(21) }));
        StoreAssert.Ids(["long", "b1"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(42) }));
        StoreAssert.Ids([], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(61) }));
        StoreAssert.Ids(["b1", "a4", "a3", "long"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(15), Order = SessionOrder.NewestFirst }));
        StoreAssert.Ids(["a3", "a4"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(15), AgentId = "agent-a" }));
        StoreAssert.Ids(["a3"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(15), Status = SessionStatus.Failed }));
        StoreAssert.Ids(["a3"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(15), OutcomeLabel = SessionOutcome.Failure }));
        StoreAssert.Ids(["a3"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(15), ParentSessionId = "a1" }));
        StoreAssert.Ids(["a3", "a4"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(15), StartedFrom = BaseTime, StartedBefore = BaseTime.AddMinutes(45) }));
        StoreAssert.Ids(["long"], await Query(new SessionQuery { EndedFrom = BaseTime.AddMinutes(15), AgentId = "agent-b", Status = SessionStatus.Completed }));
    }

    /// <summary>The bound is compared to the millisecond, the precision stores keep: a session that ended earlier within the
    /// bound's millisecond matches, one that ended in the millisecond before does not; the team filter combines with it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_EndedFrom_ComparesToTheMillisecond()
    {
        var store = await NewStoreAsync();
        var at = BaseTime.AddMinutes(30);
        var millisecond = DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
        await store.ImportAsync(
        [
            new SessionWithEvents(FinishedSession("before", minutes: 1) with { EndedAt = millisecond.AddTicks(-1), Scope = "team" }, []),
            new SessionWithEvents(FinishedSession("same-ms", minutes: 2) with { EndedAt = millisecond, Scope = "team" }, []),
            new SessionWithEvents(FinishedSession("other-team", minutes: 3) with { EndedAt = millisecond.AddTicks(9_000) }, []),
        ]);

        StoreAssert.Ids(["same-ms", "other-team"], (await store.QuerySessionsAsync(new SessionQuery { EndedFrom = millisecond.AddTicks(9_999) })).Items);
        StoreAssert.Ids(["same-ms"], (await store.QuerySessionsAsync(new SessionQuery { EndedFrom = at, Scope = "team" })).Items);
        StoreAssert.Ids(["before", "same-ms"], (await store.QuerySessionsAsync(new SessionQuery { EndedFrom = millisecond.AddTicks(-1), Scope = "team" })).Items);
    }

    /// <summary>Following the cursor with the end-time filter visits every session that ended since exactly once, in start
    /// order, in both orders, and streaming returns the same sessions.</summary>
    /// <param name="order">The order to page in.</param>
    /// <returns>A task that completes when the test has run.</returns>
    [Theory]
    [InlineData(SessionOrder.OldestFirst)]
    [InlineData(SessionOrder.NewestFirst)]
    public async Task QuerySessionsAsync_EndedFrom_PagesThroughEveryMatchOnce(SessionOrder order)
    {
        var store = await NewStoreAsync();
        var seeded = await SeedPagingDataAsync(store);

        // End the sessions in the reverse of their start order, an hour apart, so the ones that ended last started first.
        var byStart = OldestFirst(seeded).ToList();
        for (var i = 0; i < byStart.Count; i++)
        {
            await store.CompleteSessionAsync(new SessionCompletion { SessionId = byStart[i], Status = SessionStatus.Completed, EndedAt = BaseTime.AddHours(byStart.Count - i) });
        }

        var expected = byStart.Where((_, i) => byStart.Count - i >= 10).ToList();
        if (order == SessionOrder.NewestFirst)
        {
            expected.Reverse();
        }

        var query = new SessionQuery { AgentId = "pager", EndedFrom = BaseTime.AddHours(10), Order = order, PageSize = 4 };
        var seen = new List<string>();
        while (true)
        {
            var page = await store.QuerySessionsAsync(query);
            seen.AddRange(page.Items.Select(session => session.Id));
            if (page.NextCursor is null)
            {
                break;
            }

            Assert.True(seen.Count < 100, "The cursor never reached the last page.");
            query = query with { Cursor = page.NextCursor };
        }

        Assert.Equal(16, expected.Count);
        Assert.Equal(expected, seen);
        var streamed = new List<string>();
        await foreach (var item in store.StreamSessionsAsync(query with { Cursor = null }))
        {
            streamed.Add(item.Session.Id);
        }

        Assert.Equal(expected, streamed);
    }

    /// <summary>A session written as running keeps the end time it was given (the store keeps what it is given), but it has
    /// not ended: the end-time filter never returns it, in any order, alone or with another filter.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_EndedFrom_NeverReturnsARunningSessionWrittenWithAnEndTime()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("running", minutes: 1) with { EndedAt = BaseTime.AddMinutes(5) }], []));
        await store.ImportAsync([new SessionWithEvents(FinishedSession("ended", minutes: 2), [])]);

        StoreAssert.Ids(["ended"], (await store.QuerySessionsAsync(new SessionQuery { EndedFrom = BaseTime })).Items);
        StoreAssert.Ids(["ended"], (await store.QuerySessionsAsync(new SessionQuery { EndedFrom = BaseTime, Order = SessionOrder.NewestFirst, AgentId = "agent-a" })).Items);
        StoreAssert.Ids(["running"], (await store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running })).Items);
    }

    /// <summary>An end-time bound asked of running sessions, which have not ended, is refused with an exception that names
    /// <see cref="SessionQuery.EndedFrom"/>.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_EndedFromWithRunningStatus_ThrowsArgumentException()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));

        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => store.QuerySessionsAsync(new SessionQuery { EndedFrom = BaseTime, Status = SessionStatus.Running }));

        Assert.Equal(nameof(SessionQuery.EndedFrom), thrown.ParamName);
        StoreAssert.Ids(["s1"], (await store.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running })).Items);
    }
}
