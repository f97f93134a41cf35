namespace Dreaming.Tests;

public class DreamJobsDisposeRaceTests
{
    [Fact]
    public async Task Disposing_while_a_job_ends_on_its_own_does_not_throw()
    {
        // Disposal cancels the jobs one after the other. Cancelling the first lets the second end on its own (here, from
        // the first job's cancellation callback), and a job that ends releases its cancellation source: disposal must then
        // skip it, not throw ObjectDisposedException out of the container's dispose.
        var dreams = new HandOverConsolidator();
        var jobs = new DreamJobs(dreams, new InMemoryDreamRunStore());
        await jobs.StartAsync(new DreamRunRequest { Scope = MemoryScope.Agent("a") });
        await jobs.StartAsync(new DreamRunRequest { Scope = MemoryScope.Agent("b") });
        Assert.Equal(2, jobs.Running.Count);

        var disposal = Record.ExceptionAsync(async () => await jobs.DisposeAsync());

        Assert.Null(await disposal);
        Assert.True(dreams.HandedOver, "the first job's cancellation did not end the other job");
    }

    // Two dreams: the first one cancelled ends the other (normally), and waits until its job has released its token.
    private sealed class HandOverConsolidator : IDreamConsolidator
    {
        private readonly List<(TaskCompletionSource End, CancellationToken Token)> _dreams = [];

        public bool HandedOver { get; private set; }

        public Task<DreamRun> DreamAsync(DreamRunRequest request, CancellationToken cancellationToken = default) =>
            DreamAsync(request, _ => { }, cancellationToken);

        public async Task<DreamRun> DreamAsync(DreamRunRequest request, Action<DreamRun> started, CancellationToken cancellationToken = default)
        {
            var run = new DreamRun { Id = DreamRun.NewId(), Request = request, Status = DreamRunStatus.Running, RequestedAt = DateTimeOffset.UnixEpoch };
            var end = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_dreams)
            {
                _dreams.Add((end, cancellationToken));
            }

            using var registration = cancellationToken.Register(() =>
            {
                HandOver(end);
                end.TrySetResult();
            });
            started(run);
            await end.Task;
            return run with { Status = cancellationToken.IsCancellationRequested ? DreamRunStatus.Canceled : DreamRunStatus.Completed };
        }

        private void HandOver(TaskCompletionSource cancelled)
        {
            (TaskCompletionSource End, CancellationToken Token) other;
            lock (_dreams)
            {
                if (HandedOver)
                {
                    return;
                }

                HandedOver = true;
                other = _dreams.Single(d => d.End != cancelled);
            }

            other.End.SetResult();

            // The other job has ended once its cancellation source is disposed (its token's wait handle then throws).
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    _ = other.Token.WaitHandle;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                Thread.Sleep(5);
            }
        }
    }
}
