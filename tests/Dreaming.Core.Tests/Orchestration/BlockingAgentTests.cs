using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>The remedy orchestration.md gives for an agent that must block its thread: yield first (or use Task.Run), so
/// that the blocking runs off the scheduler's thread, where the item's timeout and the run's cancellation reach it.</summary>
public class BlockingAgentTests
{
    [Fact]
    public async Task An_agent_that_yields_before_blocking_is_cut_by_its_items_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0, time: time);
        using var gate = new ManualResetEventSlim();
        var blocking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = OrchestrationHarness.Agent("worker", async (_, _) =>
        {
            await Task.Yield();
            blocking.TrySetResult();

            // Blocks its thread and ignores its token, as synchronous host code does.
            gate.Wait(CancellationToken.None);
            return new WorkItemReply("late");
        });

        try
        {
            var running = host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("blocks") with { Timeout = TimeSpan.FromSeconds(30) }), agent);
            await blocking.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var watch = Stopwatch.StartNew();
            while (!running.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                time.Advance(TimeSpan.FromSeconds(5));
                await Task.WhenAny(running, Task.Delay(10));
            }

            var run = await running.WaitAsync(TimeSpan.FromSeconds(30));

            // The run returned while the agent is still blocked.
            Assert.False(gate.IsSet);
            var item = Assert.Single(run.Items);
            Assert.Equal(WorkItemStatus.TimedOut, item.Status);
            Assert.Equal(OrchestrationStatus.Failed, run.Status);
            await host.AssertNoSessionRunningAsync();
        }
        finally
        {
            gate.Set();
        }
    }

    [Fact]
    public async Task An_agent_that_yields_before_blocking_is_cut_by_the_runs_cancellation()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0);
        using var gate = new ManualResetEventSlim();
        using var cancellation = new CancellationTokenSource();
        var blocking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = OrchestrationHarness.Agent("worker", async (_, _) =>
        {
            await Task.Yield();
            blocking.TrySetResult();
            gate.Wait(CancellationToken.None);
            return new WorkItemReply("late");
        });

        try
        {
            var running = host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("blocks")), agent, cancellationToken: cancellation.Token);
            await blocking.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cancellation.CancelAsync();

            var run = await running.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.False(gate.IsSet);
            Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
            Assert.Equal(WorkItemStatus.Cancelled, Assert.Single(run.Items).Status);
            await host.AssertNoSessionRunningAsync();
        }
        finally
        {
            gate.Set();
        }
    }
}
