using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>Work that a run stops waiting for (a coordinator, a synthesis, a grader or an agent that ignores its token)
/// and that fails later: its exception is observed, never raised as <see cref="TaskScheduler.UnobservedTaskException"/>
/// when the abandoned task is collected.</summary>
[Collection(nameof(AbandonedWorkTests))]
[CollectionDefinition(nameof(AbandonedWorkTests), DisableParallelization = true)]
public class AbandonedWorkTests
{
    private const string ValidPlan = """{"items":[{"id":"a","agent":"worker","instructions":"x","dependsOn":[]}]}""";

    [Fact]
    public Task A_coordinator_abandoned_during_planning_that_fails_later_leaves_no_unobserved_exception() =>
        AssertObservedAsync(static async late =>
        {
            using var cancel = new CancellationTokenSource();
            var gate = new TaskCompletionSource();
            var coordinator = new FakeChatClient
            {
                GetResponseAsyncCallback = async (_, _, _) =>
                {
                    await cancel.CancelAsync();
                    await gate.Task;   // ignores its token
                    throw late;
                },
            };
            await using var host = OrchestrationHarness.Create(coordinator: coordinator);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "g", Agents = [OrchestrationHarness.Echo()] }, cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));
            gate.SetResult();
        });

    [Fact]
    public Task A_synthesis_abandoned_by_a_cancellation_that_fails_later_leaves_no_unobserved_exception() =>
        AssertObservedAsync(static async late =>
        {
            using var cancel = new CancellationTokenSource();
            var gate = new TaskCompletionSource();
            await using var host = OrchestrationHarness.Create();
            var run = await host.Orchestrator.RunAsync(
                new OrchestrationRequest
                {
                    Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")),
                    Agents = [OrchestrationHarness.Echo()],
                    Synthesize = async (_, _) =>
                    {
                        await cancel.CancelAsync();
                        await gate.Task;
                        throw late;
                    },
                },
                cancel.Token).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
            gate.SetResult();
        });

    [Fact]
    public Task An_agent_abandoned_by_a_stop_that_fails_later_leaves_no_unobserved_exception() =>
        AssertObservedAsync(static async late =>
        {
            using var cancel = new CancellationTokenSource();
            var gate = new TaskCompletionSource();
            await using var host = OrchestrationHarness.Create();
            var agent = OrchestrationHarness.Agent("worker", async (_, _) =>
            {
                await cancel.CancelAsync();
                await gate.Task;
                throw late;
            });
            var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), agent, cancellationToken: cancel.Token).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(WorkItemStatus.Cancelled, Assert.Single(run.Items).Status);
            gate.SetResult();
        });

    [Fact]
    public Task A_chat_agent_abandoned_by_a_stop_that_fails_later_leaves_no_unobserved_exception() =>
        AssertObservedAsync(static async late =>
        {
            using var cancel = new CancellationTokenSource();
            var gate = new TaskCompletionSource();
            await using var host = OrchestrationHarness.Create();
            var client = new FakeChatClient
            {
                GetResponseAsyncCallback = async (_, _, _) =>
                {
                    await cancel.CancelAsync();
                    await gate.Task;
                    throw late;
                },
            };
            var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), new RosterAgent { Name = "worker", ChatClient = client }, cancellationToken: cancel.Token).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(WorkItemStatus.Cancelled, Assert.Single(run.Items).Status);
            gate.SetResult();
        });

    [Fact]
    public Task A_grader_abandoned_by_a_cancellation_that_fails_later_leaves_no_unobserved_exception() =>
        AssertObservedAsync(static async late =>
        {
            using var cancel = new CancellationTokenSource();
            var gate = new TaskCompletionSource();
            await using var host = OrchestrationHarness.Create();
            var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
            var runner = new OutcomeRunner(sessions, new LateGrader(cancel, gate.Task, late));
            var run = await runner.RunAsync(
                new OutcomeRequest
                {
                    AgentId = "worker",
                    Task = "t",
                    Rubric = MarkdownRubricParser.Parse("# R\nPass threshold: 1.0\n\n## C\n- Says hi (required) [contains: \"hi\"]\n"),
                    Agent = (_, _) => Task.FromResult("hi"),
                },
                cancel.Token).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(OutcomeResult.Interrupted, run.Result);
            gate.SetResult();
        });

    private static async Task AssertObservedAsync(Func<Exception, Task> abandonThenFail)
    {
        var late = new InvalidOperationException("failed after it was abandoned " + Guid.NewGuid());
        var unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.Flatten().InnerExceptions.Contains(late))
            {
                Interlocked.Increment(ref unobserved);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await RunDetachedAsync(abandonThenFail, late);
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.Equal(0, Volatile.Read(ref unobserved));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    // Not inlined: nothing of the run's keeps the abandoned task reachable once this returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task RunDetachedAsync(Func<Exception, Task> abandonThenFail, Exception late) => Task.Run(() => abandonThenFail(late));

    private sealed class LateGrader(CancellationTokenSource cancel, Task gate, Exception late) : IRubricEvaluator
    {
        public async Task<RubricEvaluation> EvaluateAsync(Rubric rubric, string artifact, string? task = null, CancellationToken cancellationToken = default)
        {
            await cancel.CancelAsync();
            await gate;   // ignores its token
            throw late;
        }
    }
}
