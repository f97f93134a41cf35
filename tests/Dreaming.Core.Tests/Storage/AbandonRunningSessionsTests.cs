using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Storage;

/// <summary>Sessions a crashed process left running are ended as abandoned, and nothing else is touched.</summary>
public sealed partial class AbandonRunningSessionsTests
{
    private static readonly DateTimeOffset Start = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Running_sessions_started_before_the_cut_off_end_abandoned_keeping_their_events_and_counts()
    {
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        var sessions = new List<SessionRecord>();
        for (var i = 0; i < 1203; i++)
        {
            sessions.Add(Session("old-" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), Start.AddSeconds(i)));
        }

        var recent = Session("recent", Start.AddHours(1).AddSeconds(1));
        var ended = Session("ended", Start);
        var stored = new List<SessionRecord>(sessions) { recent, ended };
        await store.WriteAsync(new TraceWriteBatch(stored.Select(s => s with { DroppedEventCount = 0 }).ToArray(), [new NoteEvent { SessionId = "old-0000", Timestamp = Start, Sequence = 1, Text = "last words" }]));
        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "ended", Status = SessionStatus.Completed, EndedAt = Start.AddMinutes(1) });

        var abandoned = await store.AbandonRunningSessionsAsync(Start.AddHours(1), clock);

        Assert.Equal(sessions.Select(s => s.Id), abandoned);
        var first = (await store.GetSessionAsync("old-0000"))!;
        Assert.Equal(SessionStatus.Abandoned, first.Status);
        Assert.Equal(clock.GetUtcNow(), first.EndedAt);
        Assert.Equal(1, first.EventCount);
        Assert.Equal("last words", Assert.IsType<NoteEvent>(Assert.Single(await store.GetEventsAsync("old-0000"))).Text);
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("recent"))!.Status);
        Assert.Equal((SessionStatus.Completed, Start.AddMinutes(1)), ((await store.GetSessionAsync("ended"))!.Status, (await store.GetSessionAsync("ended"))!.EndedAt));
        Assert.Empty(await store.AbandonRunningSessionsAsync(Start.AddHours(1), clock));

        // Now that they ended, retention can delete them; the session still running is kept.
        Assert.Equal(1204, await store.PurgeAsync(Start.AddHours(1)));
        Assert.NotNull(await store.GetSessionAsync("recent"));
    }

    [Fact]
    public async Task An_orchestration_run_left_running_ends_with_an_orchestration_failed_event_saying_recovery_abandoned_it()
    {
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        SessionEvent Stamped(SessionEvent e, string sessionId, long sequence) => e with { SessionId = sessionId, Sequence = sequence, Timestamp = Start };
        var started = new OrchestrationStartedEvent { Goal = "goal", ItemCount = 3, MaxConcurrency = 25, FailurePolicy = "stop_run", PlanSource = "host" };
        OrchestrationItemCompletedEvent Item(string id, string status, long tokens) =>
            new() { ItemId = id, Agent = "worker", Status = status, Attempts = 1, Usage = new SessionUsage { InputTokens = tokens, ModelCalls = 1 } };
        await store.WriteAsync(new TraceWriteBatch(
            [Session("run", Start), Session("child", Start.AddSeconds(1)) with { ParentSessionId = "run" }, Session("plain", Start), Session("ended-run", Start)],
            [
                Stamped(started, "run", 1),
                Stamped(Item("a", "completed", 10), "run", 2),
                Stamped(Item("b", "failed", 5), "run", 3),
                // A gap, as events a session dropped leave: the next number follows the last one stored.
                Stamped(new NoteEvent { Text = "last words" }, "run", 7),
                Stamped(new NoteEvent { Text = "not a run" }, "plain", 1),
                Stamped(started, "ended-run", 1),
                Stamped(new OrchestrationFailedEvent { Status = "interrupted", Reason = "cancelled", ItemCount = 3 }, "ended-run", 2),
            ]));

        var abandoned = await store.AbandonRunningSessionsAsync(Start.AddHours(1), clock);

        Assert.Equal(["child", "ended-run", "plain", "run"], abandoned.Order(StringComparer.Ordinal));
        var events = await store.GetEventsAsync("run");
        Assert.Equal(5, events.Count);
        var failed = Assert.IsType<OrchestrationFailedEvent>(events[^1]);
        Assert.Equal(("abandoned", 8L, clock.GetUtcNow()), (failed.Status, failed.Sequence, failed.Timestamp));
        Assert.Equal((1, 3, (string?)null), (failed.CompletedItems, failed.ItemCount, failed.ItemId));
        Assert.Equal(15, failed.Usage.InputTokens);
        Assert.Equal(2, failed.Usage.ModelCalls);
        Assert.StartsWith("abandoned by recovery: ", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(SessionStatus.Abandoned, (await store.GetSessionAsync("run"))!.Status);

        // A session that is not a run gets no event; a run that recorded its end before its process died gets no second one.
        Assert.Single(await store.GetEventsAsync("plain"));
        Assert.Empty(await store.GetEventsAsync("child"));
        Assert.Single((await store.GetEventsAsync("ended-run")).OfType<OrchestrationFailedEvent>());
    }

    [Fact]
    public async Task The_abandoned_runs_usage_includes_the_coordinators_calls_recorded_in_its_session_as_a_run_ending_itself_does()
    {
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await store.WriteAsync(new TraceWriteBatch(
            [Session("run", Start)],
            [
                // The coordinator's planning call, recorded in the run's own session, then the plan's start and one item's end.
                new ModelResponseEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Usage = new SessionUsage { InputTokens = 100, OutputTokens = 20, ModelCalls = 1, CostMinorUnits = 7 } },
                new OrchestrationStartedEvent { SessionId = "run", Sequence = 2, Timestamp = Start, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "coordinator" },
                new OrchestrationItemCompletedEvent { SessionId = "run", Sequence = 3, Timestamp = Start, ItemId = "a", Agent = "worker", Status = "completed", Attempts = 1, Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5, ModelCalls = 1, CostMinorUnits = 1 } },
            ]));

        await store.AbandonRunningSessionsAsync(Start.AddHours(1), clock);

        var failed = Assert.IsType<OrchestrationFailedEvent>((await store.GetEventsAsync("run"))[^1]);
        Assert.Equal((110L, 25L, 2L, 8L), (failed.Usage.InputTokens, failed.Usage.OutputTokens, failed.Usage.ModelCalls, failed.Usage.CostMinorUnits));
    }

    [Fact]
    public async Task A_run_that_died_while_its_coordinator_was_planning_ends_with_orchestration_failed_as_a_failed_planning_does()
    {
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        var run = Session("run", Start) with { Metadata = new Dictionary<string, string> { ["orchestration.run"] = "coordinator" } };
        await store.WriteAsync(new TraceWriteBatch(
            [run],
            [new ModelResponseEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Usage = new SessionUsage { InputTokens = 100, OutputTokens = 20, ModelCalls = 1 } }]));

        Assert.Equal(["run"], await store.AbandonRunningSessionsAsync(Start.AddHours(1), clock));

        var failed = Assert.IsType<OrchestrationFailedEvent>((await store.GetEventsAsync("run"))[^1]);
        Assert.Equal((OrchestrationFailedEvent.AbandonedStatus, 2L, 0, 0), (failed.Status, failed.Sequence, failed.CompletedItems, failed.ItemCount));
        Assert.Equal((100L, 20L), (failed.Usage.InputTokens, failed.Usage.OutputTokens));
        Assert.StartsWith("abandoned by recovery: ", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("planning", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_with_more_events_than_one_read_window_gets_the_next_sequence_number_and_every_item_counted()
    {
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        var events = new List<SessionEvent>
        {
            new OrchestrationStartedEvent { SessionId = "run", Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 2_600, MaxConcurrency = 25, FailurePolicy = "stop_run", PlanSource = "host" },
        };
        for (var i = 0; i < 2_500; i++)
        {
            events.Add(new OrchestrationItemCompletedEvent
            {
                SessionId = "run",
                Sequence = i + 2,
                Timestamp = Start,
                ItemId = "item-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Agent = "worker",
                Status = "completed",
                Attempts = 1,
                Usage = new SessionUsage { InputTokens = 1, ModelCalls = 1 },
            });
        }

        await store.WriteAsync(new TraceWriteBatch([Session("run", Start)], events));

        Assert.Equal(["run"], await store.AbandonRunningSessionsAsync(Start.AddHours(1), clock));

        var failed = Assert.IsType<OrchestrationFailedEvent>((await store.GetEventsAsync("run"))[^1]);
        Assert.Equal((2_502L, 2_500, 2_600, 2_500L), (failed.Sequence, failed.CompletedItems, failed.ItemCount, failed.Usage.InputTokens));
    }

    [Fact]
    public async Task Observers_given_to_recovery_are_checked()
    {
        var store = new InMemoryTraceStore();

        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => store.AbandonRunningSessionsAsync(Start, [new RecordingObserver(), null!], new FakeTimeProvider(Start)));

        Assert.Equal("observers", error.ParamName);
        Assert.Contains("#2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_its_process_completes_meanwhile_is_left_as_it_ended()
    {
        var inner = new InMemoryTraceStore();
        await inner.WriteAsync(new TraceWriteBatch([Session("a", Start), Session("b", Start.AddSeconds(1))], []));
        var store = new CompletingFirstStore(inner, "b");

        var abandoned = await store.AbandonRunningSessionsAsync(Start.AddMinutes(1), new FakeTimeProvider(Start.AddHours(1)));

        Assert.Equal(["a"], abandoned);
        Assert.Equal(SessionStatus.Completed, (await inner.GetSessionAsync("b"))!.Status);
    }

    [Fact]
    public async Task A_cut_off_in_the_future_is_refused_naming_it()
    {
        var store = new InMemoryTraceStore();
        await store.WriteAsync(new TraceWriteBatch([Session("live", Start)], []));
        var clock = new FakeTimeProvider(Start);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AbandonRunningSessionsAsync(Start.AddSeconds(1), clock));

        Assert.Equal("startedBefore", error.ParamName);
        Assert.Contains("2026-02-01T08:00:01", error.Message, StringComparison.Ordinal);
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("live"))!.Status);
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        var store = new InMemoryTraceStore();
        await store.WriteAsync(new TraceWriteBatch([Session("a", Start)], []));
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AbandonRunningSessionsAsync(Start.AddMinutes(1), new FakeTimeProvider(Start.AddHours(1)), cancel.Token));

        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("a"))!.Status);
    }

    private static SessionRecord Session(string id, DateTimeOffset startedAt) => new() { Id = id, AgentId = "agent", Task = "task", StartedAt = startedAt };

    private sealed class RecordingObserver : IOrchestrationObserver
    {
        public List<SessionEvent> Events { get; } = [];

        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default)
        {
            Events.Add(sessionEvent);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ThrowingObserver : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("outbox down");
    }

    /// <summary>Runs <paramref name="meanwhile"/> once, just before the first read of all of a session's events.</summary>
    private sealed class BeforeReadingAllEventsStore(InMemoryTraceStore inner, Func<Task> meanwhile) : ForwardingTraceStore(inner)
    {
        private int _ran;

        public override async Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default)
        {
            if (query.Types is null && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                await meanwhile();
            }

            return await Inner.QueryEventsAsync(sessionId, query, cancellationToken);
        }
    }

    /// <summary>Completes one session, as its own process would, just before the maintenance completes it.</summary>
    private sealed class CompletingFirstStore(InMemoryTraceStore inner, string sessionId) : ForwardingTraceStore(inner)
    {
        public override async Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
        {
            if (completion.SessionId == sessionId)
            {
                await Inner.CompleteSessionAsync(completion with { Status = SessionStatus.Completed }, cancellationToken);
            }

            await Inner.CompleteSessionAsync(completion, cancellationToken);
        }
    }
}
