using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Storage;

/// <summary>Recoveries racing on one run, and what their observers are told: once, whichever recovery wrote the event
/// or ended the session, also when an observer throws or the recovery is cancelled.</summary>
public sealed partial class AbandonRunningSessionsTests
{
    [Fact]
    public async Task Two_recoveries_racing_on_one_run_write_one_orchestration_failed_event_and_end_it_once()
    {
        var inner = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await inner.WriteAsync(new TraceWriteBatch(
            [Session("run", Start)],
            [new OrchestrationStartedEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "host" }]));

        // The first recovery has read the run (no end recorded) and is about to write its event when a second one runs
        // from start to end, writing its own event and ending the session.
        IReadOnlyList<string>? second = null;
        var store = Substitute.For<ITraceStore>();
        store.QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>()).Returns(c => inner.QuerySessionsAsync(c.Arg<SessionQuery>(), c.Arg<CancellationToken>()));
        store.QueryEventsAsync(Arg.Any<string>(), Arg.Any<SessionEventQuery>(), Arg.Any<CancellationToken>()).Returns(c => inner.QueryEventsAsync(c.Arg<string>(), c.Arg<SessionEventQuery>(), c.Arg<CancellationToken>()));
        store.CompleteSessionAsync(Arg.Any<SessionCompletion>(), Arg.Any<CancellationToken>()).Returns(c => inner.CompleteSessionAsync(c.Arg<SessionCompletion>(), c.Arg<CancellationToken>()));
        store.WriteAsync(Arg.Any<TraceWriteBatch>(), Arg.Any<CancellationToken>()).Returns(async c =>
        {
            second ??= await inner.AbandonRunningSessionsAsync(Start.AddHours(1), clock);
            await inner.WriteAsync(c.Arg<TraceWriteBatch>(), c.Arg<CancellationToken>());
        });

        var first = await store.AbandonRunningSessionsAsync(Start.AddHours(1), clock);

        Assert.Equal(["run"], second!);
        Assert.Empty(first);
        var events = await inner.GetEventsAsync("run");
        Assert.Equal(2, events.Count);
        Assert.Equal(OrchestrationFailedEvent.AbandonedStatus, Assert.IsType<OrchestrationFailedEvent>(events[1]).Status);
        Assert.Equal(SessionStatus.Abandoned, (await inner.GetSessionAsync("run"))!.Status);
    }

    [Fact]
    public async Task Two_recoveries_racing_on_one_run_tell_their_observers_of_its_orchestration_failed_event_once()
    {
        var inner = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await inner.WriteAsync(new TraceWriteBatch(
            [Session("run", Start), Session("plain", Start)],
            [new OrchestrationStartedEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "host" }]));

        // The first recovery has read the run and is about to write its event when a second one runs from start to end.
        var firstHeard = new RecordingObserver();
        var secondHeard = new RecordingObserver();
        var store = Substitute.For<ITraceStore>();
        store.QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>()).Returns(c => inner.QuerySessionsAsync(c.Arg<SessionQuery>(), c.Arg<CancellationToken>()));
        store.QueryEventsAsync(Arg.Any<string>(), Arg.Any<SessionEventQuery>(), Arg.Any<CancellationToken>()).Returns(c => inner.QueryEventsAsync(c.Arg<string>(), c.Arg<SessionEventQuery>(), c.Arg<CancellationToken>()));
        store.CompleteSessionAsync(Arg.Any<SessionCompletion>(), Arg.Any<CancellationToken>()).Returns(c => inner.CompleteSessionAsync(c.Arg<SessionCompletion>(), c.Arg<CancellationToken>()));
        var raced = false;
        store.WriteAsync(Arg.Any<TraceWriteBatch>(), Arg.Any<CancellationToken>()).Returns(async c =>
        {
            if (!raced)
            {
                raced = true;
                await inner.AbandonRunningSessionsAsync(Start.AddHours(1), [secondHeard], clock);
            }

            await inner.WriteAsync(c.Arg<TraceWriteBatch>(), c.Arg<CancellationToken>());
        });

        await store.AbandonRunningSessionsAsync(Start.AddHours(1), [firstHeard], clock);

        Assert.Empty(firstHeard.Events);
        var heard = Assert.IsType<OrchestrationFailedEvent>(Assert.Single(secondHeard.Events));
        Assert.Equal(("run", 2L, OrchestrationFailedEvent.AbandonedStatus), (heard.SessionId, heard.Sequence, heard.Status));
        Assert.Equal(heard, (await inner.GetEventsAsync("run"))[1]);
    }

    [Fact]
    public async Task A_recovery_that_wrote_the_event_tells_its_observers_when_another_recovery_ended_the_session_first()
    {
        var inner = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await inner.WriteAsync(new TraceWriteBatch(
            [Session("run", Start)],
            [new OrchestrationStartedEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "host" }]));

        // The first recovery has written its event and is about to end the session when a second one runs from start to
        // end: it finds the event written, writes none, and ends the session; the first one's end is then refused.
        var firstHeard = new RecordingObserver();
        var secondHeard = new RecordingObserver();
        var store = new BeforeFirstCompletion(inner, () => inner.AbandonRunningSessionsAsync(Start.AddHours(1), [secondHeard], clock));

        await store.AbandonRunningSessionsAsync(Start.AddHours(1), [firstHeard], clock);

        var failed = Assert.Single((await inner.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>());
        Assert.Equal(SessionStatus.Abandoned, (await inner.GetSessionAsync("run"))!.Status);
        Assert.Equal([failed], firstHeard.Events.Concat(secondHeard.Events));
    }

    [Fact]
    public async Task A_recovery_that_finds_another_recoverys_event_in_its_read_of_all_events_writes_no_second_one()
    {
        var inner = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await inner.WriteAsync(new TraceWriteBatch(
            [Session("run", Start)],
            [new OrchestrationStartedEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "host" }]));

        // Another recovery writes its event between this one's read of the run's marks and its read of all its events.
        var other = new OrchestrationFailedEvent { SessionId = "run", Sequence = 2, Timestamp = Start.AddHours(2), Status = OrchestrationFailedEvent.AbandonedStatus, Reason = "abandoned by recovery: the other one", CompletedItems = 0, ItemCount = 2 };
        var heard = new RecordingObserver();
        var store = new BeforeReadingAllEventsStore(inner, () => inner.WriteAsync(TraceWriteBatch.OfEvents([other])));

        Assert.Equal(["run"], await store.AbandonRunningSessionsAsync(Start.AddHours(1), [heard], clock));

        Assert.Equal([other], (await inner.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>());
        Assert.Empty(heard.Events);
    }

    [Fact]
    public async Task An_observer_that_throws_stops_neither_the_other_observers_nor_the_recovery_of_the_other_sessions()
    {
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await store.WriteAsync(new TraceWriteBatch(
            [Session("run-1", Start), Session("run-2", Start.AddSeconds(1)), Session("plain", Start.AddSeconds(2))],
            [
                new OrchestrationStartedEvent { SessionId = "run-1", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 1, MaxConcurrency = 1, FailurePolicy = "stop_run", PlanSource = "host" },
                new OrchestrationStartedEvent { SessionId = "run-2", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 1, MaxConcurrency = 1, FailurePolicy = "stop_run", PlanSource = "host" },
            ]));
        var failing = new ThrowingObserver();
        var heard = new RecordingObserver();

        var error = await Assert.ThrowsAsync<AbandonRunningSessionsException>(() => store.AbandonRunningSessionsAsync(Start.AddHours(1), [failing, heard], clock));

        Assert.Equal(2, error.InnerExceptions.Count);
        Assert.Equal(["run-1", "run-2", "plain"], error.AbandonedSessionIds);
        Assert.Empty(error.LeftRunningSessionIds);
        Assert.All(error.InnerExceptions, e => Assert.Equal("outbox down", e.Message));
        Assert.Contains("every session was ended", error.Message, StringComparison.Ordinal);
        Assert.Equal(["run-1", "run-2"], heard.Events.Select(e => e.SessionId));
        foreach (var id in new[] { "run-1", "run-2", "plain" })
        {
            Assert.Equal(SessionStatus.Abandoned, (await store.GetSessionAsync(id))!.Status);
        }
    }

    [Fact]
    public async Task A_recovery_cancelled_while_ending_a_run_still_tells_the_observers_of_the_event_it_wrote()
    {
        var inner = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await inner.WriteAsync(new TraceWriteBatch(
            [Session("run", Start), Session("plain", Start.AddSeconds(1))],
            [new OrchestrationStartedEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 1, MaxConcurrency = 1, FailurePolicy = "stop_run", PlanSource = "host" }]));
        using var cancel = new CancellationTokenSource();
        var heard = new RecordingObserver();
        var store = new BeforeFirstCompletion(inner, () =>
        {
            cancel.Cancel();
            return Task.FromResult<IReadOnlyList<string>>([]);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AbandonRunningSessionsAsync(Start.AddHours(1), [heard], clock, cancel.Token));

        // Its event is written; a later recovery finds it there and writes none, so this was the one call that could tell.
        var failed = Assert.Single((await inner.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>());
        Assert.Equal([failed], heard.Events);
        var later = new RecordingObserver();
        Assert.Equal(["run", "plain"], await inner.AbandonRunningSessionsAsync(Start.AddHours(1), [later], clock));
        Assert.Empty(later.Events);
    }
}
