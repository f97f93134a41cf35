using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>An agent call that a timeout abandoned (the agent ignores its token) still counts against MaxConcurrency
/// until it really ends, or until its item's timeout has passed once more; the run never waits for it at its end.</summary>
public sealed class HeldAttemptTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_next_item_starts_only_once_the_timed_out_call_has_really_ended()
    {
        var time = new FakeTimeProvider(s_start);
        var heard = new TimedOutObserver();
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0, time: time);
        var slowCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowEnded = false;
        var slowRunningWhenQuickStarted = true;
        var agent = OrchestrationHarness.Agent("worker", async (context, _) =>
        {
            if (context.Item.Id == "slow")
            {
                slowCalled.TrySetResult();
                // Ignores its token: ends 15 s of fake time after its 30 s timeout.
                await Task.Delay(TimeSpan.FromSeconds(45), time, CancellationToken.None);
                Volatile.Write(ref slowEnded, true);
                return new WorkItemReply("late");
            }

            slowRunningWhenQuickStarted = !Volatile.Read(ref slowEnded);
            return new WorkItemReply("quick");
        });
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("slow") with { Timeout = TimeSpan.FromSeconds(30) }, OrchestrationHarness.Item("quick"));

        var running = host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [agent], Observer = heard, FailurePolicy = OrchestrationFailurePolicy.SkipDependents });
        await slowCalled.Task.WaitAsync(Bound);
        time.Advance(TimeSpan.FromSeconds(30));
        await heard.TimedOut.Task.WaitAsync(Bound);
        time.Advance(TimeSpan.FromSeconds(15));
        var run = await running.WaitAsync(Bound);

        Assert.Equal(OrchestrationStatus.Failed, run.Status);
        Assert.Equal(WorkItemStatus.TimedOut, run.Items.Single(i => i.Id == "slow").Status);
        var quick = run.Items.Single(i => i.Id == "quick");
        Assert.Equal(WorkItemStatus.Completed, quick.Status);
        Assert.False(slowRunningWhenQuickStarted);
        Assert.Equal(s_start + TimeSpan.FromSeconds(45), quick.StartedAt);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_timed_out_call_that_never_ends_is_written_off_after_its_timeout_passes_again()
    {
        var time = new FakeTimeProvider(s_start);
        var heard = new TimedOutObserver();
        var never = new TaskCompletionSource<WorkItemReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0, time: time);
        var agent = OrchestrationHarness.Agent("worker", (context, _) => context.Item.Id == "stuck" ? never.Task : Task.FromResult(new WorkItemReply("quick")));
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("stuck") with { Timeout = TimeSpan.FromSeconds(30) }, OrchestrationHarness.Item("quick"));
        try
        {
            var running = host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [agent], Observer = heard, FailurePolicy = OrchestrationFailurePolicy.SkipDependents });
            time.Advance(TimeSpan.FromSeconds(30));
            await heard.TimedOut.Task.WaitAsync(Bound);
            time.Advance(TimeSpan.FromSeconds(29));
            Assert.False(running.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(1));
            var run = await running.WaitAsync(Bound);

            var quick = run.Items.Single(i => i.Id == "quick");
            Assert.Equal(WorkItemStatus.Completed, quick.Status);
            Assert.Equal(s_start + TimeSpan.FromSeconds(60), quick.StartedAt);
            await host.AssertNoSessionRunningAsync();
        }
        finally
        {
            never.TrySetResult(new WorkItemReply("too late"));
        }
    }

    [Fact]
    public async Task A_retry_waits_for_its_timed_out_call_to_end_before_calling_the_agent_again()
    {
        var time = new FakeTimeProvider(s_start);
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1, time: time);
        var firstCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var inFlight = 0;
        var maxInFlight = 0;
        var agent = OrchestrationHarness.Agent("worker", async (_, ct) =>
        {
            var call = Interlocked.Increment(ref calls);
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            try
            {
                if (call == 1)
                {
                    ct.Register(() => firstCancelled.TrySetResult());
                    // Ignores its token: ends 15 s of fake time after its 30 s timeout.
                    await Task.Delay(TimeSpan.FromSeconds(45), time, CancellationToken.None);
                    return new WorkItemReply("late");
                }

                return new WorkItemReply("second");
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        });

        var running = host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a") with { Timeout = TimeSpan.FromSeconds(30) }), agent);
        time.Advance(TimeSpan.FromSeconds(30));
        await firstCancelled.Task.WaitAsync(Bound);
        // Fake time moves on a second at a time (the retry's delay timer fires on it), up to just before the first
        // call ends: a retry that did not wait would call the agent meanwhile. The pauses only pace the loop.
        while (Volatile.Read(ref calls) < 2 && time.GetUtcNow() < s_start + TimeSpan.FromSeconds(44))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        time.Advance(s_start + TimeSpan.FromSeconds(45) - time.GetUtcNow());
        var run = await running.WaitAsync(Bound);

        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.Completed, item.Status);
        Assert.Equal("second", item.Output);
        Assert.Equal(2, item.Attempts);
        Assert.Equal(1, maxInFlight);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_retry_that_waited_for_a_place_until_the_held_call_was_written_off_still_gets_its_whole_timeout()
    {
        var time = new FakeTimeProvider(s_start);
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1, time: time);
        var never = new TaskCompletionSource<WorkItemReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", async (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // Ignores its token and never ends: abandoned at its 300 s timeout, written off 300 s later.
                return await never.Task;
            }

            // The retry needs half its timeout, ignoring its token too: it completes only if its timeout was not
            // spent waiting for the place the first call held.
            await Task.Delay(TimeSpan.FromSeconds(150), time, CancellationToken.None);
            return new WorkItemReply("second");
        });
        try
        {
            var running = host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a") with { Timeout = TimeSpan.FromSeconds(300) }), agent);
            // Fake time moves on two seconds at a time, so each timer fires at about the fake time it is due whenever
            // it was armed; the pauses only pace the loop (the item ends well before the bound).
            while (!running.IsCompleted && time.GetUtcNow() < s_start + TimeSpan.FromHours(1))
            {
                time.Advance(TimeSpan.FromSeconds(2));
                await Task.Delay(5);
            }

            var run = await running.WaitAsync(Bound);

            var item = Assert.Single(run.Items);
            Assert.Equal(WorkItemStatus.Completed, item.Status);
            Assert.Equal("second", item.Output);
            Assert.Equal(2, item.Attempts);
            await host.AssertNoSessionRunningAsync();
        }
        finally
        {
            never.TrySetResult(new WorkItemReply("too late"));
        }
    }

    [Fact]
    public async Task Cancelling_the_run_while_a_retry_waits_for_the_held_place_ends_it_at_once()
    {
        var time = new FakeTimeProvider(s_start);
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1, time: time, services: s => s.AddFakeLogging().AddLogging(b => b.SetMinimumLevel(LogLevel.Debug)));
        var never = new TaskCompletionSource<WorkItemReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, ct) =>
        {
            Interlocked.Increment(ref calls);
            ct.Register(() => firstCancelled.TrySetResult());
            return never.Task;
        });
        using var cts = new CancellationTokenSource();
        try
        {
            var running = host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a") with { Timeout = TimeSpan.FromSeconds(30) }), agent, cancellationToken: cts.Token);
            time.Advance(TimeSpan.FromSeconds(30));
            await firstCancelled.Task.WaitAsync(Bound);

            // The retry waits for the place its first call holds until 60 s of fake time, which never comes. Cancelled
            // only once it says so (event 84): cancelled before, the timed-out attempt is simply not retried.
            await WaitForLogAsync(host.Services.GetFakeLogCollector(), 84);
            await cts.CancelAsync();
            var run = await running.WaitAsync(Bound);

            Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
            Assert.Equal(WorkItemStatus.Cancelled, Assert.Single(run.Items).Status);
            Assert.Equal(1, Volatile.Read(ref calls));
            await host.AssertNoSessionRunningAsync();
        }
        finally
        {
            never.TrySetResult(new WorkItemReply("too late"));
        }
    }

    [Fact]
    public async Task Cancelling_the_run_while_a_ready_item_waits_for_a_held_place_ends_it_at_once()
    {
        var time = new FakeTimeProvider(s_start);
        var heard = new TimedOutObserver();
        var never = new TaskCompletionSource<WorkItemReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var quickCalled = false;
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0, time: time);
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            if (context.Item.Id == "stuck")
            {
                return never.Task;
            }

            quickCalled = true;
            return Task.FromResult(new WorkItemReply("quick"));
        });
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("stuck") with { Timeout = TimeSpan.FromSeconds(30) }, OrchestrationHarness.Item("quick"));
        using var cts = new CancellationTokenSource();
        try
        {
            var running = host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [agent], Observer = heard, FailurePolicy = OrchestrationFailurePolicy.SkipDependents }, cts.Token);
            time.Advance(TimeSpan.FromSeconds(30));
            await heard.TimedOut.Task.WaitAsync(Bound);

            // 'quick' is ready but the abandoned call holds the only place (written off only at 60 s of fake time,
            // which never comes): the cancellation alone must end the run.
            await cts.CancelAsync();
            var run = await running.WaitAsync(Bound);

            Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
            Assert.Equal(WorkItemStatus.NotStarted, run.Items.Single(i => i.Id == "quick").Status);
            Assert.False(quickCalled);
            await host.AssertNoSessionRunningAsync();
        }
        finally
        {
            never.TrySetResult(new WorkItemReply("too late"));
        }
    }

    [Fact]
    public async Task The_run_disposes_the_write_off_timer_of_a_call_still_held_when_it_returns()
    {
        var time = new TimerCountingClock(new FakeTimeProvider(s_start));
        var never = new TaskCompletionSource<WorkItemReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0, time: time);
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            called.TrySetResult();
            return never.Task;
        });
        try
        {
            var running = host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("stuck") with { Timeout = TimeSpan.FromSeconds(30) }), agent);
            await called.Task.WaitAsync(Bound);
            time.Inner.Advance(TimeSpan.FromSeconds(30));
            var run = await running.WaitAsync(Bound);

            Assert.Equal(WorkItemStatus.TimedOut, Assert.Single(run.Items).Status);
            // The abandoned call still runs, but the run has returned: no timer of its (the write-off's, due at 60 s)
            // is left armed, holding the run until it fires.
            Assert.Equal(0, time.Live);
        }
        finally
        {
            never.TrySetResult(new WorkItemReply("too late"));
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var was && was != seen)
        {
            seen = was;
        }
    }

    /// <summary>A fake clock that counts its timers not yet disposed.</summary>
    private sealed class TimerCountingClock(FakeTimeProvider inner) : TimeProvider
    {
        private int _live;

        public FakeTimeProvider Inner => inner;

        public int Live => Volatile.Read(ref _live);

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _live);
            return new Counted(this, inner.CreateTimer(callback, state, dueTime, period));
        }

        private sealed class Counted(TimerCountingClock clock, ITimer timer) : ITimer
        {
            private int _disposed;

            public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Decrement(ref clock._live);
                }

                timer.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return default;
            }
        }
    }

    private sealed class TimedOutObserver : IOrchestrationObserver
    {
        public TaskCompletionSource TimedOut { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken)
        {
            if (sessionEvent is OrchestrationItemCompletedEvent { Status: "timed_out" })
            {
                TimedOut.TrySetResult();
            }

            return default;
        }
    }

    private static async Task WaitForLogAsync(FakeLogCollector logs, int id)
    {
        // The retry runs on the thread pool once the timeout has fired: wait for it to say it waits, bounded.
        var deadline = DateTime.UtcNow + Bound;
        while (!logs.GetSnapshot().Any(r => r.Id.Id == id))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no log with event id {id} within {Bound}");
            await Task.Delay(5);
        }
    }
}
