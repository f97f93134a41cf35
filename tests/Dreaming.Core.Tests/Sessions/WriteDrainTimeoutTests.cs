using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>DreamingOptions.WriteDrainTimeout: a store that never returns no longer holds the writer's disposal, and so the
/// host's, for ever; what was not written is counted as dropped and logged, and no session waiting for it is reported ended.</summary>
public sealed class WriteDrainTimeoutTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Disposal_stops_waiting_for_a_store_that_never_returns_and_counts_what_was_not_written(bool honoursToken)
    {
        var clock = new FakeTimeProvider();
        var entered = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writesBeforeHang = 0;
        HookedTraceStore? store = null;
        store = new HookedTraceStore
        {
            // Never returns by itself: either it ignores its token (released only at the end, so the writer's loop can
            // end), or the cancellation at the timeout ends it, and the batch must still be counted once, not retried.
            // A batch of the session's start alone (the writer can take it before the first event is recorded, as it
            // did under load) is written: the hang is the first batch with events, so "a" is among what is dropped.
            BeforeWrite = async (batch, ct) =>
            {
                if (batch.Events.Count == 0)
                {
                    return;
                }

                Volatile.Write(ref writesBeforeHang, Volatile.Read(ref store!.WriteCalls) - 1);
                entered.TrySetResult(batch.Events.Count);
                await (honoursToken ? never.Task.WaitAsync(ct) : never.Task);
            },
        };
        long droppedByMetric = 0;
        using var listener = DrainTimeoutDrops(count => Interlocked.Add(ref droppedByMetric, count));
        await using var host = TracingHost.Create(
            FakeChatClient.Echo(),
            store: store,
            options: o => o.WriteDrainTimeout = TimeSpan.FromSeconds(5),
            dreaming: d => d.Services.AddSingleton<TimeProvider>(clock).AddFakeLogging());
        try
        {
            var session = host.Sessions.StartSession("agent", "shutdown");
            await session.RecordAsync(new NoteEvent { Text = "a" });
            var inStore = await entered.Task.WaitAsync(Bounded.Patience);
            await session.RecordAsync(new NoteEvent { Text = "b" });
            await session.RecordAsync(new NoteEvent { Text = "c" });
            var completing = session.CompleteAsync();

            var disposing = host.Services.GetRequiredService<TraceWriter>().DisposeAsync().AsTask();
            clock.Advance(TimeSpan.FromSeconds(4));
            Assert.False(disposing.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(1));
            await disposing.WithinAsync("the writer's disposal");

            // The completion waiting for its events fails; the session is not reported ended.
            await Assert.ThrowsAsync<ObjectDisposedException>(() => completing.WaitAsync(Bounded.Patience));
            Assert.Equal(SessionStatus.Running, session.Status);
            var notWritten = inStore + 2;
            Assert.Equal(notWritten, session.DroppedEventCount);
            listener.RecordObservableInstruments();
            Assert.Equal(notWritten, Interlocked.Read(ref droppedByMetric));
            var logged = Assert.Single(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 5);
            Assert.Equal(LogLevel.Error, logged.Level);
            Assert.Contains($"{notWritten} events were not written", logged.Message, StringComparison.Ordinal);
            Assert.Contains("WriteDrainTimeout", logged.Message, StringComparison.Ordinal);
            if (honoursToken)
            {
                // The cancelled write ends the writer's loop without a further write, and nothing more is counted.
                await host.Services.GetRequiredService<TraceWriter>().Loop.WithinAsync("the writer's loop");
                Assert.Equal(Volatile.Read(ref writesBeforeHang) + 1, Volatile.Read(ref store.WriteCalls));
                Assert.Equal(notWritten, session.DroppedEventCount);
            }
        }
        finally
        {
            never.TrySetResult();
        }
    }

    [Fact]
    public async Task A_batch_being_written_per_session_when_disposal_gives_up_is_counted_once_and_not_written_further()
    {
        var clock = new FakeTimeProvider();
        var entered = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var eventWrites = 0;
        var store = new HookedTraceStore
        {
            // The batch fails (not transient), so the writer writes it again per session; that write of the session's
            // events hangs (a store gone at shutdown), and fails once released, as a store does after a disposal's cancel.
            BeforeWrite = async (batch, _) =>
            {
                if (batch.Events.Count == 0)
                {
                    return;
                }

                if (Interlocked.Increment(ref eventWrites) == 1)
                {
                    throw new ArgumentException("the store refuses this batch");
                }

                entered.TrySetResult(batch.Events.Count);
                await release.Task;
                throw new InvalidOperationException("the store's connection was closed");
            },
        };
        long droppedByMetric = 0;
        using var listener = DrainTimeoutDrops(count => Interlocked.Add(ref droppedByMetric, count));
        await using var host = TracingHost.Create(
            FakeChatClient.Echo(),
            store: store,
            options: o => o.WriteDrainTimeout = TimeSpan.FromSeconds(5),
            dreaming: d => d.Services.AddSingleton<TimeProvider>(clock).AddFakeLogging());
        try
        {
            var session = host.Sessions.StartSession("agent", "shutdown");
            await session.RecordAsync(new NoteEvent { Text = "a" });
            var inStore = await entered.Task.WaitAsync(Bounded.Patience);
            await session.RecordAsync(new NoteEvent { Text = "b" });

            var writer = host.Services.GetRequiredService<TraceWriter>();
            var disposing = writer.DisposeAsync().AsTask();
            clock.Advance(TimeSpan.FromSeconds(5));
            await disposing.WithinAsync("the writer's disposal");
            var notWritten = inStore + 1;
            Assert.Equal(notWritten, session.DroppedEventCount);

            // The per-session write returns (failing) after disposal counted its events: they are not counted again
            // (store_error), and nothing else of the batch is written.
            var writes = Volatile.Read(ref store.WriteCalls);
            release.SetResult();
            await writer.Loop.WithinAsync("the writer's loop");
            Assert.Equal(notWritten, session.DroppedEventCount);
            Assert.Equal(writes, Volatile.Read(ref store.WriteCalls));
            listener.RecordObservableInstruments();
            Assert.Equal(notWritten, Interlocked.Read(ref droppedByMetric));
            Assert.DoesNotContain(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 3);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task By_default_disposal_waits_for_the_store_however_long_it_takes()
    {
        var clock = new FakeTimeProvider();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore
        {
            BeforeWrite = async (_, _) =>
            {
                entered.TrySetResult();
                await release.Task;
            },
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, dreaming: d => d.Services.AddSingleton<TimeProvider>(clock));
        var session = host.Sessions.StartSession("agent", "shutdown");
        await session.RecordAsync(new NoteEvent { Text = "a" });
        await entered.Task.WaitAsync(Bounded.Patience);
        await session.RecordAsync(new NoteEvent { Text = "b" });

        var disposing = host.Services.GetRequiredService<TraceWriter>().DisposeAsync().AsTask();
        clock.Advance(TimeSpan.FromDays(30));
        Assert.False(disposing.IsCompleted);
        release.SetResult();
        await disposing.WithinAsync("the writer's disposal");

        Assert.Equal(["a", "b"], (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
        Assert.Equal(0, session.DroppedEventCount);
    }

    private static MeterListener DrainTimeoutDrops(Action<long> add)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == DreamingTelemetry.SourceName && instrument.Name == DreamingTelemetry.EventsDroppedMetric)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == DreamingTelemetry.Attributes.DropReason && (string?)tag.Value == "drain_timeout")
                {
                    add(value);
                }
            }
        });
        listener.Start();
        return listener;
    }
}
