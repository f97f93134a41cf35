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
        var store = new HookedTraceStore
        {
            // Never returns by itself: either it ignores its token (released only at the end, so the writer's loop can
            // end), or the cancellation at the timeout ends it, and the batch must still be counted once, not retried.
            BeforeWrite = async (batch, ct) =>
            {
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
                Assert.Equal(1, Volatile.Read(ref store.WriteCalls));
                Assert.Equal(notWritten, session.DroppedEventCount);
            }
        }
        finally
        {
            never.TrySetResult();
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
