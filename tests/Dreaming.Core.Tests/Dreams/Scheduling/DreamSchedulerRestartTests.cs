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

    [Fact]
    public async Task A_made_up_dream_that_was_killed_too_is_not_made_up_again_at_the_next_restart()
    {
        // The nightly dream kills its host (out of memory, say) each time it runs: it is made up once, not after every
        // restart until the next night.
        var (time, runs, _) = await RestartAfterKilledDreamAsync();
        var first = Assert.Single(await runs.ListAsync(s_scope));
        time.Advance(DreamConsolidator.LeaseDuration);
        var madeUp = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(madeUp.Id, "host-1:4343:dead", DreamConsolidator.LeaseDuration);
        Assert.Equal(DreamRunStatus.Failed, (await runs.GetAsync(first.Id))!.Status);
        time.Advance(TimeSpan.FromMinutes(1));
        var scheduler = Scheduler(time, runs);

        time.Advance(DreamConsolidator.LeaseDuration);
        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Equal(2, (await runs.ListAsync(s_scope)).Count);
    }

    [Theory]
    [InlineData("canceled")]
    [InlineData("failed")]
    public async Task A_dream_another_replica_was_running_at_the_restart_that_then_ended_canceled_or_failed_is_not_dreamt_again(string end)
    {
        var (time, runs, scheduler) = await RestartAfterKilledDreamAsync();
        var other = Assert.Single(await runs.ListAsync(s_scope));
        Assert.Empty(await scheduler.RunDueAsync());

        // A person canceled it (it was spending too much), or it failed in its process (the model is down): it was not
        // killed, and the schedule does not retry a dream before its next occurrence.
        _ = end == "canceled" ? await runs.CancelAsync(other.Id) : await runs.FailAsync(other.Id, "the model returned 503");
        time.Advance(DreamConsolidator.LeaseDuration);

        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Single(await runs.ListAsync(s_scope));
    }

    // A host dreamt at 03:00 (or at startedAt) on a nightly schedule, was killed, and restarts six minutes later.
    private static async Task<(FakeTimeProvider Time, InMemoryDreamRunStore Runs, DreamScheduler Scheduler)> RestartAfterKilledDreamAsync(DateTimeOffset? startedAt = null)
    {
        var time = new FakeTimeProvider(startedAt ?? s_occurrence.AddSeconds(20));
        var runs = new InMemoryDreamRunStore(time);
        var killed = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(killed.Id, "host-1:4242:dead", DreamConsolidator.LeaseDuration);
        time.SetUtcNow(s_occurrence.AddMinutes(6));
        return (time, runs, Scheduler(time, runs));
    }

    // A nightly schedule of the scope, as a host builds it at its start.
    private static DreamScheduler Scheduler(FakeTimeProvider time, InMemoryDreamRunStore runs)
    {
        var traces = new InMemoryTraceStore();
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        return new DreamScheduler([new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" }], dreams, runs, traces, time);
    }
}
