using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Dreaming.Tests;

/// <summary>The tests whose writers drop events because their queue is full: dreaming.events.dropped is process-wide, and
/// these tests sum its 'queue_full' measurements, so they do not run beside each other.</summary>
[CollectionDefinition(QueueFullDrops, DisableParallelization = true)]
public sealed class QueueFullDropTests
{
    /// <summary>The collection's name.</summary>
    public const string QueueFullDrops = "queue_full drops";
}

[Collection(QueueFullDropTests.QueueFullDrops)]
public class BackpressureTests
{
    [Fact]
    public async Task Drop_policy_counts_dropped_events_on_the_session_and_in_metrics()
    {
        using var release = new ManualResetEventSlim(false);
        var store = new HookedTraceStore { BeforeWrite = (_, _) => Task.Run(() => release.Wait(TimeSpan.FromSeconds(10))) };
        using var dropped = new MetricCollector<long>(null, DreamingTelemetry.SourceName, DreamingTelemetry.EventsDroppedMetric);
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
        {
            o.Backpressure = BackpressurePolicy.Drop;
            o.WriteQueueCapacity = 10;
            o.WriteBatchSize = 5;
        });
        await using var session = host.Sessions.StartSession("agent", "flood");

        for (var i = 0; i < 100; i++)
        {
            await session.RecordAsync(new NoteEvent { Text = "n" + i });
        }

        Assert.InRange(session.DroppedEventCount, 80, 90);
        release.Set();
        await session.CompleteAsync();

        var stored = await host.Store.GetSessionAsync(session.Id);
        Assert.Equal(session.DroppedEventCount, stored!.DroppedEventCount);
        Assert.Equal(100 - stored.DroppedEventCount, stored.EventCount);
        Assert.Equal(session.DroppedEventCount, QueueFullDrops(dropped));
    }

    [Fact]
    public async Task Drop_policy_counts_a_dropped_call_larger_than_the_queue_as_all_its_events()
    {
        using var release = new ManualResetEventSlim(false);
        var store = new HookedTraceStore { BeforeWrite = (_, _) => Task.Run(() => release.Wait(TimeSpan.FromSeconds(10))) };
        using var dropped = new MetricCollector<long>(null, DreamingTelemetry.SourceName, DreamingTelemetry.EventsDroppedMetric);
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
        {
            o.Backpressure = BackpressurePolicy.Drop;
            o.WriteQueueCapacity = 4;
            o.WriteBatchSize = 2;
        });
        var history = Enumerable.Range(0, 20).Select(i => new ChatMessage(ChatRole.User, "question " + i)).ToList();
        string full;
        await using (var session = host.Sessions.StartSession("agent", "queue full"))
        {
            // Four notes fill the queue while the store is held; the call (20 messages, a reply, the response) is dropped.
            for (var i = 0; i < 4; i++)
            {
                await session.RecordAsync(new NoteEvent { Text = "n" + i });
            }

            Assert.Equal(0, session.DroppedEventCount);
            await host.Chat.GetResponseAsync(history);
            release.Set();
            await session.CompleteAsync();
            full = session.Id;
        }

        // The same call with room to spare: the events the dropped one stood for.
        await using var kept = host.Sessions.StartSession("agent", "room");
        await host.Chat.GetResponseAsync(history);
        await kept.CompleteAsync();
        var callEvents = (await host.Store.GetSessionAsync(kept.Id))!.EventCount;
        Assert.Equal(22, callEvents);

        var stored = (await host.Store.GetSessionAsync(full))!;
        Assert.Equal(callEvents, stored.DroppedEventCount);
        Assert.Equal(4, stored.EventCount);
        Assert.Equal(callEvents, QueueFullDrops(dropped));
    }

    [Fact]
    public async Task Wait_policy_loses_nothing_and_never_holds_more_than_the_capacity()
    {
        var writer = default(TraceWriter);
        long maxQueued = 0;
        var store = new HookedTraceStore
        {
            BeforeWrite = async (_, ct) =>
            {
                maxQueued = Math.Max(maxQueued, writer!.QueuedEvents);
                await Task.Delay(2, ct);
            },
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
        {
            o.WriteQueueCapacity = 16;
            o.WriteBatchSize = 8;
        });
        writer = (TraceWriter)host.Services.GetService(typeof(TraceWriter))!;
        await using var session = host.Sessions.StartSession("agent", "flood");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await session.RecordAsync(new NoteEvent { Text = $"w{w}-{i}" });
            }
        })));
        await session.CompleteAsync();

        Assert.Equal(0, session.DroppedEventCount);
        var events = await host.Store.GetEventsAsync(session.Id);
        Assert.Equal(400, events.Count);
        Assert.Equal(400, events.Select(e => e.Sequence).Distinct().Count());
        Assert.InRange(maxQueued, 1, 16);
    }

    [Fact]
    public async Task Wait_policy_honours_cancellation_while_waiting_for_room()
    {
        using var release = new ManualResetEventSlim(false);
        var store = new HookedTraceStore { BeforeWrite = (_, _) => Task.Run(() => release.Wait(TimeSpan.FromSeconds(10))) };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o => o.WriteQueueCapacity = 2);
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.RecordAsync(new NoteEvent { Text = "1" });
        await session.RecordAsync(new NoteEvent { Text = "2" });

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var waits = Enumerable.Range(0, 3).Select(_ => session.RecordAsync(new NoteEvent { Text = "x" }, cts.Token).AsTask()).ToArray();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(waits));
        release.Set();
        await session.CompleteAsync();
    }

    [Fact]
    public async Task An_event_waiting_for_room_when_the_writer_is_disposed_is_still_written()
    {
        for (var round = 0; round < 5; round++)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var store = new HookedTraceStore { BeforeWrite = (batch, _) => batch.Events.Count > 0 ? gate.Task : Task.CompletedTask };
            await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
            {
                o.WriteQueueCapacity = 1;
                o.WriteBatchSize = 1;
            });
            var writer = (TraceWriter)host.Services.GetService(typeof(TraceWriter))!;
            var session = host.Sessions.StartSession("agent", "task");
            await session.RecordAsync(new NoteEvent { Text = "first" });
            var second = session.RecordAsync(new NoteEvent { Text = "second" }).AsTask();
            await Task.Delay(50);
            Assert.False(second.IsCompleted);

            var disposing = writer.DisposeAsync().AsTask();
            gate.SetResult();
            await disposing;
            await second;

            Assert.Equal(["first", "second"], (await store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
            Assert.Equal(0, session.DroppedEventCount);
            Assert.Equal(0, writer.QueuedEvents);
        }
    }

    [Fact]
    public async Task Events_and_flushes_racing_the_writer_disposal_are_written_or_refused_never_lost()
    {
        for (var round = 0; round < 50; round++)
        {
            var store = new HookedTraceStore();
            await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store, options: o =>
            {
                o.WriteQueueCapacity = 4;
                o.WriteBatchSize = 2;
            });
            var writer = (TraceWriter)host.Services.GetService(typeof(TraceWriter))!;
            var session = host.Sessions.StartSession("agent", "task");
            var recorded = 0;
            using var start = new ManualResetEventSlim(false);
            var recorders = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                for (var i = 0; i < 200; i++)
                {
                    await session.RecordAsync(new NoteEvent { Text = "n" });
                    Interlocked.Increment(ref recorded);
                }
            })).ToArray();
            var flusher = Task.Run(async () =>
            {
                start.Wait();
                for (var i = 0; i < 200; i++)
                {
                    try
                    {
                        await writer.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
            });

            start.Set();
            await Task.Delay(round % 5);
            await writer.DisposeAsync();
            await Task.WhenAll(recorders);
            await flusher;

            var stored = (await store.GetEventsAsync(session.Id)).Count;
            Assert.Equal(recorded, stored + session.DroppedEventCount);
            Assert.Equal(0, writer.QueuedEvents);
        }
    }

    [Fact]
    public async Task Transient_store_failures_are_retried_and_lose_nothing()
    {
        var failures = 2;
        var store = new HookedTraceStore
        {
            BeforeWrite = (_, _) => Interlocked.Decrement(ref failures) >= 0 ? throw new IOException("disk busy") : Task.CompletedTask,
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store);
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.RecordAsync(new NoteEvent { Text = "kept" });
        await session.CompleteAsync();

        Assert.Single(await host.Store.GetEventsAsync(session.Id));
        Assert.Equal(0, (await host.Store.GetSessionAsync(session.Id))!.DroppedEventCount);
    }

    [Fact]
    public async Task A_session_the_store_rejects_does_not_take_other_sessions_down()
    {
        var store = new HookedTraceStore
        {
            BeforeWrite = (batch, _) => batch.Events.Any(e => e is NoteEvent { Text: "poison" })
                ? throw new SessionStateException("rejected")
                : Task.CompletedTask,
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), store: store);
        var good = host.Sessions.StartSession("agent", "good");
        await good.RecordAsync(new NoteEvent { Text = "fine" });
        await good.DisposeAsync();
        await using var bad = host.Sessions.StartSession("agent", "bad");
        await bad.RecordAsync(new NoteEvent { Text = "poison" });
        await bad.RecordAsync(new NoteEvent { Text = "poison" });
        await bad.CompleteAsync();

        Assert.Single(await host.Store.GetEventsAsync(good.Id));
        Assert.Equal(2, (await host.Store.GetSessionAsync(bad.Id))!.DroppedEventCount);
    }

    // The metric is process-wide and other test classes run in parallel, dropping events of their own (writer stopped,
    // store or redaction errors); only this class uses the Drop policy, so only its drops are 'queue_full'.
    private static long QueueFullDrops(MetricCollector<long> dropped) => dropped.GetMeasurementSnapshot()
        .Where(m => m.Tags.TryGetValue(DreamingTelemetry.Attributes.DropReason, out var reason) && Equals(reason, "queue_full"))
        .Sum(m => m.Value);
}
