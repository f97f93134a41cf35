using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A <c>RecordAsync</c> racing a <c>CompleteAsync</c> on another thread: the event is either stored before the
/// completion is written or refused with <see cref="SessionStateException"/>; never acknowledged and then lost.</summary>
/// <remarks>The sessions are not disposed with <c>await using</c>, and every wait a leaked in-flight count would hold is
/// bounded (<see cref="Bounded"/>, the host's disposal included), so such a regression fails these tests, naming what
/// did not finish, instead of hanging the run.</remarks>
public class CompletionRaceTests
{
    [Fact]
    public async Task An_event_past_the_state_check_when_another_thread_completes_is_stored_before_the_end()
    {
        using var clock = new PausingClock();
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: d => d.Services.AddSingleton<TimeProvider>(clock));
        var session = host.Sessions.StartSession("agent", "race");
        await session.RecordAsync(new NoteEvent { Text = "before" });

        // Held after RecordAsync's check that the session is running, before its event is queued (it stamps the time).
        var recording = Task.Run(async () =>
        {
            clock.PauseHere();
            await session.RecordAsync(new NoteEvent { Text = "racing" });
        });
        await clock.Reached.WaitAsync(TimeSpan.FromSeconds(10));
        var completing = Task.Run(() => session.CompleteAsync());

        // Before the fix the completion flushed and ended the session here, and the event was queued after its end.
        await Task.WhenAny(completing, Task.Delay(TimeSpan.FromSeconds(1)));
        clock.Release();
        var refused = await Record.ExceptionAsync(() => recording);
        await completing.WithinAsync("the completion");

        await AssertStoredOrRefusedAsync(host.Store, session, refused, "racing");
    }

    [Fact]
    public async Task An_event_past_the_state_check_when_another_thread_disposes_is_stored_before_the_abandonment()
    {
        using var clock = new PausingClock();
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: d => d.Services.AddSingleton<TimeProvider>(clock));
        var session = host.Sessions.StartSession("agent", "race");
        await session.RecordAsync(new NoteEvent { Text = "before" });
        var recording = Task.Run(async () =>
        {
            clock.PauseHere();
            await session.RecordAsync(new NoteEvent { Text = "racing" });
        });
        await clock.Reached.WaitAsync(TimeSpan.FromSeconds(10));
        var disposing = Task.Run(async () => await session.DisposeAsync());

        await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(1)));
        clock.Release();
        var refused = await Record.ExceptionAsync(() => recording);
        await disposing.WithinAsync("the disposal");

        Assert.Null(refused);
        Assert.Equal(["before", "racing"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
        var stored = await host.Store.GetSessionAsync(session.Id);
        Assert.Equal(SessionStatus.Abandoned, stored!.Status);
        Assert.Equal(0, stored.DroppedEventCount);
    }

    [Fact]
    public async Task An_event_waiting_for_room_when_another_thread_completes_is_stored_before_the_end()
    {
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore
        {
            BeforeWrite = async (batch, ct) =>
            {
                if (batch.Events.Any(e => e is NoteEvent { Text: "first" }))
                {
                    firstWrite.TrySetResult();
                    await releaseFirst.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
                }
                else if (batch.Events.Any(e => e is NoteEvent { Text: "waiting" }))
                {
                    // Before the fix the completion was written first; after it, this batch is written before the completion.
                    await Task.WhenAny(completed.Task, Task.Delay(TimeSpan.FromSeconds(1), ct));
                }
            },
            BeforeComplete = (_, _) =>
            {
                completed.TrySetResult();
                return Task.CompletedTask;
            },
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
        {
            o.Backpressure = BackpressurePolicy.Wait;
            o.WriteQueueCapacity = 1;
            o.WriteBatchSize = 1;
        });
        var session = host.Sessions.StartSession("agent", "race");
        await session.RecordAsync(new NoteEvent { Text = "first" });
        await firstWrite.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The queue's one room is held by the event being written, so this one waits for room.
        var waiting = session.RecordAsync(new NoteEvent { Text = "waiting" }).AsTask();
        Assert.False(waiting.IsCompleted);
        var completing = session.CompleteAsync();
        releaseFirst.SetResult();
        var refused = await Record.ExceptionAsync(() => waiting);
        await completing.WithinAsync("the completion");

        await AssertStoredOrRefusedAsync(host.Store, session, refused, "waiting", before: "first");
    }

    [Fact]
    public async Task A_chat_call_waiting_for_room_when_another_thread_completes_is_stored_before_the_end()
    {
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore
        {
            BeforeWrite = async (batch, ct) =>
            {
                if (batch.Events.Any(e => e is NoteEvent { Text: "first" }))
                {
                    firstWrite.TrySetResult();
                    await releaseFirst.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
                }
                else if (batch.Events.Any(e => e is ModelResponseEvent))
                {
                    await Task.WhenAny(completed.Task, Task.Delay(TimeSpan.FromSeconds(1), ct));
                }
            },
            BeforeComplete = (_, _) =>
            {
                completed.TrySetResult();
                return Task.CompletedTask;
            },
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
        {
            o.Backpressure = BackpressurePolicy.Wait;
            o.WriteQueueCapacity = 1;
            o.WriteBatchSize = 1;
        });
        var session = host.Sessions.StartSession("agent", "race");
        await session.RecordAsync(new NoteEvent { Text = "first" });
        await firstWrite.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // UseDreaming() records the call on the session; it waits for the room the event being written holds.
        var chatting = host.Chat.GetResponseAsync("hello");
        Assert.False(chatting.IsCompleted);
        var completing = session.CompleteAsync();
        releaseFirst.SetResult();
        await chatting.WithinAsync("the chat call");
        await completing.WithinAsync("the completion");

        var events = await host.Store.GetEventsAsync(session.Id);
        Assert.Contains(events, e => e is ModelResponseEvent);
        Assert.Equal(1, session.Usage.ModelCalls);
        Assert.Equal(0, (await host.Store.GetSessionAsync(session.Id))!.DroppedEventCount);
        Assert.Equal(0, session.DroppedEventCount);
    }

    [Fact]
    public async Task A_completion_waiting_for_a_racing_event_honours_its_token_and_leaves_the_session_running()
    {
        using var clock = new PausingClock();
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: d => d.Services.AddSingleton<TimeProvider>(clock));
        var session = host.Sessions.StartSession("agent", "race");
        var recording = Task.Run(async () =>
        {
            clock.PauseHere();
            await session.RecordAsync(new NoteEvent { Text = "racing" });
        });
        await clock.Reached.WaitAsync(TimeSpan.FromSeconds(10));

        using var cts = new CancellationTokenSource();
        var completing = session.CompleteAsync(SessionStatus.Completed, null, cts.Token);
        Assert.False(completing.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completing);
        Assert.Equal(SessionStatus.Running, session.Status);

        // Nothing was written, so the session can be completed again, with the event.
        clock.Release();
        await recording.WithinAsync("the recording");
        await session.CompleteAsync().WithinAsync("the second completion");
        Assert.Equal(["racing"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
        Assert.Equal(SessionStatus.Completed, (await host.Store.GetSessionAsync(session.Id))!.Status);
    }

    internal static async Task AssertStoredOrRefusedAsync(ITraceStore store, IAgentSession session, Exception? refused, string text, string before = "before")
    {
        var stored = await store.GetSessionAsync(session.Id);
        Assert.Equal(SessionStatus.Completed, stored!.Status);
        var texts = (await store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text).ToArray();
        if (refused is null)
        {
            // RecordAsync returned, so the event is in the session, and nothing was counted as dropped.
            Assert.Equal([before, text], texts);
        }
        else
        {
            Assert.Contains(session.Id, Assert.IsType<SessionStateException>(refused).Message, StringComparison.Ordinal);
            Assert.Equal([before], texts);
        }

        Assert.Equal(0, stored.DroppedEventCount);
        Assert.Equal(0, session.DroppedEventCount);
    }
}
