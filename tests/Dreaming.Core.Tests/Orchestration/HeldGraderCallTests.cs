using Dreaming.Tests.Outcomes.Grading;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>A grader call that an item's timeout abandoned (the grader's client, or a custom evaluator, ignores its token)
/// still counts against MaxConcurrency until it really ends, as an abandoned agent call does.</summary>
public sealed class HeldGraderCallTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly Rubric s_rubric = GradingFixtures.Rubric(GradingFixtures.Model("c1"));

    [Fact]
    public async Task A_retry_waits_for_the_model_graders_call_its_timeout_abandoned_before_calling_the_agent_again()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new FirstCallGate();
        var passed = ScriptedGrader.Reply(("c1", "met"));
        var grader = new ScriptedGrader(async (n, ct) =>
        {
            if (n == 0)
            {
                await gate.HangAsync(ct);
            }

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, passed));
        });

        await AssertRetryWaitsAsync(time, gate, s => s.AddSingleton(new ModelGrader(grader.Client, new ModelGraderOptions { Timeout = Timeout.InfiniteTimeSpan, CallRetries = 0 }, null, time)));
    }

    [Fact]
    public async Task A_retry_waits_for_a_custom_evaluators_grading_its_timeout_abandoned_before_calling_the_agent_again()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new FirstCallGate();
        await AssertRetryWaitsAsync(time, gate, s => s.AddSingleton<IRubricEvaluator>(new GatedEvaluator(gate)));
    }

    // One rubric item, MaxConcurrency 1, a 30 s timeout and one retry: the first grading ignores its token and outlives the
    // timeout; the retry must not call the agent (a second model call in flight) until that grading has ended.
    private static async Task AssertRetryWaitsAsync(FakeTimeProvider time, FirstCallGate gate, Action<IServiceCollection> grading)
    {
        await using var host = OrchestrationHarness.Create(
            o => o.ItemRetries = 1,
            time: time,
            services: s =>
            {
                s.AddFakeLogging().AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
                grading(s);
            });
        var calls = 0;
        var calledWhileGraderRan = false;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            if (Interlocked.Increment(ref calls) > 1 && !gate.Ended)
            {
                Volatile.Write(ref calledWhileGraderRan, true);
            }

            return Task.FromResult(new WorkItemReply("the work"));
        });
        var item = OrchestrationHarness.Item("a") with { Rubric = s_rubric, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var running = host.RunAsync(OrchestrationHarness.Plan(1, item), agent);
            await gate.Called.Task.WaitAsync(Bound);
            // Fake time moves on a second at a time until the item's timeout has cancelled the grading (its timer is armed
            // once the pipeline takes the item); it stays well before the held call's write-off at 60 s.
            while (!gate.Cancelled.Task.IsCompleted && time.GetUtcNow() < s_start + TimeSpan.FromSeconds(45))
            {
                time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(5);
            }

            Assert.True(gate.Cancelled.Task.IsCompleted);
            // The retry either waits for the place the grading holds (and says so, event 84) or calls the agent.
            var logs = host.Services.GetFakeLogCollector();
            var deadline = DateTime.UtcNow + Bound;
            while (Volatile.Read(ref calls) < 2 && !logs.GetSnapshot().Any(r => r.Id.Id == 84))
            {
                Assert.True(DateTime.UtcNow < deadline, "the retry neither waited nor ran");
                await Task.Delay(5);
            }

            Assert.Equal(1, Volatile.Read(ref calls));
            gate.End();
            var run = await running.WaitAsync(Bound);

            var result = Assert.Single(run.Items);
            Assert.Equal(WorkItemStatus.Completed, result.Status);
            Assert.Equal(2, result.Attempts);
            Assert.False(Volatile.Read(ref calledWhileGraderRan));
            await host.AssertNoSessionRunningAsync();
        }
        finally
        {
            gate.End();
        }
    }

    /// <summary>Makes the first grading ignore its token and run until <see cref="End"/>.</summary>
    private sealed class FirstCallGate
    {
        private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Ended => _end.Task.IsCompleted;

        public Task HangAsync(CancellationToken cancellationToken)
        {
            cancellationToken.Register(() => Cancelled.TrySetResult());
            Called.TrySetResult();
            return _end.Task;
        }

        public void End() => _end.TrySetResult();
    }

    private sealed class GatedEvaluator(FirstCallGate gate) : IRubricEvaluator
    {
        private int _calls;

        public async Task<RubricEvaluation> EvaluateAsync(Rubric rubric, string artifact, string? task = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await gate.HangAsync(cancellationToken);
            }

            return new RubricEvaluation { Rubric = rubric, Criteria = [], Score = 1, Passed = true };
        }
    }
}
