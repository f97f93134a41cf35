using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>The paths that could leave a recording counted for ever (and so hold every later completion): a recording that
/// fails before it queues, one cancelled while it waits for room, a completion cancelled while it waits, and a completion
/// started from a recording's own continuation.</summary>
public class CompletionRaceEdgeTests
{
    // The sessions are not disposed with await using: a recording left counted would hold the abandonment, and the test
    // would hang rather than fail. Every wait such a regression would hold is bounded (Bounded, the host's disposal
    // included), so it fails naming what did not finish.
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_recording_that_fails_before_it_is_queued_does_not_hold_a_later_completion()
    {
        var clock = new FailingClock();
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: d => d.Services.AddSingleton<TimeProvider>(clock));
        var session = host.Sessions.StartSession("agent", "edge");

        // The clock fails the stamp, after RecordAsync counted itself and before its event is queued.
        clock.FailNextReadingOnThisThread();
        await Assert.ThrowsAsync<TimeoutException>(() => session.RecordAsync(new NoteEvent { Text = "lost" }).AsTask());

        await session.RecordAsync(new NoteEvent { Text = "kept" });
        await session.CompleteAsync().WithinAsync("the completion");
        Assert.Equal(["kept"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
    }

    [Fact]
    public async Task A_recording_cancelled_while_it_waits_for_room_lets_a_waiting_completion_go_on()
    {
        using var gate = new FirstWriteGate();
        await using var host = gate.CreateHost();
        var session = host.Sessions.StartSession("agent", "edge");
        await gate.HoldFirstAsync(session);

        using var cts = new CancellationTokenSource();
        var waiting = session.RecordAsync(new NoteEvent { Text = "waiting" }, cts.Token).AsTask();
        Assert.False(waiting.IsCompleted);
        var completing = session.CompleteAsync();
        Assert.False(completing.IsCompleted);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_bound));
        gate.Release();
        await completing.WithinAsync("the completion");

        Assert.Equal(["first"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
        Assert.Equal(SessionStatus.Completed, (await host.Store.GetSessionAsync(session.Id))!.Status);
    }

    [Fact]
    public async Task A_completion_cancelled_while_an_event_waits_for_room_leaves_the_session_recording_and_completable()
    {
        using var gate = new FirstWriteGate();
        await using var host = gate.CreateHost();
        var session = host.Sessions.StartSession("agent", "edge");
        await gate.HoldFirstAsync(session);

        var waiting = session.RecordAsync(new NoteEvent { Text = "waiting" }).AsTask();
        using var cts = new CancellationTokenSource();
        var completing = session.CompleteAsync(SessionStatus.Completed, null, cts.Token);
        Assert.False(completing.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completing.WaitAsync(s_bound));
        Assert.Equal(SessionStatus.Running, session.Status);

        gate.Release();
        await waiting.WithinAsync("the recording");
        await session.RecordAsync(new NoteEvent { Text = "after" });
        await session.CompleteAsync().WithinAsync("the completion");

        Assert.Equal(["first", "waiting", "after"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
        Assert.Equal(0, (await host.Store.GetSessionAsync(session.Id))!.DroppedEventCount);
        await Assert.ThrowsAsync<SessionStateException>(() => session.RecordAsync(new NoteEvent { Text = "late" }).AsTask());
    }

    [Fact]
    public async Task A_completion_started_from_the_continuation_of_a_recording_that_waited_for_room_does_not_deadlock()
    {
        using var gate = new FirstWriteGate();
        await using var host = gate.CreateHost();
        var session = host.Sessions.StartSession("agent", "edge");
        await gate.HoldFirstAsync(session);

        var waiting = session.RecordAsync(new NoteEvent { Text = "waiting" }).AsTask();
        var completing = waiting.ContinueWith(_ => session.CompleteAsync(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        gate.Release();
        await completing.WithinAsync("the completion");

        Assert.Equal(["first", "waiting"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
    }

    [Fact]
    public async Task A_completion_waiting_for_an_event_while_the_writer_is_disposed_ends_the_session_with_the_event()
    {
        using var gate = new FirstWriteGate();
        await using var host = gate.CreateHost();
        var session = host.Sessions.StartSession("agent", "edge");
        await gate.HoldFirstAsync(session);

        var waiting = session.RecordAsync(new NoteEvent { Text = "waiting" }).AsTask();
        var completing = session.CompleteAsync();
        Assert.False(completing.IsCompleted);

        // Host shutdown disposes the writer while the completion waits for the event: the writer drains what was queued.
        var disposing = host.Services.GetRequiredService<TraceWriter>().DisposeAsync().AsTask();
        gate.Release();
        await waiting.WithinAsync("the recording");
        await disposing.WithinAsync("the disposal");
        await completing.WithinAsync("the completion");

        Assert.Equal(["first", "waiting"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
        Assert.Equal(SessionStatus.Completed, (await host.Store.GetSessionAsync(session.Id))!.Status);
    }

    [Fact]
    public async Task A_completion_cancelled_while_the_session_is_disposed_leaves_the_session_abandoned()
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore
        {
            // The completion waits in the store, honouring its token; the abandonment after it does not wait.
            BeforeComplete = async (completion, ct) =>
            {
                if (completion.Status == SessionStatus.Completed)
                {
                    reached.TrySetResult();
                    await Task.Delay(Timeout.Infinite, ct);
                }
            },
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store);
        var session = host.Sessions.StartSession("agent", "edge");
        await session.RecordAsync(new NoteEvent { Text = "kept" });

        using var cts = new CancellationTokenSource();
        var completing = session.CompleteAsync(SessionStatus.Completed, null, cts.Token);
        await reached.Task.WaitAsync(s_bound);

        // Disposal (say a request ending on another thread) begins while the completion is in the store; then the
        // completion is cancelled, which leaves the session running and completable, but it has been disposed.
        var disposing = session.DisposeAsync().AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completing.WaitAsync(s_bound));
        await disposing.WithinAsync("the disposal");

        var stored = (await host.Store.GetSessionAsync(session.Id))!;
        Assert.Equal((SessionStatus.Abandoned, 1L), (stored.Status, stored.EventCount));
        Assert.Equal(SessionStatus.Abandoned, session.Status);
    }

    [Fact]
    public async Task A_disposal_waiting_for_a_completion_returns_once_the_session_has_ended_not_after_its_webhook()
    {
        var inStore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseStore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore
        {
            BeforeComplete = async (_, _) =>
            {
                inStore.TrySetResult();
                await releaseStore.Task;
            },
        };
        var publisher = new HeldWebhookPublisher();
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, dreaming: d => d.Services.AddSingleton<IWebhookPublisher>(publisher));
        var session = host.Sessions.StartSession("agent", "edge");
        try
        {
            var completing = session.CompleteAsync();
            await inStore.Task.WaitAsync(s_bound);

            // Disposal begins while the completion writes the session's end; the end is then stored, and the completion
            // goes on to publish session.completed to an outbox that is slow (or hung).
            var disposing = session.DisposeAsync().AsTask();
            releaseStore.SetResult();
            await publisher.Entered.Task.WaitAsync(s_bound);

            // The session has ended: there is nothing left for the disposal to decide, so it does not wait for the outbox.
            await disposing.WithinAsync("the disposal");
            Assert.Equal(SessionStatus.Completed, session.Status);
            Assert.False(completing.IsCompleted);
            publisher.Release.SetResult();
            await completing.WithinAsync("the completion");
            Assert.Equal(SessionStatus.Completed, (await host.Store.GetSessionAsync(session.Id))!.Status);
        }
        finally
        {
            releaseStore.TrySetResult();
            publisher.Release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_completion_waiting_long_for_a_recording_logs_a_warning_naming_the_session_and_goes_on_waiting()
    {
        var clock = new FakeTimeProvider();
        using var gate = new FirstWriteGate();
        await using var host = gate.CreateHost(d => d.Services.AddSingleton<TimeProvider>(clock).AddFakeLogging());
        var session = host.Sessions.StartSession("agent", "edge");
        await gate.HoldFirstAsync(session);
        var waiting = session.RecordAsync(new NoteEvent { Text = "waiting" }).AsTask();
        var completing = session.CompleteAsync();
        var logs = host.Services.GetFakeLogCollector();

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Id == 11);
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitForLogAsync(logs, 11);

        // Only a warning: the completion still ends the session with the event once it is in.
        Assert.False(completing.IsCompleted);
        var warning = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 11);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(session.Id, warning.Message, StringComparison.Ordinal);
        gate.Release();
        await waiting.WithinAsync("the recording");
        await completing.WithinAsync("the completion");
        Assert.Equal(["first", "waiting"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
    }

    private static async Task WaitForLogAsync(FakeLogCollector logs, int id)
    {
        // The timer's continuation runs on the thread pool: wait for it, bounded.
        var deadline = DateTime.UtcNow + Bounded.Patience;
        while (!logs.GetSnapshot().Any(r => r.Id.Id == id))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no log with event id {id} within {Bounded.Patience}");
            await Task.Delay(5);
        }
    }

    private sealed class HeldWebhookPublisher : IWebhookPublisher
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsEnabled => true;

        public bool IncludeFullPayloads => false;

        public bool IsSubscribed(string eventType) => true;

        public async Task<WebhookEvent?> PublishAsync(string eventType, System.Text.Json.Nodes.JsonObject data, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Release.Task;
            return null;
        }
    }

    /// <summary>A clock whose next reading on the thread that armed it fails. Only that thread's reading: the host's
    /// background writer reads the same clock (the session's start), and a failure it consumed would leave the
    /// recording under test unfailed.</summary>
    private sealed class FailingClock : TimeProvider
    {
        private int _failOnThread = -1;

        public void FailNextReadingOnThisThread() => Volatile.Write(ref _failOnThread, Environment.CurrentManagedThreadId);

        public override DateTimeOffset GetUtcNow()
        {
            var thread = Environment.CurrentManagedThreadId;
            if (Volatile.Read(ref _failOnThread) == thread && Interlocked.CompareExchange(ref _failOnThread, -1, thread) == thread)
            {
                throw new TimeoutException("clock failed");
            }

            return base.GetUtcNow();
        }
    }

    /// <summary>A store whose write of the event "first" waits for <see cref="Release"/>; with a queue of one, the next
    /// event waits for room.</summary>
    private sealed class FirstWriteGate : IDisposable
    {
        private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TracingHost CreateHost(Action<IDreamingBuilder>? dreaming = null)
        {
            var store = new HookedTraceStore
            {
                BeforeWrite = async (batch, ct) =>
                {
                    if (batch.Events.Any(e => e is NoteEvent { Text: "first" }))
                    {
                        _written.TrySetResult();
                        await _release.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
                    }
                },
            };
            return TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
            {
                o.Backpressure = BackpressurePolicy.Wait;
                o.WriteQueueCapacity = 1;
                o.WriteBatchSize = 1;
            }, dreaming: dreaming);
        }

        public async Task HoldFirstAsync(IAgentSession session)
        {
            await session.RecordAsync(new NoteEvent { Text = "first" });
            await _written.Task.WaitAsync(s_bound);
        }

        public void Release() => _release.TrySetResult();

        public void Dispose() => Release();
    }
}
