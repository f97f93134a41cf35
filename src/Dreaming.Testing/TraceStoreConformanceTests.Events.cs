using Xunit;
using static Dreaming.Testing.ConformanceData;

namespace Dreaming.Testing;

/// <content>Appending and reading events.</content>
public abstract partial class TraceStoreConformanceTests
{
    /// <summary>Events of every derived type of <see cref="SessionEvent"/> come back equal, envelope included.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_EventsOfEveryType_RoundTrip()
    {
        var store = await NewStoreAsync();
        var events = EveryKind("s1");
        var eventTypes = typeof(SessionEvent).Assembly.GetTypes().Where(type => type.IsSubclassOf(typeof(SessionEvent)) && !type.IsAbstract);
        Assert.All(eventTypes, type => Assert.Contains(events, e => e.GetType() == type));

        await store.WriteAsync(new TraceWriteBatch([Session("s1")], events));

        var stored = await store.GetEventsAsync("s1");
        StoreAssert.EventsEqual(events, stored);
        Assert.Equal(events.Select(e => e.EventType), stored.Select(e => e.EventType));
        Assert.All(stored, e => Assert.Equal("s1", e.SessionId));
    }

    /// <summary>Events come back in sequence order, whatever the order and the batches they were appended in.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task GetEventsAsync_ReturnsSequenceOrder_AcrossManyBatches()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1"), Session("s2")], []));
        var expected = Notes("s1", 1, 60);

        // Batches arrive out of order and interleaved with another session, as a retrying writer may deliver them.
        foreach (var start in new[] { 30, 0, 50, 10, 40, 20 })
        {
            var slice = expected.Skip(start).Take(10).Reverse().ToList();
            await store.WriteAsync(TraceWriteBatch.OfEvents([.. slice, Note("s2", (start / 10) + 1)]));
        }

        StoreAssert.EventsEqual(expected, await store.GetEventsAsync("s1"));
        Assert.Equal([1L, 2, 3, 4, 5, 6], (await store.GetEventsAsync("s2")).Select(e => e.Sequence));
        Assert.Equal(60, (await store.GetSessionAsync("s1"))!.EventCount);
    }

    /// <summary>A session and its first events can be written in the same batch.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_NewSessionsAndTheirEventsInOneBatch_AreStored()
    {
        var store = await NewStoreAsync();

        await store.WriteAsync(new TraceWriteBatch([Session("s1"), Session("s2")], [Note("s1", 1), Note("s2", 1), Note("s1", 2)]));

        StoreAssert.EventsEqual([Note("s1", 1), Note("s1", 2)], await store.GetEventsAsync("s1"));
        StoreAssert.EventsEqual([Note("s2", 1)], await store.GetEventsAsync("s2"));
    }

    /// <summary>An event for an unknown session fails the whole batch: its new sessions and other events are not written.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_EventForUnknownSession_ThrowsAndWritesNothingOfTheBatch()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("existing")], [Note("existing", 1)]));

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(new TraceWriteBatch(
            [Session("new")],
            [Note("new", 1), Note("existing", 2), Note("ghost", 1), Note("existing", 3)])));

        Assert.Null(await store.GetSessionAsync("new"));
        Assert.Empty(await store.GetEventsAsync("new"));
        Assert.Empty(await store.GetEventsAsync("ghost"));
        StoreAssert.EventsEqual([Note("existing", 1)], await store.GetEventsAsync("existing"));
        Assert.Equal(1, (await store.GetSessionAsync("existing"))!.EventCount);
        Assert.Single((await store.QuerySessionsAsync(new SessionQuery())).Items);
    }

    /// <summary>Repeating a stored (session, sequence) pair fails the whole batch.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_DuplicateSequence_ThrowsAndWritesNothingOfTheBatch()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], [Note("s1", 1), Note("s1", 2)]));
        var duplicate = Note("s1", 2) with { Text = "duplicate" };

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(new TraceWriteBatch(
            [Session("s2")],
            [Note("s2", 1), Note("s1", 3), duplicate, Note("s1", 4)])));

        StoreAssert.EventsEqual([Note("s1", 1), Note("s1", 2)], await store.GetEventsAsync("s1"));
        Assert.Equal(2, (await store.GetSessionAsync("s1"))!.EventCount);
        Assert.Null(await store.GetSessionAsync("s2"));
    }

    /// <summary>A batch that repeats a sequence number within itself fails as a whole.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_DuplicateSequenceInOneBatch_ThrowsAndWritesNothing()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(
            TraceWriteBatch.OfEvents([Note("s1", 1), Note("s1", 2), Note("s1", 1)])));

        Assert.Empty(await store.GetEventsAsync("s1"));
        Assert.Equal(0, (await store.GetSessionAsync("s1"))!.EventCount);
    }

    /// <summary>Appending to a session that has ended throws and writes nothing of the batch.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_EventForEndedSession_ThrowsAndWritesNothingOfTheBatch()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("ended"), Session("running")], [Note("ended", 1)]));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "ended", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1) });

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(
            TraceWriteBatch.OfEvents([Note("running", 1), Note("ended", 2)])));

        Assert.Single(await store.GetEventsAsync("ended"));
        Assert.Empty(await store.GetEventsAsync("running"));
    }

    /// <summary><see cref="SessionRecord.EventCount"/> follows the stored events, in single reads and in queries.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task EventCount_ReflectsStoredEvents()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1"), Session("s2", minutes: 1)], Notes("s1", 1, 3)));
        await store.WriteAsync(TraceWriteBatch.OfEvents([.. Notes("s1", 4, 4), .. Notes("s2", 1, 2)]));
        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([Note("s1", 8), Note("s1", 1)])));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "s2", Status = SessionStatus.Failed, EndedAt = BaseTime.AddMinutes(2) });

        Assert.Equal(7, (await store.GetSessionAsync("s1"))!.EventCount);
        Assert.Equal(2, (await store.GetSessionAsync("s2"))!.EventCount);
        var page = await store.QuerySessionsAsync(new SessionQuery());
        Assert.Equal([7L, 2L], page.Items.Select(session => session.EventCount));
    }

    /// <summary>Many writers at once (20 tasks, 50 events each, one write per event) lose nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_ConcurrentWriters_LoseNothing()
    {
        const int Writers = 20;
        const int EventsPerWriter = 50;
        var store = await NewStoreAsync();
        await store.InitializeAsync();
        using var start = new Barrier(Writers);

        // Small writes released together by a barrier make the writers overlap as much as possible.
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Factory.StartNew(
            async () =>
            {
                var id = "w" + writer.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
                start.SignalAndWait();
                await store.WriteAsync(new TraceWriteBatch([Session(id, minutes: writer)], []));
                for (var sequence = 1; sequence <= EventsPerWriter; sequence++)
                {
                    await store.WriteAsync(TraceWriteBatch.OfEvents([Note(id, sequence)]));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()));

        var sessions = (await store.QuerySessionsAsync(new SessionQuery { PageSize = 100 })).Items;
        Assert.Equal(Writers, sessions.Count);
        foreach (var session in sessions)
        {
            Assert.Equal(EventsPerWriter, session.EventCount);
            StoreAssert.EventsEqual(Notes(session.Id, 1, EventsPerWriter), await store.GetEventsAsync(session.Id));
        }
    }
}
