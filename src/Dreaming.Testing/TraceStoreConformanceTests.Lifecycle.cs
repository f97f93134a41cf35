using Xunit;
using static Dreaming.Testing.ConformanceData;

namespace Dreaming.Testing;

/// <content>Completing, grading, importing and purging sessions.</content>
public abstract partial class TraceStoreConformanceTests
{
    /// <summary>Completing a session records its status, end time, usage, outcome and dropped-event count.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CompleteSessionAsync_SetsFinalState()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([FullSession("s1") with { Outcome = null }], [Note("s1", 1)]));
        var completion = new SessionCompletion
        {
            SessionId = "s1",
            Status = SessionStatus.Failed,
            EndedAt = BaseTime.AddMinutes(3).AddTicks(1234),
            Usage = new SessionUsage { InputTokens = 7, OutputTokens = 8, CachedInputTokens = 1, ModelCalls = 2, CostMinorUnits = 99 },
            Outcome = SessionOutcome.Failed(0.25, "human"),
            DroppedEventCount = 5,
        };

        await store.CompleteSessionAsync(completion);

        var expected = FullSession("s1") with
        {
            Status = SessionStatus.Failed,
            EndedAt = completion.EndedAt,
            Usage = completion.Usage,
            Outcome = completion.Outcome,
            DroppedEventCount = 5,
        };
        StoreAssert.SessionEqual(expected, await store.GetSessionAsync("s1"), expectedEventCount: 1);
    }

    /// <summary>An outcome score that is not a finite number (NaN or an infinity) is refused with an
    /// <see cref="ArgumentException"/> by every write that carries one, and nothing is written: the session keeps running
    /// with its earlier outcome, and a batch or import holding such a session adds nothing.</summary>
    /// <param name="score">The score.</param>
    /// <returns>A task that completes when the test has run.</returns>
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public async Task AnOutcomeScoreThatIsNotAFiniteNumber_IsRefusedAndNothingIsWritten(double score)
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));
        await store.SetOutcomeAsync("s1", SessionOutcome.Succeeded(0.5, "rubric"));
        var bad = SessionOutcome.Failed(score, "grader");

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetOutcomeAsync("s1", bad));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CompleteSessionAsync(
            new SessionCompletion { SessionId = "s1", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1), Outcome = bad }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WriteAsync(new TraceWriteBatch([Session("s2") with { Outcome = bad }], [Note("s1", 1)])));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ImportAsync([new SessionWithEvents(FinishedSession("s3") with { Outcome = bad }, [])]));

        var stored = await store.GetSessionAsync("s1");
        Assert.Equal(SessionStatus.Running, stored!.Status);
        Assert.Equal(SessionOutcome.Succeeded(0.5, "rubric"), stored.Outcome);
        Assert.Empty(await store.GetEventsAsync("s1"));
        Assert.Null(await store.GetSessionAsync("s2"));
        Assert.Null(await store.GetSessionAsync("s3"));
    }

    /// <summary>Completing without an outcome keeps one set earlier.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CompleteSessionAsync_WithoutOutcome_KeepsEarlierOutcome()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));
        await store.SetOutcomeAsync("s1", SessionOutcome.Succeeded(1, "rubric"));

        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "s1", Status = SessionStatus.Abandoned, EndedAt = BaseTime.AddMinutes(1) });

        var stored = await store.GetSessionAsync("s1");
        Assert.Equal(SessionStatus.Abandoned, stored!.Status);
        Assert.Equal(SessionOutcome.Succeeded(1, "rubric"), stored.Outcome);
    }

    /// <summary>Completing a session twice throws and keeps the first final state.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CompleteSessionAsync_Twice_ThrowsAndKeepsFirstCompletion()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "s1", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1) });

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.CompleteSessionAsync(
            new SessionCompletion { SessionId = "s1", Status = SessionStatus.Failed, EndedAt = BaseTime.AddMinutes(2) }));

        var stored = await store.GetSessionAsync("s1");
        Assert.Equal(SessionStatus.Completed, stored!.Status);
        Assert.Equal(StoreAssert.Milliseconds(BaseTime.AddMinutes(1)), StoreAssert.Milliseconds(stored.EndedAt!.Value));
    }

    /// <summary>Completing an unknown session throws <see cref="SessionNotFoundException"/>.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CompleteSessionAsync_UnknownSession_ThrowsSessionNotFound()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<SessionNotFoundException>(() => store.CompleteSessionAsync(
            new SessionCompletion { SessionId = "ghost", Status = SessionStatus.Completed, EndedAt = BaseTime }));

        Assert.Null(await store.GetSessionAsync("ghost"));
    }

    /// <summary>Completing with <see cref="SessionStatus.Running"/> throws and leaves the session running.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CompleteSessionAsync_RunningStatus_Throws()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.CompleteSessionAsync(
            new SessionCompletion { SessionId = "s1", Status = SessionStatus.Running, EndedAt = BaseTime.AddMinutes(1) }));

        var stored = await store.GetSessionAsync("s1");
        Assert.Equal(SessionStatus.Running, stored!.Status);
        Assert.Null(stored.EndedAt);
        await store.WriteAsync(TraceWriteBatch.OfEvents([Note("s1", 1)]));
    }

    /// <summary>An outcome can be set on a running or an ended session, and replaced.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task SetOutcomeAsync_SetsAndReplacesOutcome()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("running"), FullSession("ended")], []));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "ended", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1) });

        await store.SetOutcomeAsync("running", SessionOutcome.Failed());
        await store.SetOutcomeAsync("ended", SessionOutcome.Failed(0.1, "rubric:x@1"));
        await store.SetOutcomeAsync("ended", new SessionOutcome { Label = "escalated", Score = 0.5, Source = "human" });

        StoreAssert.SessionEqual(Session("running") with { Outcome = SessionOutcome.Failed() }, await store.GetSessionAsync("running"), expectedEventCount: 0);
        var expectedEnded = FullSession("ended") with
        {
            Status = SessionStatus.Completed,
            EndedAt = BaseTime.AddMinutes(1),
            Usage = SessionUsage.Zero,
            DroppedEventCount = 0,
            Outcome = new SessionOutcome { Label = "escalated", Score = 0.5, Source = "human" },
        };
        StoreAssert.SessionEqual(expectedEnded, await store.GetSessionAsync("ended"), expectedEventCount: 0);
        StoreAssert.Ids(["ended"], (await store.QuerySessionsAsync(new SessionQuery { OutcomeLabel = "escalated" })).Items);
    }

    /// <summary>Setting the outcome of an unknown session throws <see cref="SessionNotFoundException"/>.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task SetOutcomeAsync_UnknownSession_ThrowsSessionNotFound()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<SessionNotFoundException>(() => store.SetOutcomeAsync("ghost", SessionOutcome.Succeeded()));
    }

    /// <summary>Times are kept at millisecond precision, in UTC: a time with sub-millisecond ticks and an offset comes back as
    /// the same instant cut to the millisecond, with a zero offset, whether written, completed or imported.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Times_AreKeptAtMillisecondPrecisionInUtc()
    {
        var store = await NewStoreAsync();
        var local = new DateTimeOffset(2025, 3, 14, 11, 26, 53, TimeSpan.FromHours(2)).AddTicks(5_897_931);
        var expected = new DateTimeOffset(2025, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);
        await store.WriteAsync(new TraceWriteBatch([Session("s1") with { StartedAt = local }], [Note("s1", 1) with { Timestamp = local }]));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "s1", Status = SessionStatus.Completed, EndedAt = local.AddMinutes(1) });
        var imported = FinishedSession("s2") with { StartedAt = local, EndedAt = local.AddMinutes(1) };
        await store.ImportAsync([new SessionWithEvents(imported, [Note("s2", 1) with { Timestamp = local }])]);

        foreach (var id in new[] { "s1", "s2" })
        {
            var session = await store.GetSessionAsync(id);
            AssertKept(expected, session!.StartedAt);
            AssertKept(expected.AddMinutes(1), session.EndedAt!.Value);
            AssertKept(expected, Assert.Single(await store.GetEventsAsync(id)).Timestamp);
        }

        static void AssertKept(DateTimeOffset expected, DateTimeOffset actual) =>
            Assert.Equal((expected.UtcTicks, TimeSpan.Zero), (actual.UtcTicks, actual.Offset));
    }

    /// <summary>Imported sessions come back with every field and their events; the event count is the store's own.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ImportAsync_AddsFinishedSessionsWithEvents()
    {
        var store = await NewStoreAsync();
        var full = FullSession("imported-1") with { Status = SessionStatus.Completed, EndedAt = BaseTime.AddHours(1), EventCount = 999 };
        var failed = FinishedSession("imported-2", SessionStatus.Failed, minutes: 5);
        var events = EveryKind("imported-1");
        events.Reverse();

        var added = await store.ImportAsync([new SessionWithEvents(full, events), new SessionWithEvents(failed, [])]);

        Assert.Equal(2, added);
        StoreAssert.SessionEqual(full, await store.GetSessionAsync("imported-1"), expectedEventCount: events.Count);
        StoreAssert.SessionEqual(failed, await store.GetSessionAsync("imported-2"), expectedEventCount: 0);
        StoreAssert.EventsEqual(EveryKind("imported-1"), await store.GetEventsAsync("imported-1"));
        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([Note("imported-2", 1)])));
    }

    /// <summary>Sessions whose id exists are skipped, untouched; the result counts only the added ones.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ImportAsync_SkipsExistingSessions()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("running")], [Note("running", 1)]));
        await store.ImportAsync([new SessionWithEvents(FinishedSession("old"), Notes("old", 1, 2))]);

        var added = await store.ImportAsync(
        [
            new SessionWithEvents(FinishedSession("running", agentId: "intruder"), Notes("running", 2, 3)),
            new SessionWithEvents(FinishedSession("new-1", minutes: 1), Notes("new-1", 1, 4)),
            new SessionWithEvents(FinishedSession("old", SessionStatus.Failed), Notes("old", 3, 1)),
            new SessionWithEvents(FinishedSession("new-2", minutes: 2), []),
        ]);

        Assert.Equal(2, added);
        StoreAssert.SessionEqual(Session("running"), await store.GetSessionAsync("running"), expectedEventCount: 1);
        StoreAssert.SessionEqual(FinishedSession("old"), await store.GetSessionAsync("old"), expectedEventCount: 2);
        StoreAssert.EventsEqual(Notes("old", 1, 2), await store.GetEventsAsync("old"));
        Assert.Equal(4, (await store.GetEventsAsync("new-1")).Count);
        Assert.NotNull(await store.GetSessionAsync("new-2"));
        Assert.Equal(0, await store.ImportAsync([]));
    }

    /// <summary>Importing a running session is rejected before anything of the import is added.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ImportAsync_RunningSession_ThrowsAndAddsNothing()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ImportAsync(
        [
            new SessionWithEvents(FinishedSession("finished"), Notes("finished", 1, 2)),
            new SessionWithEvents(Session("running"), []),
        ]));

        Assert.Null(await store.GetSessionAsync("finished"));
        Assert.Null(await store.GetSessionAsync("running"));
        Assert.Empty(await store.GetEventsAsync("finished"));
    }

    /// <summary>Purging deletes ended sessions that started before the cut-off, with their events, and keeps the rest.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task PurgeAsync_DeletesOldEndedSessionsAndTheirEvents()
    {
        var store = await NewStoreAsync();
        var cutOff = BaseTime.AddMinutes(10);
        await store.ImportAsync(
        [
            new SessionWithEvents(FinishedSession("old-completed", minutes: 0), Notes("old-completed", 1, 3)),
            new SessionWithEvents(FinishedSession("old-failed", SessionStatus.Failed, minutes: 9), Notes("old-failed", 1, 1)),
            new SessionWithEvents(FinishedSession("at-cut-off", minutes: 10), Notes("at-cut-off", 1, 1)),
            new SessionWithEvents(FinishedSession("new", minutes: 20), Notes("new", 1, 1)),
        ]);
        await store.WriteAsync(new TraceWriteBatch([Session("old-running", minutes: 1)], [Note("old-running", 1)]));

        var purged = await store.PurgeAsync(cutOff);

        Assert.Equal(2, purged);
        Assert.Null(await store.GetSessionAsync("old-completed"));
        Assert.Null(await store.GetSessionAsync("old-failed"));
        Assert.Empty(await store.GetEventsAsync("old-completed"));
        Assert.Empty(await store.GetEventsAsync("old-failed"));
        StoreAssert.Ids(["old-running", "at-cut-off", "new"], (await store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Single(await store.GetEventsAsync("old-running"));
        Assert.Equal(0, await store.PurgeAsync(cutOff));
    }
}
