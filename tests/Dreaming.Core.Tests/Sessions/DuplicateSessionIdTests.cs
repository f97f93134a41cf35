using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Dreaming.Tests;

/// <summary>A session started with an explicit id that another session (of this or another process) already has is never
/// created, and must not write into, or end, the session that owns the id.</summary>
public sealed class DuplicateSessionIdTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_second_session_with_a_running_sessions_id_neither_appends_to_it_nor_ends_it()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var first = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "first", SessionId = "conv-1" });
        await first.RecordAsync(new NoteEvent { Text = "a1" });
        await first.RecordAsync(new NoteEvent { Text = "a2" });
        await WaitForEventsAsync(host.Store, "conv-1", 2);

        // The same id again (a retried request, or another process on the same file): more events than the first has.
        await using var second = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "second", SessionId = "conv-1" });
        for (var i = 0; i < 5; i++)
        {
            await second.RecordAsync(new NoteEvent { Text = "b" + i });
        }

        var error = await Assert.ThrowsAsync<SessionStateException>(() => second.CompleteAsync(SessionStatus.Failed));
        Assert.Contains("conv-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, second.DroppedEventCount);

        await first.RecordAsync(new NoteEvent { Text = "a3" });
        await first.CompleteAsync();
        var stored = (await host.Store.GetSessionAsync("conv-1"))!;
        Assert.Equal((SessionStatus.Completed, "first", 3L, 0L), (stored.Status, stored.Task, stored.EventCount, stored.DroppedEventCount));
        Assert.Equal(["a1", "a2", "a3"], (await host.Store.GetEventsAsync("conv-1")).Cast<NoteEvent>().Select(e => e.Text));
    }

    [Fact]
    public async Task Two_sessions_with_one_id_written_in_one_batch_keep_the_first_and_count_the_seconds_events_on_it()
    {
        using var release = new ManualResetEventSlim(false);
        var held = 0;
        var store = new HookedTraceStore
        {
            // The first write (a session started to hold the writer) waits, so everything after it lands in one batch.
            BeforeWrite = (_, _) => Interlocked.Exchange(ref held, 1) == 0 ? Task.Run(() => release.Wait(Patience)) : Task.CompletedTask,
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store);
        await using var holder = host.Sessions.StartSession("agent", "holder");
        await WaitUntilAsync(() => Volatile.Read(ref held) == 1);

        await using var first = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "first", SessionId = "conv-2" });
        await using var second = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "second", SessionId = "conv-2" });
        await first.RecordAsync(new NoteEvent { Text = "a1" });
        await second.RecordAsync(new NoteEvent { Text = "b1" });
        await first.RecordAsync(new NoteEvent { Text = "a2" });
        await second.RecordAsync(new NoteEvent { Text = "b2" });
        await second.RecordAsync(new NoteEvent { Text = "b3" });
        release.Set();

        await Assert.ThrowsAsync<SessionStateException>(() => second.CompleteAsync());
        await first.CompleteAsync();

        Assert.Equal(3, second.DroppedEventCount);
        var stored = (await host.Store.GetSessionAsync("conv-2"))!;
        Assert.Equal((SessionStatus.Completed, "first", 0L), (stored.Status, stored.Task, stored.DroppedEventCount));
        Assert.Equal(["a1", "a2"], (await host.Store.GetEventsAsync("conv-2")).Cast<NoteEvent>().Select(e => e.Text));
    }

    [Fact]
    public async Task A_session_reusing_the_id_of_an_ended_one_reports_it_was_never_created()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using (var turn = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "turn 1", SessionId = "conv-3" }))
        {
            await turn.RecordAsync(new NoteEvent { Text = "t1" });
            await turn.CompleteAsync();
        }

        await using var again = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "turn 2", SessionId = "conv-3" });
        await again.RecordAsync(new NoteEvent { Text = "t2" });
        var error = await Assert.ThrowsAsync<SessionStateException>(() => again.CompleteAsync());

        Assert.Contains("could not be created", error.Message, StringComparison.Ordinal);
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, again.DroppedEventCount);
        Assert.Equal(["t1"], (await host.Store.GetEventsAsync("conv-3")).Cast<NoteEvent>().Select(e => e.Text));
    }

    [Fact]
    public async Task A_session_whose_creation_failed_otherwise_is_reported_not_found_and_its_events_dropped()
    {
        var store = new HookedTraceStore
        {
            BeforeWrite = (batch, _) => batch.NewSessions.Any(s => s.Id == "locked")
                ? Task.FromException(new TraceStoreException("Cannot write to the trace store 'x.db': the database is locked by another connection or process."))
                : Task.CompletedTask,
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store);
        await using var session = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "task", SessionId = "locked" });
        await session.RecordAsync(new NoteEvent { Text = "lost" });

        var error = await Assert.ThrowsAsync<SessionNotFoundException>(() => session.CompleteAsync());

        Assert.Contains("'locked' does not exist: creating it in the trace store failed", error.Message, StringComparison.Ordinal);
        Assert.IsType<TraceStoreException>(error.InnerException);
        Assert.Equal(1, session.DroppedEventCount);
    }

    [Fact]
    public async Task Disposing_a_session_whose_id_was_refused_logs_the_refusal_once()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: d => d.Services.AddFakeLogging());
        await using var first = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "first", SessionId = "conv-4" });
        await first.RecordAsync(new NoteEvent { Text = "a1" });
        await WaitForEventsAsync(host.Store, "conv-4", 1);
        var second = host.Sessions.StartSession(new AgentSessionOptions { AgentId = "agent", Task = "second", SessionId = "conv-4" });
        await second.RecordAsync(new NoteEvent { Text = "b1" });

        // Disposal waits for the creation to be written (and refused) before it gives up abandoning the session.
        await second.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // The writer logged the refusal (naming the session); that disposal could not abandon it follows from it.
        var errors = host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Level >= LogLevel.Error).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(2, error.Id.Id);
        Assert.Contains("conv-4", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, second.DroppedEventCount);
        Assert.Equal(SessionStatus.Running, (await host.Store.GetSessionAsync("conv-4"))!.Status);
    }

    private static Task WaitForEventsAsync(ITraceStore store, string sessionId, long count) =>
        WaitUntilAsync(() => store.GetSessionAsync(sessionId).Result?.EventCount == count);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not reached in time");
            await Task.Delay(5);
        }
    }
}
