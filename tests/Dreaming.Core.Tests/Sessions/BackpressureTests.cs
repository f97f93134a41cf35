using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Dreaming.Tests;

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
        Assert.Equal(session.DroppedEventCount, dropped.GetMeasurementSnapshot().Where(m => m.Tags.ContainsKey(DreamingTelemetry.Attributes.DropReason)).Sum(m => m.Value));
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
}
