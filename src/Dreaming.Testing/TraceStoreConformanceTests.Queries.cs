using Xunit;
using static Dreaming.Testing.ConformanceData;

namespace Dreaming.Testing;

/// <content>Querying and streaming sessions.</content>
public abstract partial class TraceStoreConformanceTests
{
    /// <summary>An empty store gives one empty page without a next cursor.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_EmptyStore_ReturnsEmptyLastPage()
    {
        var store = await NewStoreAsync();

        var page = await store.QuerySessionsAsync(new SessionQuery());

        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
    }

    /// <summary>Each filter matches exactly the sessions it names, alone and combined.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_Filters()
    {
        var store = await NewStoreAsync();
        await SeedFilterDataAsync(store);

        async Task<IReadOnlyList<SessionRecord>> Query(SessionQuery query) => (await store.QuerySessionsAsync(query)).Items;

        StoreAssert.Ids(["a1", "a2", "a3", "a4"], await Query(new SessionQuery { AgentId = "agent-a" }));
        StoreAssert.Ids(["b2", "b1"], await Query(new SessionQuery { AgentId = "agent-b" }));
        StoreAssert.Ids([], await Query(new SessionQuery { AgentId = "agent-c" }));
        StoreAssert.Ids(["a1", "b2"], await Query(new SessionQuery { Status = SessionStatus.Running }));
        StoreAssert.Ids(["a2", "a4"], await Query(new SessionQuery { Status = SessionStatus.Completed }));
        StoreAssert.Ids(["a3"], await Query(new SessionQuery { Status = SessionStatus.Failed }));
        StoreAssert.Ids(["b1"], await Query(new SessionQuery { Status = SessionStatus.Abandoned }));
        StoreAssert.Ids(["a2", "b1"], await Query(new SessionQuery { OutcomeLabel = SessionOutcome.Success }));
        StoreAssert.Ids(["a3"], await Query(new SessionQuery { OutcomeLabel = SessionOutcome.Failure }));
        StoreAssert.Ids(["a3", "b2"], await Query(new SessionQuery { ParentSessionId = "a1" }));
        StoreAssert.Ids(["a4"], await Query(new SessionQuery { ParentSessionId = "a3" }));
        StoreAssert.Ids(["a2", "a3", "b2"], await Query(new SessionQuery { StartedFrom = BaseTime.AddMinutes(10), StartedBefore = BaseTime.AddMinutes(40) }));
        StoreAssert.Ids(["a4", "b1"], await Query(new SessionQuery { StartedFrom = BaseTime.AddMinutes(40) }));
        StoreAssert.Ids(["a1"], await Query(new SessionQuery { StartedBefore = BaseTime.AddMinutes(10) }));
        StoreAssert.Ids([], await Query(new SessionQuery { StartedFrom = BaseTime.AddMinutes(20), StartedBefore = BaseTime.AddMinutes(20) }));
        StoreAssert.Ids(["a3"], await Query(new SessionQuery { AgentId = "agent-a", ParentSessionId = "a1", StartedFrom = BaseTime.AddMinutes(20) }));
        StoreAssert.Ids(["b1", "a4", "b2", "a3", "a2"], await Query(new SessionQuery { StartedFrom = BaseTime.AddMinutes(10), Order = SessionOrder.NewestFirst }));
    }

    /// <summary>The scope filter matches the sessions whose <see cref="SessionRecord.Scope"/> equals it ordinally (not
    /// those of a scope that differs only in case, nor those without a scope), alone, with the agent filter, and across
    /// pages; a dream of a team reads its sessions with it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_ScopeFilter()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch(
        [
            Session("s1", "agent-a", minutes: 0) with { Scope = "billing" },
            Session("s2", "agent-b", minutes: 1) with { Scope = "billing" },
            Session("s3", "agent-a", minutes: 2) with { Scope = "Billing" },
            Session("s4", "agent-a", minutes: 3),
            Session("s5", "agent-a", minutes: 4) with { Scope = "billing " },
            Session("s6", "agent-a", minutes: 5) with { Scope = "billing" },
            Session("s7", "agent-b", minutes: 6) with { Scope = "support" },
        ], []));

        async Task<IReadOnlyList<SessionRecord>> Query(SessionQuery query) => (await store.QuerySessionsAsync(query)).Items;

        StoreAssert.Ids(["s1", "s2", "s6"], await Query(new SessionQuery { Scope = "billing" }));
        StoreAssert.Ids(["s3"], await Query(new SessionQuery { Scope = "Billing" }));
        StoreAssert.Ids(["s7"], await Query(new SessionQuery { Scope = "support" }));
        StoreAssert.Ids([], await Query(new SessionQuery { Scope = "legal" }));
        StoreAssert.Ids(["s1", "s6"], await Query(new SessionQuery { Scope = "billing", AgentId = "agent-a" }));
        StoreAssert.Ids(["s6", "s2", "s1"], await Query(new SessionQuery { Scope = "billing", Order = SessionOrder.NewestFirst }));
        StoreAssert.Ids(["s1", "s2", "s3", "s4", "s5", "s6", "s7"], await Query(new SessionQuery()));

        var first = await store.QuerySessionsAsync(new SessionQuery { Scope = "billing", PageSize = 2 });
        StoreAssert.Ids(["s1", "s2"], first.Items);
        Assert.NotNull(first.NextCursor);
        var second = await store.QuerySessionsAsync(new SessionQuery { Scope = "billing", PageSize = 2, Cursor = first.NextCursor });
        StoreAssert.Ids(["s6"], second.Items);
        Assert.Null(second.NextCursor);
    }

    /// <summary>Sessions come back oldest or newest first, ties broken by id.</summary>
    /// <param name="order">The order to query in.</param>
    /// <returns>A task that completes when the test has run.</returns>
    [Theory]
    [InlineData(SessionOrder.OldestFirst)]
    [InlineData(SessionOrder.NewestFirst)]
    public async Task QuerySessionsAsync_Orders(SessionOrder order)
    {
        var store = await NewStoreAsync();
        var sessions = new[] { Session("c", minutes: 1), Session("a", minutes: 2), Session("b", minutes: 1), Session("d", minutes: 0) };
        await store.WriteAsync(new TraceWriteBatch(sessions, []));

        var page = await store.QuerySessionsAsync(new SessionQuery { Order = order });

        var expected = OldestFirst(sessions).ToList();
        if (order == SessionOrder.NewestFirst)
        {
            expected.Reverse();
        }

        StoreAssert.Ids(expected, page.Items);
        Assert.Null(page.NextCursor);
    }

    /// <summary>Following the cursor visits every matching session exactly once, in order, in pages of the requested size;
    /// the last page has no next cursor and is never empty, even when the sessions fill the pages exactly.</summary>
    /// <param name="order">The order to page in.</param>
    /// <param name="pageSize">The page size.</param>
    /// <param name="expectedPageSizes">The sizes of the pages, comma-separated.</param>
    /// <returns>A task that completes when the test has run.</returns>
    [Theory]
    [InlineData(SessionOrder.OldestFirst, 7, "7,7,7,4")]
    [InlineData(SessionOrder.NewestFirst, 7, "7,7,7,4")]
    [InlineData(SessionOrder.OldestFirst, 5, "5,5,5,5,5")]
    [InlineData(SessionOrder.NewestFirst, 1, "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1")]
    [InlineData(SessionOrder.OldestFirst, 25, "25")]
    [InlineData(SessionOrder.NewestFirst, SessionQuery.MaxPageSize, "25")]
    public async Task QuerySessionsAsync_CursorPaging_VisitsEveryMatchingSessionOnce(SessionOrder order, int pageSize, string expectedPageSizes)
    {
        var store = await NewStoreAsync();
        var matching = await SeedPagingDataAsync(store);
        var expected = OldestFirst(matching).ToList();
        if (order == SessionOrder.NewestFirst)
        {
            expected.Reverse();
        }

        var seen = new List<string>();
        var pageSizes = new List<int>();
        var query = new SessionQuery { AgentId = "pager", Order = order, PageSize = pageSize };
        while (true)
        {
            var page = await store.QuerySessionsAsync(query);
            pageSizes.Add(page.Items.Count);
            seen.AddRange(page.Items.Select(session => session.Id));
            if (page.NextCursor is null)
            {
                break;
            }

            Assert.True(pageSizes.Count < 30, "The cursor never reached the last page.");
            query = query with { Cursor = page.NextCursor };
        }

        Assert.Equal(expectedPageSizes.Split(',').Select(int.Parse), pageSizes);
        Assert.Equal(expected, seen);
    }

    /// <summary>A cursor the store did not issue is rejected.</summary>
    /// <param name="cursor">The bad cursor.</param>
    /// <returns>A task that completes when the test has run.</returns>
    [Theory]
    [InlineData("not a cursor")]
    [InlineData("")]
    [InlineData("bm9iYXI")]
    public async Task QuerySessionsAsync_InvalidCursor_ThrowsArgumentException(string cursor)
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.QuerySessionsAsync(new SessionQuery { Cursor = cursor }));
    }

    /// <summary>A page size outside 1 to <see cref="SessionQuery.MaxPageSize"/> is rejected; the bounds are accepted.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QuerySessionsAsync_PageSizeOutOfRange_ThrowsArgumentOutOfRange()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1"), Session("s2", minutes: 1)], []));

        foreach (var pageSize in new[] { 0, -1, SessionQuery.MaxPageSize + 1 })
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.QuerySessionsAsync(new SessionQuery { PageSize = pageSize }));
        }

        var smallest = await store.QuerySessionsAsync(new SessionQuery { PageSize = 1 });
        StoreAssert.Ids(["s1"], smallest.Items);
        Assert.NotNull(smallest.NextCursor);
        Assert.Equal(2, (await store.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize })).Items.Count);
    }

    /// <summary>Streaming returns every matching session, more than a page of them, each with its events in order.</summary>
    /// <param name="order">The order to stream in.</param>
    /// <returns>A task that completes when the test has run.</returns>
    [Theory]
    [InlineData(SessionOrder.OldestFirst)]
    [InlineData(SessionOrder.NewestFirst)]
    public async Task StreamSessionsAsync_ReturnsMatchingSessionsWithEvents(SessionOrder order)
    {
        var store = await NewStoreAsync();
        var matching = await SeedPagingDataAsync(store);
        var expected = OldestFirst(matching).ToList();
        if (order == SessionOrder.NewestFirst)
        {
            expected.Reverse();
        }

        var streamed = new List<SessionWithEvents>();
        await foreach (var item in store.StreamSessionsAsync(new SessionQuery { AgentId = "pager", Order = order, PageSize = 4 }))
        {
            streamed.Add(item);
        }

        Assert.Equal(expected, streamed.Select(item => item.Session.Id));
        var counts = matching.ToDictionary(session => session.Id, PagingEventCount);
        foreach (var item in streamed)
        {
            var count = counts[item.Session.Id];
            Assert.Equal(count, item.Session.EventCount);
            StoreAssert.EventsEqual(Notes(item.Session.Id, 1, count), item.Events);
        }
    }

    /// <summary>Streaming reads each session with its events at once: a session purged after its page was read is skipped,
    /// and every session streamed has as many events as its <see cref="SessionRecord.EventCount"/> says.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task StreamSessionsAsync_SkipsASessionPurgedWhileStreaming()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1"), Session("s2", minutes: 1), Session("s3", minutes: 2)], [.. Notes("s1", 1, 2), .. Notes("s2", 1, 3), .. Notes("s3", 1, 1)]));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "s2", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(2) });

        var streamed = new List<SessionWithEvents>();
        await foreach (var item in store.StreamSessionsAsync(new SessionQuery { PageSize = 10 }))
        {
            streamed.Add(item);
            if (item.Session.Id == "s1")
            {
                // s2 has ended, so it goes; s1 and s3 are running and stay. s3 gets one more event.
                Assert.Equal(1, await store.PurgeAsync(BaseTime.AddMinutes(5)));
                await store.WriteAsync(TraceWriteBatch.OfEvents([Note("s3", 2)]));
            }
        }

        Assert.Equal(["s1", "s3"], streamed.Select(item => item.Session.Id));
        Assert.All(streamed, item => Assert.Equal(item.Session.EventCount, item.Events.Count));
        Assert.Equal(2, streamed[1].Events.Count);
    }

    /// <summary>Streaming stops with <see cref="OperationCanceledException"/> when its token is cancelled.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task StreamSessionsAsync_HonoursCancellation()
    {
        var store = await NewStoreAsync();
        await SeedPagingDataAsync(store);
        using var cancellation = new CancellationTokenSource();
        var read = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in store.StreamSessionsAsync(new SessionQuery { PageSize = 2 }, cancellation.Token))
            {
                read++;
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal(1, read);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in store.StreamSessionsAsync(new SessionQuery(), cancellation.Token))
            {
                read++;
            }
        });
        Assert.Equal(1, read);
    }

    /// <summary>Streaming validates the page size like a query does.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task StreamSessionsAsync_PageSizeOutOfRange_ThrowsArgumentOutOfRange()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
        {
            await foreach (var item in store.StreamSessionsAsync(new SessionQuery { PageSize = 0 }))
            {
                Assert.Fail("No session was expected.");
            }
        });
    }

    /// <summary>Writes sessions that differ in agent, status, outcome, parent and start time.</summary>
    private static async Task SeedFilterDataAsync(ITraceStore store)
    {
        await store.WriteAsync(new TraceWriteBatch(
        [
            Session("a1", "agent-a", minutes: 0),
            Session("a2", "agent-a", minutes: 10),
            Session("a3", "agent-a", minutes: 20, parentSessionId: "a1"),
            Session("b2", "agent-b", minutes: 30, parentSessionId: "a1"),
            Session("a4", "agent-a", minutes: 40, parentSessionId: "a3"),
        ], []));
        await store.ImportAsync([new SessionWithEvents(FinishedSession("b1", SessionStatus.Abandoned, "agent-b", minutes: 50), [])]);
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "a2", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(11), Outcome = SessionOutcome.Succeeded() });
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "a3", Status = SessionStatus.Failed, EndedAt = BaseTime.AddMinutes(21) });
        await store.SetOutcomeAsync("a3", SessionOutcome.Failed());
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "a4", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(41) });
    }

    /// <summary>Writes 25 matching sessions (several sharing a start time, ids not in start order, 0 to 3 events each)
    /// among 10 sessions of another agent, in several batches.</summary>
    private static async Task<List<SessionRecord>> SeedPagingDataAsync(ITraceStore store)
    {
        var matching = new List<SessionRecord>();
        var all = new List<SessionRecord>();
        for (var i = 0; i < 25; i++)
        {
            // Ids are scattered so that neither insertion order nor id order equals start order; groups of three share a start time.
            var id = "p-" + ((i * 11) % 25).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
            var session = Session(id, "pager", minutes: (i / 3) * 4 + ((i / 3) % 4));
            matching.Add(session);
            all.Add(session);
            if (i % 5 == 0)
            {
                all.Add(Session("other-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "other", minutes: i));
                all.Add(Session("z-other-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "other", minutes: (i / 3) * 4 + ((i / 3) % 4)));
            }
        }

        foreach (var batch in all.Chunk(6).Reverse())
        {
            var events = batch.SelectMany(session => Notes(session.Id, 1, PagingEventCount(session))).ToList();
            await store.WriteAsync(new TraceWriteBatch(batch, events));
        }

        return matching;
    }

    /// <summary>How many events <see cref="SeedPagingDataAsync"/> gives a session: 0 to 3, by its start minute.</summary>
    private static int PagingEventCount(SessionRecord seeded) => (int)Math.Round((seeded.StartedAt - BaseTime).TotalMinutes) % 4;
}
