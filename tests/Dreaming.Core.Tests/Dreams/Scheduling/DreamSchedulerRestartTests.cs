using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>The scheduler of a host restarted after it was killed in the middle of a scheduled dream.</summary>
public class DreamSchedulerRestartTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");
    private static readonly DateTimeOffset s_occurrence = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_nightly_dream_killed_before_a_restart_is_made_up_once_its_lease_has_expired_not_left_running_until_the_next_night()
    {
        var (time, runs, scheduler) = await RestartAfterKilledDreamAsync();
        var dead = Assert.Single(await runs.ListAsync(s_scope));

        // Within the dead run's lease the scope is held: nothing is asked for.
        Assert.Empty(await scheduler.RunDueAsync());
        time.Advance(DreamConsolidator.LeaseDuration);
        var madeUp = Assert.Single(await scheduler.RunDueAsync());

        Assert.Equal(DreamRunStatus.Completed, madeUp.Status);
        var ended = (await runs.GetAsync(dead.Id))!;
        Assert.Equal((DreamRunStatus.Failed, DreamRunStoreRules.AbandonedError), (ended.Status, ended.Error));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await scheduler.RunDueAsync());
        time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(20));
        Assert.Single(await scheduler.RunDueAsync());
    }

    [Fact]
    public async Task A_nightly_dream_another_replica_is_running_at_the_restart_is_not_dreamt_again_when_it_completes()
    {
        var (time, runs, scheduler) = await RestartAfterKilledDreamAsync();
        var other = Assert.Single(await runs.ListAsync(s_scope));

        Assert.Empty(await scheduler.RunDueAsync());
        await runs.CompleteAsync(other.Id, DreamRunResults.Empty);
        time.Advance(DreamConsolidator.LeaseDuration);

        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Single(await runs.ListAsync(s_scope));
    }

    [Fact]
    public async Task A_dream_that_died_before_the_last_occurrence_is_not_made_up_at_a_restart()
    {
        var (time, runs, scheduler) = await RestartAfterKilledDreamAsync(startedAt: s_occurrence.AddHours(-2));

        time.Advance(DreamConsolidator.LeaseDuration);
        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Single(await runs.ListAsync(s_scope));
    }

    // A host dreamt at 03:00 (or at startedAt) on a nightly schedule, was killed, and restarts six minutes later.
    private static async Task<(FakeTimeProvider Time, InMemoryDreamRunStore Runs, DreamScheduler Scheduler)> RestartAfterKilledDreamAsync(DateTimeOffset? startedAt = null)
    {
        var time = new FakeTimeProvider(startedAt ?? s_occurrence.AddSeconds(20));
        var traces = new InMemoryTraceStore();
        var runs = new InMemoryDreamRunStore(time);
        var killed = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(killed.Id, "host-1:4242:dead", DreamConsolidator.LeaseDuration);
        time.SetUtcNow(s_occurrence.AddMinutes(6));
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        var scheduler = new DreamScheduler([new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" }], dreams, runs, traces, time);
        return (time, runs, scheduler);
    }
}
