using NSubstitute;

namespace Dreaming.Tests;

public class DreamJobsStartWaitTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_job_whose_start_was_no_longer_awaited_is_still_tracked_and_stopped_on_dispose()
    {
        var letStart = new TaskCompletionSource();
        var dreamStopped = new TaskCompletionSource<DreamRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new DreamRunRequest { Scope = s_scope };
        var run = new DreamRun { Id = "dr-1", Request = request, Status = DreamRunStatus.Running, RequestedAt = DateTimeOffset.UnixEpoch };
        var dreams = Substitute.For<IDreamConsolidator>();
        dreams.DreamAsync(Arg.Any<DreamRunRequest>(), Arg.Any<Action<DreamRun>>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            var ct = call.Arg<CancellationToken>();
            await letStart.Task;
            call.Arg<Action<DreamRun>>()(run);
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            var canceled = run with { Status = DreamRunStatus.Canceled };
            dreamStopped.TrySetResult(canceled);
            return canceled;
        });
        var jobs = new DreamJobs(dreams, new InMemoryDreamRunStore());
        using var give = new CancellationTokenSource();

        var starting = jobs.StartAsync(request, give.Token);
        await give.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting);
        letStart.SetResult();
        for (var i = 0; i < 500 && !jobs.Running.Contains(run.Id); i++)
        {
            await Task.Delay(5);
        }

        // The token gave up the wait, not the dream: the dream is a job of this process like any other.
        Assert.Contains(run.Id, jobs.Running);
        await jobs.DisposeAsync();
        Assert.True(dreamStopped.Task.IsCompleted);
    }
}
