using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests;

public class DreamScheduleEdgeTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public void A_cron_expression_that_never_occurs_is_refused_naming_it()
    {
        var schedule = new DreamSchedule { Scope = s_scope, Cron = "0 3 30 2 *" };

        var ex = Assert.Throws<ArgumentException>(schedule.Validate);

        Assert.Contains("DreamSchedule.Cron '0 3 30 2 *'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("never", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1_000L)]
    [InlineData(0L)]
    [InlineData(50L * 24 * 3_600_000)]
    public void A_poll_interval_a_timer_cannot_wait_is_refused_naming_it(long milliseconds)
    {
        // PollInterval took any value: zero made the loop spin, a negative one or one over 49.7 days threw from its
        // Task.Delay after the first check, and the failed loop stopped the host.
        var scheduler = new DreamScheduler([], Substitute.For<IDreamConsolidator>(), new InMemoryDreamRunStore(), new InMemoryTraceStore());
        var interval = TimeSpan.FromMilliseconds(milliseconds);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.PollInterval = interval);

        Assert.Equal("value", ex.ParamName);
        Assert.Contains($"DreamScheduler.PollInterval is {interval}; it must be more than zero and at most 49.17:02:47.2940000.", ex.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(1), scheduler.PollInterval);
        scheduler.PollInterval = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
        Assert.Equal(TimeSpan.FromMilliseconds(uint.MaxValue - 1), scheduler.PollInterval);
    }

    [Fact]
    public async Task The_longest_poll_interval_taken_is_one_a_timer_waits_on_the_system_clock_and_a_fake_one()
    {
        // The bound of DreamScheduler.PollInterval, WebhookOptions.PollInterval and SessionRetentionOptions.Interval: a
        // larger one would be taken and then throw from the wait, once the host runs.
        using (var cancel = new CancellationTokenSource())
        {
            var longest = Task.Delay(TimerLimits.LongestWait, TimeProvider.System, cancel.Token);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => longest);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Task.Delay(TimerLimits.LongestWait + TimeSpan.FromMilliseconds(1), TimeProvider.System); });

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        using var scheduler = new DreamScheduler([], Substitute.For<IDreamConsolidator>(), new InMemoryDreamRunStore(), new InMemoryTraceStore(), time)
        {
            PollInterval = TimerLimits.LongestWait,
        };
        await scheduler.StartAsync(CancellationToken.None);
        await WaitForCheckAtAsync(scheduler, start);
        time.Advance(TimerLimits.LongestWait);
        await WaitForCheckAtAsync(scheduler, start + TimerLimits.LongestWait);
        await scheduler.StopAsync(CancellationToken.None);
        Assert.False(scheduler.ExecuteTask!.IsFaulted, scheduler.ExecuteTask.Exception?.ToString());
    }

    private static async Task WaitForCheckAtAsync(DreamScheduler scheduler, DateTimeOffset at)
    {
        for (var waited = 0; scheduler.LastCheck?.At != at; waited += 10)
        {
            Assert.True(waited < 30_000 && !scheduler.ExecuteTask!.IsFaulted, $"No check at {at:O}: {scheduler.ExecuteTask?.Exception}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public void A_schedule_without_a_time_zone_is_refused_naming_the_setting()
    {
        var schedule = new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *", TimeZone = null! };

        var ex = Assert.ThrowsAny<ArgumentException>(schedule.Validate);

        Assert.Contains("DreamSchedule.TimeZone", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clock_set_back_does_not_hold_a_cron_schedule_until_it_catches_up()
    {
        // The host's clock ran a month fast when the scheduler started, then was corrected.
        var clock = new ManualClock { Now = new DateTimeOffset(2026, 12, 25, 2, 0, 0, TimeSpan.Zero) };
        var dreams = Substitute.For<IDreamConsolidator>();
        dreams.DreamAsync(Arg.Any<DreamRunRequest>(), Arg.Any<CancellationToken>()).Returns(call => new DreamRun
        {
            Id = "dr-1",
            Request = call.Arg<DreamRunRequest>(),
            Status = DreamRunStatus.Completed,
            RequestedAt = clock.Now,
        });
        var scheduler = new DreamScheduler([new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" }], dreams, new InMemoryDreamRunStore(clock), new InMemoryTraceStore(), clock);

        Assert.Empty(await scheduler.RunDueAsync());
        clock.Now = new DateTimeOffset(2026, 11, 25, 2, 30, 0, TimeSpan.Zero);
        Assert.Empty(await scheduler.RunDueAsync());
        clock.Now = new DateTimeOffset(2026, 11, 25, 3, 0, 30, TimeSpan.Zero);

        Assert.Single(await scheduler.RunDueAsync());

        // A small step back after an occurrence fired does not fire it twice.
        clock.Now = new DateTimeOffset(2026, 11, 25, 2, 59, 50, TimeSpan.Zero);
        Assert.Empty(await scheduler.RunDueAsync());
        clock.Now = new DateTimeOffset(2026, 11, 25, 3, 1, 0, TimeSpan.Zero);
        Assert.Empty(await scheduler.RunDueAsync());
        clock.Now = new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
        Assert.Single(await scheduler.RunDueAsync());
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
