using System.Collections.Concurrent;

namespace Dreaming.Tests;

/// <summary>A cancelled run does not wait for an observer that has not returned: it ends <c>interrupted</c> promptly with no
/// child session running, and the observer hears the later events in order once it returns.</summary>
public sealed class ObserverCancellationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_cancelled_run_ends_interrupted_without_waiting_for_an_observer_that_ignores_its_token()
    {
        var observer = new HangingObserver(hangOn: "orchestration.item_completed");
        var agentWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = OrchestrationHarness.Create();
        // 'slow' starts first and waits for its token; 'quick' then completes at once, and the observer hangs on its end.
        var agent = OrchestrationHarness.Agent("worker", async (context, ct) =>
        {
            if (context.Item.Id == "slow")
            {
                agentWaiting.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            return new WorkItemReply("done " + context.Item.Id);
        });
        using var cancel = new CancellationTokenSource();
        try
        {
            var running = host.Orchestrator.RunAsync(
                new OrchestrationRequest
                {
                    Plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("slow"), OrchestrationHarness.Item("quick")),
                    Agents = [agent],
                    Observer = observer,
                },
                cancel.Token);
            await agentWaiting.Task.WaitAsync(Bound);
            await observer.Hung.Task.WaitAsync(Bound);

            await cancel.CancelAsync();
            var run = await running.WaitAsync(Bound);

            Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
            Assert.Equal(WorkItemStatus.Completed, run.Items.Single(i => i.Id == "quick").Status);
            Assert.Equal(WorkItemStatus.Cancelled, run.Items.Single(i => i.Id == "slow").Status);
            await host.AssertNoSessionRunningAsync();
            Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
            Assert.Equal(["orchestration.started", "orchestration.item_completed"], observer.EventTypes);
        }
        finally
        {
            observer.Release();
        }

        // Once it returns, the observer hears the rest of the run, in order.
        await observer.Ended.Task.WaitAsync(Bound);
        Assert.Equal(["orchestration.started", "orchestration.item_completed", "orchestration.item_completed", "orchestration.failed"], observer.EventTypes);
        Assert.Equal("interrupted", ((OrchestrationFailedEvent)observer.Events[^1]).Status);
    }

    [Fact]
    public async Task Observers_get_the_runs_token_and_one_that_stops_on_it_lets_the_run_end_interrupted()
    {
        var tokens = new ConcurrentQueue<CancellationToken>();
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var observer = new DelegateObserver(async (e, ct) =>
        {
            tokens.Enqueue(ct);
            if (e is OrchestrationStartedEvent)
            {
                called.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }
        });
        await using var host = OrchestrationHarness.Create();
        using var cancel = new CancellationTokenSource();
        var running = host.Orchestrator.RunAsync(
            new OrchestrationRequest { Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), Agents = [OrchestrationHarness.Echo()], Observer = observer },
            cancel.Token);
        await called.Task.WaitAsync(Bound);

        await cancel.CancelAsync();
        var run = await running.WaitAsync(Bound);

        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        Assert.Equal(WorkItemStatus.NotStarted, Assert.Single(run.Items).Status);
        Assert.All(tokens, t => Assert.Equal(cancel.Token, t));
        await host.AssertNoSessionRunningAsync();
    }

    private sealed class DelegateObserver(Func<SessionEvent, CancellationToken, Task> onEvent) : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken) => new(onEvent(sessionEvent, cancellationToken));
    }

    // Hangs, ignoring its token, on the first event of one type until released.
    private sealed class HangingObserver(string hangOn) : IOrchestrationObserver
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<SessionEvent> _events = new();

        public TaskCompletionSource Hung { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<SessionEvent> Events => [.. _events];

        public IReadOnlyList<string> EventTypes => [.. _events.Select(e => e.EventType)];

        public void Release() => _release.TrySetResult();

        public async ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken)
        {
            _events.Enqueue(sessionEvent);
            if (sessionEvent.EventType == hangOn && Hung.TrySetResult())
            {
                await _release.Task;
            }

            if (sessionEvent is OrchestrationFailedEvent or OrchestrationCompletedEvent)
            {
                Ended.TrySetResult();
            }
        }
    }
}
