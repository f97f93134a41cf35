using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>"Every night at 02:30" in a time zone with daylight saving time, a host that was down at the time, and a clock
/// set back: each night dreams once (tzdata's zones by id, as on Linux).</summary>
public class DreamScheduleTimeZoneTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    public static TheoryData<string, DateTimeOffset, DateTimeOffset> SpringForward => new()
    {
        // 2027-03-28 in Berlin: 02:00 CET becomes 03:00 CEST (01:00 UTC), so 02:30 does not exist; the dream is at 03:00.
        { "Europe/Berlin", new DateTimeOffset(2027, 3, 27, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 28, 1, 0, 0, TimeSpan.Zero) },
        // 2027-03-14 in New York: 02:00 EST becomes 03:00 EDT (07:00 UTC).
        { "America/New_York", new DateTimeOffset(2027, 3, 13, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 14, 7, 0, 0, TimeSpan.Zero) },
    };

    public static TheoryData<string, DateTimeOffset, DateTimeOffset> FallBack => new()
    {
        // 2027-10-31 in Berlin: 03:00 CEST becomes 02:00 CET (01:00 UTC), so 02:30 happens at 00:30 and at 01:30 UTC.
        { "Europe/Berlin", new DateTimeOffset(2027, 10, 30, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 10, 31, 0, 30, 0, TimeSpan.Zero) },
        // 2027-11-07 in New York: 02:00 EDT becomes 01:00 EST (06:00 UTC); 01:30 happens at 05:30 and 06:30 UTC.
        { "America/New_York", new DateTimeOffset(2027, 11, 6, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 11, 7, 5, 30, 0, TimeSpan.Zero) },
    };

    [Theory]
    [MemberData(nameof(SpringForward))]
    public async Task On_the_spring_forward_night_a_time_that_does_not_exist_dreams_once_at_the_end_of_the_gap(string zone, DateTimeOffset start, DateTimeOffset expected)
    {
        var time = new FakeTimeProvider(start);
        var (scheduler, _) = Create(time, new DreamSchedule { Scope = s_scope, Cron = "30 2 * * *", TimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone) });

        var dreams = await PollAsync(scheduler, time, TimeSpan.FromDays(1));

        Assert.Equal([expected], dreams);
    }

    [Theory]
    [MemberData(nameof(FallBack))]
    public async Task On_the_fall_back_night_a_time_that_happens_twice_dreams_once_at_its_first_occurrence(string zone, DateTimeOffset start, DateTimeOffset expected)
    {
        var time = new FakeTimeProvider(start);
        var cron = zone == "America/New_York" ? "30 1 * * *" : "30 2 * * *";
        var (scheduler, _) = Create(time, new DreamSchedule { Scope = s_scope, Cron = cron, TimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone) });

        var dreams = await PollAsync(scheduler, time, TimeSpan.FromDays(1));

        Assert.Equal([expected], dreams);
    }

    [Fact]
    public async Task A_schedule_in_New_York_dreams_at_its_local_time_in_winter_and_in_summer()
    {
        var schedule = new DreamSchedule { Scope = s_scope, Cron = "30 2 * * *", TimeZone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York") };
        var time = new FakeTimeProvider(new DateTimeOffset(2027, 1, 10, 12, 0, 0, TimeSpan.Zero));
        var winter = await PollAsync(Create(time, schedule).Scheduler, time, TimeSpan.FromDays(1));
        time.SetUtcNow(new DateTimeOffset(2027, 7, 10, 12, 0, 0, TimeSpan.Zero));
        var summer = await PollAsync(Create(time, schedule).Scheduler, time, TimeSpan.FromDays(1));

        Assert.Equal([new DateTimeOffset(2027, 1, 11, 7, 30, 0, TimeSpan.Zero)], winter); // 02:30 EST
        Assert.Equal([new DateTimeOffset(2027, 7, 11, 6, 30, 0, TimeSpan.Zero)], summer); // 02:30 EDT
    }

    [Fact]
    public async Task A_host_down_across_the_scheduled_time_does_not_catch_up_after_its_restart_and_dreams_the_next_night()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var schedule = new DreamSchedule { Scope = s_scope, Cron = "30 2 * * *", TimeZone = berlin };
        var time = new FakeTimeProvider(new DateTimeOffset(2027, 1, 10, 0, 0, 0, TimeSpan.Zero)); // 01:00 in Berlin
        var runs = new InMemoryDreamRunStore(time);
        var (before, _) = Create(time, schedule, runs);
        Assert.Empty(await PollAsync(before, time, TimeSpan.FromMinutes(30)));

        // Down from 01:30 to 04:00; the restarted host's scheduler is a new one on the same stores.
        time.SetUtcNow(new DateTimeOffset(2027, 1, 10, 3, 0, 0, TimeSpan.Zero));
        var (after, _) = Create(time, schedule, runs);

        var dreams = await PollAsync(after, time, TimeSpan.FromDays(1));

        Assert.Equal([new DateTimeOffset(2027, 1, 11, 1, 30, 0, TimeSpan.Zero)], dreams);
    }

    [Theory]
    [InlineData(10)] // an NTP step
    [InlineData(60)] // a host left an hour ahead
    public async Task A_clock_set_back_after_a_dream_neither_dreams_that_night_again_nor_stops_the_schedule(int minutesBack)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2027, 1, 10, 0, 0, 0, TimeSpan.Zero));
        var (scheduler, runs) = Create(time, new DreamSchedule { Scope = s_scope, Cron = "30 2 * * *", TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        Assert.Equal([new DateTimeOffset(2027, 1, 10, 1, 30, 0, TimeSpan.Zero)], await PollAsync(scheduler, time, TimeSpan.FromHours(2)));

        time.AdjustTime(time.GetUtcNow() - TimeSpan.FromMinutes(minutesBack));
        var afterwards = await PollAsync(scheduler, time, TimeSpan.FromMinutes(minutesBack) + TimeSpan.FromDays(1));

        // Nothing until the next night's 02:30 by the corrected clock, then that night's dream.
        Assert.Equal([new DateTimeOffset(2027, 1, 11, 1, 30, 0, TimeSpan.Zero)], afterwards);
        Assert.Equal(2, (await runs.ListAsync(s_scope)).Count);
    }

    [Fact]
    public async Task A_clock_set_back_by_more_than_a_day_skips_the_night_two_hours_after_the_dream_then_dreams_each_night()
    {
        // Set back by 26 hours just after the Jan 10 dream: Jan 9's 02:30 comes two hours later in real time and counts as
        // dreamt (warning, event id 91); Jan 10's comes a day after that dream in real time and dreams.
        var time = new FakeTimeProvider(new DateTimeOffset(2027, 1, 10, 0, 0, 0, TimeSpan.Zero));
        var (scheduler, runs) = Create(time, new DreamSchedule { Scope = s_scope, Cron = "30 2 * * *", TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        Assert.Equal([new DateTimeOffset(2027, 1, 10, 1, 30, 0, TimeSpan.Zero)], await PollAsync(scheduler, time, TimeSpan.FromHours(2)));

        time.AdjustTime(time.GetUtcNow() - TimeSpan.FromHours(26)); // Jan 9, 00:00 UTC
        var afterwards = await PollAsync(scheduler, time, TimeSpan.FromHours(26) + TimeSpan.FromDays(1));

        Assert.Equal([new DateTimeOffset(2027, 1, 10, 1, 30, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 11, 1, 30, 0, TimeSpan.Zero)], afterwards);
        Assert.Equal(3, (await runs.ListAsync(s_scope)).Count);
    }

    [Fact]
    public async Task A_clock_set_back_by_a_week_after_a_dream_skips_one_night_at_most_not_every_night_until_it_catches_up()
    {
        // The clock ran a week fast: the dream it started (recorded at Jan 10) must not hold the schedule for a week of
        // real nights. The first night after the correction (a day after that dream in real time) may count as dreamt.
        var time = new FakeTimeProvider(new DateTimeOffset(2027, 1, 10, 0, 0, 0, TimeSpan.Zero));
        var (scheduler, runs) = Create(time, new DreamSchedule { Scope = s_scope, Cron = "30 2 * * *", TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        Assert.Single(await PollAsync(scheduler, time, TimeSpan.FromHours(2)));

        time.AdjustTime(time.GetUtcNow() - TimeSpan.FromDays(7)); // Jan 3, 02:00 UTC
        var afterwards = await PollAsync(scheduler, time, TimeSpan.FromDays(3));

        Assert.Equal([new DateTimeOffset(2027, 1, 5, 1, 30, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 6, 1, 30, 0, TimeSpan.Zero)], afterwards);
        Assert.Equal(3, (await runs.ListAsync(s_scope)).Count);
    }

    [Fact]
    public async Task A_host_that_keeps_running_while_its_clock_jumps_past_several_nights_dreams_once_at_the_next_poll()
    {
        // A process suspended (a laptop asleep, a paused VM) or a clock stepped forward: the nights missed meanwhile give
        // one dream, at the first poll after, not one each.
        var time = new FakeTimeProvider(new DateTimeOffset(2027, 1, 10, 12, 0, 0, TimeSpan.Zero));
        var (scheduler, _) = Create(time, new DreamSchedule { Scope = s_scope, Cron = "30 2 * * *", TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        Assert.Empty(await scheduler.RunDueAsync());

        time.AdjustTime(new DateTimeOffset(2027, 1, 13, 12, 0, 0, TimeSpan.Zero));
        var dreams = await PollAsync(scheduler, time, TimeSpan.FromDays(1));

        Assert.Equal([new DateTimeOffset(2027, 1, 13, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 14, 1, 30, 0, TimeSpan.Zero)], dreams);
    }

    [Fact]
    public void A_cron_that_never_fires_fails_the_start_naming_the_value()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>(() => services.AddDreamingAgents().AddDreamSchedule("bot", "30 2 30 2 *", TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")));

        Assert.Equal("DreamSchedule.Cron '30 2 30 2 *' never occurs (a day that month does not have?), so the schedule would never dream.", ex.Message);
    }

    /// <summary>Polls once a minute for <paramref name="span"/>, as the hosted service does, and returns when each dream
    /// started.</summary>
    private static async Task<List<DateTimeOffset>> PollAsync(DreamScheduler scheduler, FakeTimeProvider time, TimeSpan span)
    {
        var started = new List<DateTimeOffset>();
        for (var end = time.GetUtcNow() + span; time.GetUtcNow() < end; time.Advance(TimeSpan.FromMinutes(1)))
        {
            started.AddRange((await scheduler.RunDueAsync()).Select(r => r.StartedAt!.Value));
        }

        return started;
    }

    private static (DreamScheduler Scheduler, IDreamRunStore Runs) Create(FakeTimeProvider time, DreamSchedule schedule, IDreamRunStore? runs = null)
    {
        var traces = new InMemoryTraceStore();
        runs ??= new InMemoryDreamRunStore(time);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        return (new DreamScheduler([schedule], dreams, runs, traces, time), runs);
    }
}
