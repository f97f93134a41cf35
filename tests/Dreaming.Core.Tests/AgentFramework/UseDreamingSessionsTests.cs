using Dreaming.AgentFramework;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using static Dreaming.Tests.AgentFrameworkTracingTests;

namespace Dreaming.Tests;

/// <summary>The Dreaming.AgentFramework package's <c>UseDreamingSessions()</c> (docs/agent-framework.md): each run of an
/// Agent Framework agent is one Dreaming session unless one is ambient, ended completed, failed or abandoned.</summary>
public class UseDreamingSessionsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static TheoryData<bool> Streaming => new() { false, true };

    /// <summary>Each run is one session of the agent (its name), its task the user's message, completed, with every
    /// model call, tool call and result of the run in it: also a streamed run whose agent makes a second model call
    /// after the first update was read (its own function invocation outside the client), which starts in a later
    /// MoveNextAsync of the stream.</summary>
    [Theory]
    [MemberData(nameof(Pipelines), MemberType = typeof(AgentFrameworkTracingTests))]
    public async Task Each_run_is_one_completed_session_of_the_agent(bool functionInvocationInPipeline, bool streaming)
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline).AsBuilder().UseDreamingSessions().Build(host.Services);
        var conversation = await agent.CreateSessionAsync();

        Assert.Equal("order 42 has shipped", (await RunAsync(agent, "check order 42", streaming, conversation).WaitAsync(Bound)).Text);
        Assert.Equal("order 43 has shipped", (await RunAsync(agent, "check order 43", streaming, conversation).WaitAsync(Bound)).Text);

        await AssertTwoRunsRecordedAsync(host, functionInvocationInPipeline);

        Assert.Null(host.Services.GetRequiredService<IAgentSessionAccessor>().Current);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_run_inside_an_ambient_session_is_recorded_there(bool streaming)
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline: false).AsBuilder().UseDreamingSessions().Build(host.Services);

        await using (var outer = host.Sessions.StartSession("host-job", "nightly check"))
        {
            Assert.Equal("order 42 has shipped", (await RunAsync(agent, "check order 42", streaming).WaitAsync(Bound)).Text);
            Assert.Same(outer, host.Services.GetRequiredService<IAgentSessionAccessor>().Current);
            await outer.CompleteAsync();
            Assert.Equal(["call-42"], (await host.EventsAsync(outer.Id)).OfType<ToolCallEvent>().Select(c => c.CallId));
        }

        Assert.Equal("host-job", Assert.Single(await SessionsAsync(host)).AgentId);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task An_agent_run_by_an_orchestration_item_is_recorded_in_the_items_child_session(bool streaming)
    {
        await using var host = OrchestrationHarness.Create();
        var model = new ToolCallingModel();
        var inner = new ChatClientAgent(new ChatClientBuilder(model).UseDreaming().UseFunctionInvocation().Build(host.Services), instructions: "You look up orders.", name: "support-bot", tools: [LookupOrder]);
        var agent = inner.AsBuilder().UseDreamingSessions().Build(host.Services);
        var roster = new RosterAgent
        {
            Name = "support-bot",
            Run = async (context, ct) =>
            {
                var response = await RunAsync(agent, context.Prompt, streaming, cancellationToken: ct);
                return new WorkItemReply(response.Text, AgentFrameworkOrchestrationTests.UsageOf(response));
            },
        };

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = AgentFrameworkOrchestrationTests.Plan(), Agents = [roster] }).WaitAsync(Bound);

        await AgentFrameworkOrchestrationTests.AssertRecordedAsync(host, run, modelCallsPerItem: 1);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_failed_run_ends_its_session_failed_and_throws(bool streaming)
    {
        await using var host = Host(out var model);
        model.Failure = new InvalidOperationException("the model is down");
        var agent = Agent(host, model, functionInvocationInPipeline: true).AsBuilder().UseDreamingSessions().Build(host.Services);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(agent, "check order 42", streaming).WaitAsync(Bound));

        Assert.Equal("the model is down", thrown.Message);
        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal(SessionStatus.Failed, record.Status);
        Assert.Equal("check order 42", record.Task);
        Assert.Contains(await host.EventsAsync(record.Id), e => e is ErrorEvent { Message: "the model is down" });
    }

    /// <summary>A failed run whose session cannot be ended (the store could not create it) throws the run's own
    /// exception, not the session's.</summary>
    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_failed_run_whose_session_cannot_end_throws_the_runs_exception(bool streaming)
    {
        var model = new ToolCallingModel { Failure = new InvalidOperationException("the model is down") };
        var session = Substitute.For<IAgentSession>();
        session.CompleteAsync(Arg.Any<SessionStatus>(), Arg.Any<SessionOutcome?>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromException(new SessionNotFoundException("Session 's-1' does not exist: creating it in the trace store failed.")));
        var sessions = Substitute.For<IAgentSessionFactory>();
        sessions.StartSession(Arg.Any<AgentSessionOptions>()).Returns(session);
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        services.AddSingleton(sessions);
        await using var provider = services.BuildServiceProvider();
        var agent = new ChatClientAgent(model, name: "support-bot").AsBuilder().UseDreamingSessions().Build(provider);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => RunAsync(agent, "check order 42", streaming).WaitAsync(Bound));

        Assert.Equal("the model is down", thrown.Message);
        await session.Received(1).CompleteAsync(SessionStatus.Failed, Arg.Any<SessionOutcome?>(), Arg.Any<CancellationToken>());
    }

    /// <summary>A failed run whose session's end the store refuses (unavailable) throws the run's own exception, not the
    /// store's: the session's disposal tries again and logs the store's failure.</summary>
    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_failed_run_whose_store_fails_to_end_the_session_throws_the_runs_exception(bool streaming)
    {
        var model = new ToolCallingModel { Failure = new InvalidOperationException("the model is down") };
        var store = new HookedTraceStore { BeforeComplete = (_, _) => Task.FromException(new IOException("the store is unavailable")) };
        await using var host = TracingHost.Create(model, store: store);
        var agent = Agent(host, model, functionInvocationInPipeline: true).AsBuilder().UseDreamingSessions().Build(host.Services);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => RunAsync(agent, "check order 42", streaming).WaitAsync(Bound));

        Assert.Equal("the model is down", thrown.Message);
        Assert.Equal(SessionStatus.Running, Assert.Single(await SessionsAsync(host)).Status);
    }

    [Theory]
    [MemberData(nameof(Streaming))]
    public async Task A_cancelled_run_leaves_its_session_abandoned(bool streaming)
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline: true).AsBuilder().UseDreamingSessions().Build(host.Services);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(agent, "check order 42", streaming, cancellationToken: cancelled.Token).WaitAsync(Bound));
        await FlushAsync(host);

        Assert.Equal(SessionStatus.Abandoned, Assert.Single(await SessionsAsync(host)).Status);
    }

    /// <summary>A stream cancelled after its first update (the model's second call sees the cancellation) leaves the
    /// session abandoned, not failed.</summary>
    [Fact]
    public async Task A_stream_cancelled_midway_leaves_its_session_abandoned()
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline: false).AsBuilder().UseDreamingSessions().Build(host.Services);
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in agent.RunStreamingAsync("check order 42", cancellationToken: cancellation.Token))
            {
                await cancellation.CancelAsync();
            }
        }).WaitAsync(Bound);
        await FlushAsync(host);

        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal(SessionStatus.Abandoned, record.Status);
        Assert.Equal(1, model.Calls);
    }

    /// <summary>A stream its consumer stops reading (disposed before its end) leaves the session abandoned: the run did
    /// not finish. What it had recorded stays in the session.</summary>
    [Fact]
    public async Task A_stream_disposed_before_its_end_leaves_its_session_abandoned()
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline: false).AsBuilder().UseDreamingSessions().Build(host.Services);

        await foreach (var update in agent.RunStreamingAsync("check order 42").WithCancellation(CancellationToken.None))
        {
            break;
        }

        await FlushAsync(host);
        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal(SessionStatus.Abandoned, record.Status);
        Assert.Equal("check order 42", record.Task);
        Assert.Equal(1, model.Calls);
        Assert.Single((await host.EventsAsync(record.Id)).OfType<MessageEvent>(), m => m.Role == "user" && m.Text == "check order 42");
    }

    /// <summary>A stream disposed before its end whose inner stream's disposal throws (its cleanup failed) still ends
    /// its session abandoned, and the cleanup's exception goes on to the consumer.</summary>
    [Fact]
    public async Task A_stream_whose_inner_disposal_throws_still_ends_its_session_abandoned()
    {
        await using var host = Host(out var model);
        var inner = new CleanupFailingAgent(Agent(host, model, functionInvocationInPipeline: false));
        var agent = inner.AsBuilder().UseDreamingSessions().Build(host.Services);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var update in agent.RunStreamingAsync("check order 42"))
            {
                break;
            }
        }).WaitAsync(Bound);

        Assert.Equal("the stream's cleanup failed", thrown.Message);
        await FlushAsync(host);
        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal(SessionStatus.Abandoned, record.Status);
        Assert.Null(host.Services.GetRequiredService<IAgentSessionAccessor>().Current);
    }

    [Fact]
    public async Task Building_without_AddDreamingAgents_throws_naming_it()
    {
        await using var services = new ServiceCollection().BuildServiceProvider();
        var agent = new ChatClientAgent(new ToolCallingModel(), name: "support-bot");

        var withServices = Assert.Throws<InvalidOperationException>(() => agent.AsBuilder().UseDreamingSessions().Build(services));
        var withoutServices = Assert.Throws<InvalidOperationException>(() => agent.AsBuilder().UseDreamingSessions().Build());

        Assert.Contains("AddDreamingAgents()", withServices.Message, StringComparison.Ordinal);
        Assert.Contains("IAgentSessionFactory", withServices.Message, StringComparison.Ordinal);
        Assert.Contains("AddDreamingAgents()", withoutServices.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" ", null, "DreamingAgentSessionOptions.AgentId must not be blank when set (it is \" \")")]
    [InlineData(null, "", "DreamingAgentSessionOptions.Scope must not be blank when set (it is \"\")")]
    // Half a surrogate pair cannot go through an attribute (it is read back as U+FFFD): "<high>" and "<low>" stand for one.
    [InlineData("bot<high>", null, "DreamingAgentSessionOptions.AgentId has an unpaired surrogate (half a character, U+D800) at index 3")]
    [InlineData(null, "<low>team", "DreamingAgentSessionOptions.Scope has an unpaired surrogate (half a character, U+DC00) at index 0")]
    public void Invalid_options_are_refused_naming_the_option_and_value(string? agentId, string? scope, string expected)
    {
        var builder = new ChatClientAgent(new ToolCallingModel(), name: "support-bot").AsBuilder();

        var thrown = Assert.Throws<ArgumentException>(() => builder.UseDreamingSessions(o =>
        {
            o.AgentId = Surrogates(agentId);
            o.Scope = Surrogates(scope);
        }));

        Assert.Equal("configure", thrown.ParamName);
        Assert.StartsWith(expected, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_whole_surrogate_pair_is_accepted()
    {
        var builder = new ChatClientAgent(new ToolCallingModel(), name: "support-bot").AsBuilder();

        Assert.Same(builder, builder.UseDreamingSessions(o => o.AgentId = "bot-\U0001F916"));
    }

    [Fact]
    public void A_null_builder_is_refused()
    {
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => DreamingAgentBuilderExtensions.UseDreamingSessions(null!)).ParamName);
    }

    [Fact]
    public async Task The_agent_id_scope_and_task_selector_of_the_options_are_used()
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline: true).AsBuilder().UseDreamingSessions(o =>
        {
            o.AgentId = "orders-agent";
            o.Scope = "support-team";
            o.TaskSelector = messages => "look up: " + messages.Single().Text;
        }).Build(host.Services);

        await agent.RunAsync("check order 42").WaitAsync(Bound);

        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal("orders-agent", record.AgentId);
        Assert.Equal("support-team", record.Scope);
        Assert.Equal("look up: check order 42", record.Task);
    }

    [Fact]
    public async Task An_agent_without_a_name_gets_DreamingOptions_AgentId_and_a_task_selector_finding_nothing_a_placeholder()
    {
        var model = new ToolCallingModel();
        await using var host = TracingHost.Create(model, options: o => o.AgentId = "fallback-bot");
        var inner = new ChatClientAgent(new ChatClientBuilder(model).UseDreaming().UseFunctionInvocation().Build(host.Services), tools: [LookupOrder]);
        var agent = inner.AsBuilder().UseDreamingSessions(o => o.TaskSelector = _ => " ").Build(host.Services);

        await agent.RunAsync("check order 42").WaitAsync(Bound);

        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal("fallback-bot", record.AgentId);
        Assert.Equal(DreamingAgentSessionOptions.NoUserMessageTask, record.Task);
    }

    [Fact]
    public void The_default_task_is_the_last_user_messages_text()
    {
        ChatMessage[] messages = [new(ChatRole.User, "first"), new(ChatRole.User, "second"), new(ChatRole.Assistant, "answer"), new(ChatRole.System, "rules")];

        Assert.Equal("second", DreamingAgentSessionOptions.LastUserMessageText(messages));
        Assert.Null(DreamingAgentSessionOptions.LastUserMessageText([new(ChatRole.System, "rules")]));
        Assert.Equal("messages", Assert.Throws<ArgumentNullException>(() => DreamingAgentSessionOptions.LastUserMessageText(null!)).ParamName);
    }

    /// <summary>Concurrent runs of one built agent are each their own session, streamed or not.</summary>
    [Fact]
    public async Task Concurrent_runs_are_each_their_own_session()
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline: false).AsBuilder().UseDreamingSessions().Build(host.Services);

        await Task.WhenAll(Enumerable.Range(40, 6).Select(n => RunAsync(agent, $"check order {n}", streaming: n % 2 == 0))).WaitAsync(Bound);

        var records = await SessionsAsync(host);
        Assert.Equal(6, records.Count);
        foreach (var record in records)
        {
            Assert.Equal(SessionStatus.Completed, record.Status);
            var order = record.Task["check order ".Length..];
            Assert.Equal(["call-" + order], (await host.EventsAsync(record.Id)).OfType<ToolCallEvent>().Select(c => c.CallId));
        }
    }

    private static string? Surrogates(string? text) =>
        text?.Replace("<high>", "\uD800", StringComparison.Ordinal).Replace("<low>", "\uDC00", StringComparison.Ordinal);

    private static Task FlushAsync(TracingHost host) =>
        host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None).WaitAsync(Bound);

    /// <summary>An agent whose stream's cleanup (its enumerator's disposal) throws.</summary>
    private sealed class CleanupFailingAgent(AIAgent inner) : DelegatingAIAgent(inner)
    {
        protected override IAsyncEnumerable<AgentResponseUpdate> RunCoreStreamingAsync(IEnumerable<ChatMessage> messages, Microsoft.Agents.AI.AgentSession? session = null, AgentRunOptions? options = null, CancellationToken cancellationToken = default) =>
            new Updates(InnerAgent.RunStreamingAsync(messages, session, options, cancellationToken));

        private sealed class Updates(IAsyncEnumerable<AgentResponseUpdate> inner) : IAsyncEnumerable<AgentResponseUpdate>
        {
            public IAsyncEnumerator<AgentResponseUpdate> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
                new Enumerator(inner.GetAsyncEnumerator(cancellationToken));
        }

        private sealed class Enumerator(IAsyncEnumerator<AgentResponseUpdate> inner) : IAsyncEnumerator<AgentResponseUpdate>
        {
            public AgentResponseUpdate Current => inner.Current;

            public ValueTask<bool> MoveNextAsync() => inner.MoveNextAsync();

            public async ValueTask DisposeAsync()
            {
                await inner.DisposeAsync();
                throw new InvalidOperationException("the stream's cleanup failed");
            }
        }
    }
}
