using Xunit;
using static Dreaming.Testing.ConformanceData;

namespace Dreaming.Testing;

/// <content>Reading some of a session's events (<see cref="ITraceStore.QueryEventsAsync"/>): windows after a sequence
/// number, types, limits. Each case also runs through the interface's default implementation (over
/// <see cref="ITraceStore.GetEventsAsync"/>), which a store must agree with.</content>
public abstract partial class TraceStoreConformanceTests
{
    // Sequence numbers with gaps, as a session that dropped events or an import has them.
    private static readonly long[] Gapped = [1, 2, 3, 5, 8, 9, 10, 20];

    /// <summary>A window is the events after a sequence number (which need not be one of them), in sequence order, up to
    /// the limit; reading window after window gives the whole session once.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryEventsAsync_ReadsTheEventsAfterASequenceUpToTheLimit() => await WindowsAsync(await NewStoreAsync());

    /// <summary>Types are matched ordinally against <see cref="SessionEvent.EventType"/>: exactly, case-sensitively, a
    /// message's by its role; an empty list matches nothing; the limit counts the events of those types.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryEventsAsync_ReadsOnlyTheTypesAskedFor() => await TypesAsync(await NewStoreAsync());

    /// <summary>Types that stores keep with care (NUL, U+FFFF, a character outside the BMP, composed and decomposed forms,
    /// SQL wildcards, a 4,000-character one) each find their own event and no other.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryEventsAsync_FindsOddTypesExactly() => await OddTypesAsync(await NewStoreAsync());

    /// <summary>An unknown session has no events; a running session's events are read as stored so far, an ended one's too.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryEventsAsync_UnknownSessionIsEmptyAndRunningOrEndedSessionsAreRead() => await SessionsAsync(await NewStoreAsync());

    /// <summary>A null id or query, a limit below 1, a null type and a type with half a surrogate pair are refused with an
    /// exception naming the parameter; a cancelled token cancels the read.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryEventsAsync_RefusesBadArgumentsAndHonoursCancellation() => await ArgumentsAsync(await NewStoreAsync());

    /// <summary>The interface's default implementation, which a store written before the member existed gets, reads the
    /// same events as the store's own, in every case above.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryEventsAsync_DefaultImplementationReadsTheSameEvents()
    {
        await WindowsAsync(new WithoutEventQueries(await NewStoreAsync()));
        await TypesAsync(new WithoutEventQueries(await NewStoreAsync()));
        await OddTypesAsync(new WithoutEventQueries(await NewStoreAsync()));
        await SessionsAsync(new WithoutEventQueries(await NewStoreAsync()));
        await ArgumentsAsync(new WithoutEventQueries(await NewStoreAsync()));
    }

    private static async Task WindowsAsync(ITraceStore store)
    {
        var events = Gapped.Select(sequence => (SessionEvent)Note("s1", sequence)).ToList();
        events[4] = (NoteEvent)events[4] with { Text = "big \0 \uFFFF " + new string('x', 1_100_000) };
        await store.WriteAsync(new TraceWriteBatch([Session("s0"), Session("s1"), Session("s2")], [.. Notes("s0", 1, 30), .. events, .. Notes("s2", 1, 30)]));

        StoreAssert.EventsEqual(events, await Query(store, new SessionEventQuery()));
        await AssertSequences(store, new SessionEventQuery { Limit = 3 }, 1L, 2, 3);
        StoreAssert.EventsEqual(events.GetRange(3, 3), await Query(store, new SessionEventQuery { AfterSequence = 3, Limit = 3 }));
        await AssertSequences(store, new SessionEventQuery { AfterSequence = 4, Limit = 3 }, 5L, 8, 9);
        await AssertSequences(store, new SessionEventQuery { AfterSequence = 9, Limit = 3 }, 10L, 20);
        await AssertSequences(store, new SessionEventQuery { AfterSequence = 19, Limit = 1 }, 20L);
        await AssertSequences(store, new SessionEventQuery { Limit = 1 }, 1L);
        await AssertSequences(store, new SessionEventQuery { Limit = int.MaxValue }, Gapped);
        await AssertSequences(store, new SessionEventQuery { AfterSequence = 0 }, Gapped);
        await AssertSequences(store, new SessionEventQuery { AfterSequence = long.MinValue, Limit = 8 }, Gapped);
        Assert.Empty(await Query(store, new SessionEventQuery { AfterSequence = 20 }));
        Assert.Empty(await Query(store, new SessionEventQuery { AfterSequence = 20, Limit = 1 }));
        Assert.Empty(await Query(store, new SessionEventQuery { AfterSequence = long.MaxValue }));

        // Window after window, as a page of a long session reads it: the whole session once, in order.
        var read = new List<SessionEvent>();
        var window = new SessionEventQuery { Limit = 3 };
        while (true)
        {
            var page = await Query(store, window);
            read.AddRange(page);
            if (page.Count < 3)
            {
                break;
            }

            window = window with { AfterSequence = page[^1].Sequence };
        }

        StoreAssert.EventsEqual(events, read);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, (await store.QueryEventsAsync("s2", new SessionEventQuery { Limit = 5 })).Select(e => e.Sequence));
        Assert.Equal(new long[] { 30 }, (await store.QueryEventsAsync("s0", new SessionEventQuery { AfterSequence = 29 })).Select(e => e.Sequence));
    }

    private static async Task TypesAsync(ITraceStore store)
    {
        var events = EveryKind("s1");
        await store.WriteAsync(new TraceWriteBatch([Session("s1"), Session("s2")], [.. events, .. EveryKind("s2")]));

        async Task Check(SessionEventQuery query)
        {
            var types = query.Types?.ToHashSet(StringComparer.Ordinal);
            var expected = events
                .Where(e => (query.AfterSequence is not { } after || e.Sequence > after) && (types is null || types.Contains(e.EventType)))
                .Take(query.Limit ?? int.MaxValue);
            StoreAssert.EventsEqual(expected, await Query(store, query));
        }

        await Check(new SessionEventQuery { Types = [EventTypes.MemoryInjected] });
        await Check(new SessionEventQuery { Types = ["message.user"] });
        await Check(new SessionEventQuery { Types = ["message.system", EventTypes.ToolCall, EventTypes.OutcomeEvaluationEnded] });
        await Check(new SessionEventQuery { Types = [EventTypes.Note, EventTypes.Note] });
        await Check(new SessionEventQuery { Types = [EventTypes.ToolCall, EventTypes.ToolResult], AfterSequence = 3, Limit = 2 });
        await Check(new SessionEventQuery { Types = [EventTypes.MemoryInjected], Limit = 1 });
        await Check(new SessionEventQuery { Types = [EventTypes.Error], AfterSequence = 10 });
        await Check(new SessionEventQuery { Types = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { EventTypes.ModelResponse, EventTypes.OrchestrationStarted } });
        Assert.Equal(2, (await Query(store, new SessionEventQuery { Types = [EventTypes.MemoryInjected] })).Count);
        Assert.Single(await Query(store, new SessionEventQuery { Types = ["message.user"] }));
        Assert.Equal(2, (await Query(store, new SessionEventQuery { Types = [EventTypes.ToolCall, EventTypes.ToolResult], AfterSequence = 3, Limit = 2 })).Count);
        Assert.Empty(await Query(store, new SessionEventQuery { Types = [] }));
        Assert.Empty(await Query(store, new SessionEventQuery { Types = [], Limit = 5 }));
        foreach (var near in new[] { "Message.User", "MESSAGE.USER", "message.", "message", "message.user ", "message.use", "memory", "tool.%", "tool._all", "no.such.type", string.Empty })
        {
            Assert.Empty(await Query(store, new SessionEventQuery { Types = [near] }));
        }

        // A set whose own comparer ignores case is still matched ordinally.
        Assert.Empty(await Query(store, new SessionEventQuery { Types = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "NOTE" } }));
    }

    private static async Task OddTypesAsync(ITraceStore store)
    {
        string[] roles = ["a\0b", "\0", "\uFFFF", "x\uFFFF0", "\U0001F642", "\u00FC", "u\u0308", "user ", " user", "%", "_", "'", "\"", "\\", new string('r', 4_000)];
        var events = roles.Select((role, i) => (SessionEvent)new MessageEvent { SessionId = "s1", Sequence = i + 1, Timestamp = BaseTime.AddSeconds(i), Role = role, Text = "t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], events));

        for (var i = 0; i < roles.Length; i++)
        {
            var found = await Query(store, new SessionEventQuery { Types = [EventTypes.MessagePrefix + roles[i]] });
            StoreAssert.EventsEqual([events[i]], found);
        }

        StoreAssert.EventsEqual([events[0], events[2], events[4]], await Query(store, new SessionEventQuery { Types = ["message.\U0001F642", "message.\uFFFF", "message.a\0b"] }));
        Assert.Empty(await Query(store, new SessionEventQuery { Types = ["message.a", "message.a\0", "message.\0\0", "message.\uFFFF0", "message.\uFFFE", "message.\U0001F643"] }));
    }

    private static async Task SessionsAsync(ITraceStore store)
    {
        await store.WriteAsync(new TraceWriteBatch([Session("running"), Session("ended")], [.. Notes("running", 1, 5), .. Notes("ended", 1, 5)]));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "ended", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1) });

        foreach (var query in new[] { new SessionEventQuery(), new SessionEventQuery { AfterSequence = 1, Limit = 2, Types = [EventTypes.Note] } })
        {
            Assert.Empty(await store.QueryEventsAsync("ghost", query));
            Assert.Empty(await store.QueryEventsAsync("RUNNING", query));
            Assert.Empty(await store.QueryEventsAsync(string.Empty, query));
        }

        StoreAssert.EventsEqual(Notes("running", 3, 2), await store.QueryEventsAsync("running", new SessionEventQuery { AfterSequence = 2, Limit = 2 }));
        StoreAssert.EventsEqual(Notes("ended", 4, 2), await store.QueryEventsAsync("ended", new SessionEventQuery { AfterSequence = 3, Types = [EventTypes.Note] }));
        await store.WriteAsync(TraceWriteBatch.OfEvents(Notes("running", 6, 2)));
        StoreAssert.EventsEqual(Notes("running", 6, 2), await store.QueryEventsAsync("running", new SessionEventQuery { AfterSequence = 5 }));
    }

    private static async Task ArgumentsAsync(ITraceStore store)
    {
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], Notes("s1", 1, 3)));

        Assert.Equal("sessionId", (await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.QueryEventsAsync(null!, new SessionEventQuery()))).ParamName);
        Assert.Equal("query", (await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.QueryEventsAsync("s1", null!))).ParamName);
        foreach (var limit in new[] { 0, -1, int.MinValue })
        {
            var refused = await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.QueryEventsAsync("s1", new SessionEventQuery { Limit = limit }));
            Assert.Equal(nameof(SessionEventQuery.Limit), refused.ParamName);
            Assert.Equal(limit, refused.ActualValue);
        }

        Assert.Equal(nameof(SessionEventQuery.Types), (await Assert.ThrowsAnyAsync<ArgumentException>(() => store.QueryEventsAsync("s1", new SessionEventQuery { Types = [EventTypes.Note, null!] }))).ParamName);
        var surrogate = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.QueryEventsAsync("s1", new SessionEventQuery { Types = [EventTypes.Note, "message.\uD83D"] }));
        Assert.Equal(nameof(SessionEventQuery.Types), surrogate.ParamName);
        Assert.Contains("U+D83D) at index 8 (the type at position 1)", surrogate.Message, StringComparison.Ordinal);

        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await StoreAssert.CanceledAsync(nameof(ITraceStore.QueryEventsAsync), () => store.QueryEventsAsync("s1", new SessionEventQuery(), cancellation.Token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.QueryEventsAsync), () => store.QueryEventsAsync("s1", new SessionEventQuery { AfterSequence = 1, Limit = 1, Types = [EventTypes.Note] }, cancellation.Token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.QueryEventsAsync), () => store.QueryEventsAsync("ghost", new SessionEventQuery(), cancellation.Token));
        Assert.Equal(3, (await store.QueryEventsAsync("s1", new SessionEventQuery())).Count);
    }

    private static Task<IReadOnlyList<SessionEvent>> Query(ITraceStore store, SessionEventQuery query) => store.QueryEventsAsync("s1", query);

    private static async Task AssertSequences(ITraceStore store, SessionEventQuery query, params long[] expected) =>
        Assert.Equal(expected, (await store.QueryEventsAsync("s1", query)).Select(e => e.Sequence));

    /// <summary>Forwards every member but <see cref="ITraceStore.QueryEventsAsync"/>, so that the interface's default
    /// implementation runs over the store's <see cref="ITraceStore.GetEventsAsync"/>, as for a store written before it.</summary>
    private sealed class WithoutEventQueries(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public override Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
            QueryEventsByInterfaceDefaultAsync(sessionId, query, cancellationToken);
    }
}
