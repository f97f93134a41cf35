using Microsoft.Agents.AI;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>Agent Framework with the orchestrator (docs/orchestration.md, "Orchestration and Microsoft Agent Framework
/// workflows"): a <see cref="ChatClientAgent"/> as a roster agent through its chat client and through a delegate that
/// runs it, and a workflow step that runs an orchestration.</summary>
public class AgentFrameworkOrchestrationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_agent_through_its_chat_client_is_recorded_in_each_items_child_session(bool functionInvocationInPipeline)
    {
        await using var host = OrchestrationHarness.Create();
        var model = new ToolCallingModel();
        var agent = Agent(host, model, functionInvocationInPipeline);
        var roster = new RosterAgent { Name = "support-bot", Instructions = agent.Instructions, ChatClient = agent.ChatClient, ChatOptions = new ChatOptions { Tools = [AgentFrameworkTracingTests.LookupOrder] } };

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = Plan(), Agents = [roster] }).WaitAsync(Bound);

        await AssertRecordedAsync(host, run, functionInvocationInPipeline ? 1 : 2);
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(true, true, false)]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, false, true)]
    [InlineData(true, true, true)]
    public async Task An_agent_run_by_a_delegate_is_recorded_in_each_items_child_session(bool functionInvocationInPipeline, bool streaming, bool sessionPerRun)
    {
        await using var host = OrchestrationHarness.Create();
        var model = new ToolCallingModel();
        AIAgent agent = Agent(host, model, functionInvocationInPipeline);
        if (sessionPerRun)
        {
            // The middleware of docs/tracing.md starts no session inside the item's.
            agent = AgentFrameworkTracingTests.SessionPerRun(agent, host.Services);
        }

        var roster = new RosterAgent
        {
            Name = "support-bot",
            Run = async (context, ct) =>
            {
                var response = await AgentFrameworkTracingTests.RunAsync(agent, context.Prompt, streaming, cancellationToken: ct);
                return new WorkItemReply(response.Text, UsageOf(response));
            },
        };

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = Plan(), Agents = [roster] }).WaitAsync(Bound);

        await AssertRecordedAsync(host, run, functionInvocationInPipeline ? 1 : 2);
        Assert.Equal(run.Items.Sum(i => i.Usage.TotalTokens), run.Usage.TotalTokens);
    }

    [Fact]
    public async Task A_workflow_step_that_runs_an_orchestration_records_its_sessions()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = Agent(host, new ToolCallingModel(), functionInvocationInPipeline: true);
        var orchestrator = host.Orchestrator;
        var step = new Func<string, IWorkflowContext, CancellationToken, ValueTask<string>>(async (goal, _, ct) =>
        {
            var run = await orchestrator.RunAsync(new OrchestrationRequest { Plan = Plan(goal), Agents = [Roster(agent)] }, ct);
            return run.SessionId;
        }).BindAsExecutor("fan-out");
        var workflow = new WorkflowBuilder(step).WithOutputFrom(step).Build();

        var workflowRun = await InProcessExecution.RunAsync(workflow, "check the orders").AsTask().WaitAsync(Bound);

        var output = Assert.Single(workflowRun.OutgoingEvents.OfType<WorkflowOutputEvent>());
        var runSessionId = output.As<string>()!;
        var runSession = await host.Store.GetSessionAsync(runSessionId);
        Assert.Equal(SessionStatus.Completed, runSession!.Status);
        Assert.Equal("check the orders", runSession.Task);
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == runSessionId).ToList();
        Assert.Equal(2, children.Count);
        foreach (var child in children)
        {
            Assert.Single((await host.Store.GetEventsAsync(child.Id)).OfType<ToolCallEvent>());
        }
    }

    [Fact]
    public async Task Cancelling_the_workflow_run_interrupts_the_orchestration()
    {
        await using var host = OrchestrationHarness.Create();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var ended = new TaskCompletionSource<OrchestrationRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = new RosterAgent
        {
            Name = "support-bot",
            Run = async (_, ct) =>
            {
                if (Interlocked.Increment(ref running) == 2)
                {
                    started.TrySetResult();
                }

                await Task.Delay(Timeout.Infinite, ct);
                return new WorkItemReply("never");
            },
        };
        var orchestrator = host.Orchestrator;
        var step = new Func<string, IWorkflowContext, CancellationToken, ValueTask<string>>(async (goal, _, ct) =>
        {
            var run = await orchestrator.RunAsync(new OrchestrationRequest { Plan = Plan(goal), Agents = [waiting] }, ct);
            ended.TrySetResult(run);
            return run.SessionId;
        }).BindAsExecutor("fan-out");
        var workflow = new WorkflowBuilder(step).WithOutputFrom(step).Build();

        await using var streaming = await InProcessExecution.RunStreamingAsync(workflow, "check the orders");
        await started.Task.WaitAsync(Bound);
        await streaming.CancelRunAsync();

        var run = await ended.Task.WaitAsync(Bound);
        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        Assert.All(run.Items, i => Assert.Equal(WorkItemStatus.Cancelled, i.Status));
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
        await host.AssertNoSessionRunningAsync();
    }

    /// <summary>A workflow of agents run inside a session the host started: the session flows into the workflow's
    /// executors, so the agents' calls are recorded there.</summary>
    [Fact]
    public async Task A_workflow_of_agents_run_inside_a_session_is_recorded_in_it()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = Agent(host, new ToolCallingModel(), functionInvocationInPipeline: true);
        var workflow = AgentWorkflowBuilder.BuildSequential(agent);
        using var bound = new CancellationTokenSource(Bound);
        var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();

        await using var session = sessions.StartSession("support-team", "check order 42");
        await using (var run = await InProcessExecution.RunStreamingAsync(workflow, new List<ChatMessage> { new(ChatRole.User, "check order 42") }, cancellationToken: bound.Token))
        {
            // Watched to its end, when the workflow has run: its first output events are the agent's streamed updates
            // (AgentResponseUpdateEvent is a WorkflowOutputEvent), so stopping at one disposed the run mid-call.
            await run.TrySendMessageAsync(new TurnToken(emitEvents: true));
            await foreach (var update in run.WatchStreamAsync(bound.Token))
            {
            }
        }

        Assert.False(bound.IsCancellationRequested, "the workflow did not end in time");

        await session.CompleteAsync();
        var events = await host.Store.GetEventsAsync(session.Id);
        Assert.Equal(["call-42"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant" && m.Text == "order 42 has shipped");
        Assert.Single(await host.SessionsAsync());
    }

    private static ChatClientAgent Agent(OrchestrationHarness host, IChatClient model, bool functionInvocationInPipeline)
    {
        var builder = new ChatClientBuilder(model).UseDreaming();
        if (functionInvocationInPipeline)
        {
            builder.UseFunctionInvocation();
        }

        return new ChatClientAgent(builder.Build(host.Services), instructions: "You look up orders.", name: "support-bot", tools: [AgentFrameworkTracingTests.LookupOrder]);
    }

    private static RosterAgent Roster(ChatClientAgent agent) => new()
    {
        Name = "support-bot",
        Run = async (context, ct) =>
        {
            var response = await agent.RunAsync(context.Prompt, cancellationToken: ct);
            return new WorkItemReply(response.Text, UsageOf(response));
        },
    };

    // What docs/orchestration.md shows a delegate report: the run's usage (summed over its model calls).
    internal static SessionUsage UsageOf(AgentResponse response) => new()
    {
        InputTokens = response.Usage?.InputTokenCount ?? 0,
        OutputTokens = response.Usage?.OutputTokenCount ?? 0,
        CachedInputTokens = response.Usage?.CachedInputTokenCount ?? 0,
    };

    internal static OrchestrationPlan Plan(string goal = "check the orders") => new()
    {
        Goal = goal,
        Items =
        [
            new WorkItem { Id = "first", Agent = "support-bot", Instructions = "check order 42" },
            new WorkItem { Id = "second", Agent = "support-bot", Instructions = "check order 43" },
        ],
    };

    internal static async Task AssertRecordedAsync(OrchestrationHarness host, OrchestrationRun run, int modelCallsPerItem)
    {
        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        await host.AssertNoSessionRunningAsync();
        var sessions = await host.SessionsAsync();
        Assert.Equal(3, sessions.Count);   // the run's and its two items'
        Assert.DoesNotContain(sessions, s => s.Metadata.ContainsKey("dreaming.unscoped"));
        foreach (var item in run.Items)
        {
            Assert.Equal(WorkItemStatus.Completed, item.Status);
            var order = item.Id == "first" ? "42" : "43";
            Assert.Equal($"order {order} has shipped", item.Output);
            var child = sessions.Single(s => s.Id == item.SessionId);
            Assert.Equal(run.SessionId, child.ParentSessionId);
            Assert.Equal("support-bot", child.AgentId);
            Assert.Equal(modelCallsPerItem, child.Usage.ModelCalls);
            Assert.Equal(40, child.Usage.TotalTokens);
            Assert.Equal(40, item.Usage.TotalTokens);
            var events = await host.Store.GetEventsAsync(child.Id);
            Assert.Equal(["call-" + order], events.OfType<ToolCallEvent>().Select(c => c.CallId));
            Assert.Equal(["shipped"], events.OfType<ToolResultEvent>().Select(r => r.Result));
            Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant" && m.Text == $"order {order} has shipped");
            Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "user" && m.Text.Contains("check order " + order, StringComparison.Ordinal));
        }

        Assert.Equal(80, run.Usage.TotalTokens);
    }
}
