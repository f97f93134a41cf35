using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class DreamSchedulerIsolationTests
{
    [Fact]
    public async Task A_schedule_whose_check_keeps_failing_does_not_hold_back_the_others()
    {
        // The first schedule's scope has so many sessions that its store look-up times out at every poll; the second
        // schedule, of another scope and listed after it, must still dream at its occurrence.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 58, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var runs = new TimingOutRunStore(new InMemoryDreamRunStore(time), MemoryScope.Agent("busy"));
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        var logger = new FakeLogger<DreamScheduler>();
        var scheduler = new DreamScheduler(
            [new DreamSchedule { Scope = MemoryScope.Agent("busy"), AfterNewSessions = 10 }, new DreamSchedule { Scope = MemoryScope.Agent("quiet"), Cron = "0 3 * * *" }],
            dreams,
            runs,
            traces,
            time,
            logger);

        Assert.Empty(await scheduler.RunDueAsync());
        time.Advance(TimeSpan.FromMinutes(2.5));
        var run = Assert.Single(await scheduler.RunDueAsync());

        Assert.Equal("agent:quiet", run.Scope.Key);
        Assert.Equal(2, runs.TimedOut);
        var failed = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Error).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, r => Assert.Contains("agent:busy", r.Message, StringComparison.Ordinal));

        // The caller's own cancellation still ends the check, as an OperationCanceledException.
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scheduler.RunDueAsync(canceled.Token));
    }

    private sealed class TimingOutRunStore(IDreamRunStore inner, MemoryScope scope) : ForwardingDreamRunStore(inner)
    {
        public int TimedOut;

        public override Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope1, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (scope1 == scope)
            {
                Interlocked.Increment(ref TimedOut);
                return Task.FromException<DreamRun?>(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."));
            }

            return base.GetLastCompletedAsync(scope1, cancellationToken);
        }
    }
}
