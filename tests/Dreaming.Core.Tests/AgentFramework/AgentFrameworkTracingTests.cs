using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>An adopter's trial with Microsoft Agent Framework: a <see cref="ChatClientAgent"/> on a chat client with
/// <c>UseDreaming()</c>, its own function invocation calling a tool (docs/tracing.md, "With Microsoft Agent
/// Framework").</summary>
public class AgentFrameworkTracingTests
{
    public static TheoryData<bool, bool> Pipelines => new() { { true, false }, { true, true }, { false, false }, { false, true } };

    /// <summary>In a session: the instructions (the agent gives them in <see cref="ChatOptions.Instructions"/>), the
    /// user's message, the tool call and its result (run by the agent's function invocation), the answer and the usage
    /// are recorded in that session, once each, whichever pipeline.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task An_agent_run_inside_a_session_is_recorded_in_that_session(bool functionInvocationInPipeline, bool streaming)
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline);

        string text;
        await using (var session = host.Sessions.StartSession("support-bot", "check order 42"))
        {
            text = (await RunAsync(agent, "check order 42", streaming)).Text;
            await session.CompleteAsync();
            var events = await host.EventsAsync(session.Id);

            Assert.Equal("order 42 has shipped", text);
            Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "system" && m.Text == "You look up orders.");
            Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "user" && m.Text == "check order 42");
            Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant" && m.Text == "order 42 has shipped");
            var call = Assert.Single(events.OfType<ToolCallEvent>());
            Assert.Equal("lookup_order", call.ToolName);
            var result = Assert.Single(events.OfType<ToolResultEvent>());
            Assert.Equal("shipped", result.Result);
            Assert.False(result.IsError);

            // Outside the agent's function invocation one model.response per run, inside one per round trip: the same
            // usage either way.
            var responses = events.OfType<ModelResponseEvent>().ToList();
            Assert.Equal(functionInvocationInPipeline ? 1 : 2, responses.Count);
            Assert.All(responses, r => Assert.Equal(streaming, r.Streaming));
            Assert.Equal(30, responses.Sum(r => r.Usage.InputTokens));
            Assert.Equal(10, responses.Sum(r => r.Usage.OutputTokens));
        }

        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal("support-bot", record.AgentId);
        Assert.Equal(SessionStatus.Completed, record.Status);
        Assert.Equal(2, model.Calls);
    }

    /// <summary>Without a session every call the middleware sees is a one-call session: an agent built on a client
    /// with only <c>UseDreaming()</c> gets its function invocation put outside it by Agent Framework, so one run of two
    /// model round trips is split into two unrelated sessions, the tool's result in the second and its call in the
    /// first; with <c>UseFunctionInvocation()</c> in the pipeline after it a run is one session, and each run of a
    /// conversation is its own session all the same.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_a_session_each_call_the_middleware_sees_is_a_one_call_session(bool functionInvocationInPipeline)
    {
        await using var host = Host(out var model);
        var agent = Agent(host, model, functionInvocationInPipeline);
        var conversation = await agent.CreateSessionAsync();

        await agent.RunAsync("check order 42", conversation);
        await agent.RunAsync("check order 43", conversation);
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var sessions = await SessionsAsync(host);
        Assert.Equal(functionInvocationInPipeline ? 2 : 4, sessions.Count);
        Assert.All(sessions, s => Assert.Equal("true", s.Metadata["dreaming.unscoped"]));
        Assert.All(sessions, s => Assert.Equal("default", s.AgentId));
    }

    /// <summary>The pattern for Agent Framework: a run middleware on the agent that starts a session per run, so a run
    /// is one session whatever the pipeline, streaming too, and the conversation's runs are sessions of their own.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_run_middleware_that_starts_a_session_records_each_run_as_one_session(bool functionInvocationInPipeline, bool streaming)
    {
        await using var host = Host(out var model);
        var agent = SessionPerRun(Agent(host, model, functionInvocationInPipeline), host.Services);
        var conversation = await agent.CreateSessionAsync();

        Assert.Equal("order 42 has shipped", (await RunAsync(agent, "check order 42", streaming, conversation)).Text);
        Assert.Equal("order 43 has shipped", (await RunAsync(agent, "check order 43", streaming, conversation)).Text);

        await AssertTwoRunsRecordedAsync(host, functionInvocationInPipeline);
    }

    /// <summary>Asserts that the two runs 'check order 42' and 'check order 43' of one conversation are two completed
    /// sessions of support-bot, each holding the conversation the agent sent it.</summary>
    internal static async Task AssertTwoRunsRecordedAsync(TracingHost host, bool functionInvocationInPipeline)
    {
        var records = (await SessionsAsync(host)).OrderBy(s => s.StartedAt).ThenBy(s => s.Task, StringComparer.Ordinal).ToList();
        Assert.Equal(["check order 42", "check order 43"], records.Select(s => s.Task));
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            Assert.Equal("support-bot", record.AgentId);
            Assert.Equal(SessionStatus.Completed, record.Status);
            Assert.False(record.Metadata.ContainsKey("dreaming.unscoped"));
            Assert.Equal(functionInvocationInPipeline ? 1 : 2, record.Usage.ModelCalls);

            // A run's session records the conversation the agent sends it: the second run's holds the first run's
            // exchange (its context) once, then its own.
            var events = await host.EventsAsync(record.Id);
            Assert.Equal(i == 0 ? ["call-42"] : ["call-42", "call-43"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
            Assert.Equal(i == 0 ? ["call-42"] : ["call-42", "call-43"], events.OfType<ToolResultEvent>().Select(c => c.CallId));
            Assert.Equal(i + 1, events.OfType<MessageEvent>().Count(m => m.Role == "user"));
        }
    }

    /// <summary>A run inside a session already ambient (an orchestration item's, one the host started) is recorded
    /// there: the middleware starts none of its own.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_run_middleware_starts_no_session_inside_one(bool streaming)
    {
        await using var host = Host(out var model);
        var agent = SessionPerRun(Agent(host, model, functionInvocationInPipeline: true), host.Services);

        await using (var outer = host.Sessions.StartSession("host-job", "nightly check"))
        {
            Assert.Equal("order 42 has shipped", (await RunAsync(agent, "check order 42", streaming)).Text);
            await outer.CompleteAsync();
            Assert.Equal(["call-42"], (await host.EventsAsync(outer.Id)).OfType<ToolCallEvent>().Select(c => c.CallId));
        }

        Assert.Equal("host-job", Assert.Single(await SessionsAsync(host)).AgentId);
    }

    /// <summary>A run that fails ends its session failed, with the model's error recorded.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_run_ends_its_session_failed(bool streaming)
    {
        await using var host = Host(out var model);
        model.Failure = new InvalidOperationException("the model is down");
        var agent = SessionPerRun(Agent(host, model, functionInvocationInPipeline: true), host.Services);

        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(agent, "check order 42", streaming));

        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal(SessionStatus.Failed, record.Status);
        Assert.Equal("check order 42", record.Task);
        Assert.Contains(await host.EventsAsync(record.Id), e => e is ErrorEvent { Message: "the model is down" });
    }

    /// <summary>A cancelled run's session is abandoned, not failed.</summary>
    [Fact]
    public async Task A_cancelled_run_leaves_its_session_abandoned()
    {
        await using var host = Host(out var model);
        var agent = SessionPerRun(Agent(host, model, functionInvocationInPipeline: true), host.Services);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(agent, "check order 42", streaming: false, cancellationToken: cancelled.Token));
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var record = Assert.Single(await SessionsAsync(host));
        Assert.Equal(SessionStatus.Abandoned, record.Status);
    }

    /// <summary>The run middleware docs/tracing.md shows ("With Microsoft Agent Framework"), as it is there.</summary>
    internal static AIAgent SessionPerRun(AIAgent agent, IServiceProvider provider)
    {
        var sessions = provider.GetRequiredService<IAgentSessionFactory>();
        var current = provider.GetRequiredService<IAgentSessionAccessor>();
        return agent.AsBuilder()
            .Use(async (messages, conversation, options, next, cancellationToken) =>
            {
                if (current.Current is not null)
                {
                    await next(messages, conversation, options, cancellationToken);   // already recorded: an orchestration item, a session of yours
                    return;
                }

                var task = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "(no user message)";
                await using var session = sessions.StartSession("support-bot", task);
                try
                {
                    await next(messages, conversation, options, cancellationToken);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    await session.CompleteAsync(SessionStatus.Failed, cancellationToken: CancellationToken.None);
                    throw;
                }

                await session.CompleteAsync(cancellationToken: cancellationToken);
            })
            .Build();
    }

    internal static async Task<IReadOnlyList<SessionRecord>> SessionsAsync(TracingHost host) =>
        (await host.Store.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize })).Items;

    internal static TracingHost Host(out ToolCallingModel model)
    {
        model = new ToolCallingModel();
        return TracingHost.Create(model);
    }

    /// <summary>The agent an adopter builds: its chat client from the host's services (so <c>UseDreaming()</c> finds
    /// them), the tool on the agent.</summary>
    internal static ChatClientAgent Agent(TracingHost host, IChatClient model, bool functionInvocationInPipeline)
    {
        var builder = new ChatClientBuilder(model).UseDreaming();
        if (functionInvocationInPipeline)
        {
            builder.UseFunctionInvocation();
        }

        return new ChatClientAgent(builder.Build(host.Services), instructions: "You look up orders.", name: "support-bot", tools: [LookupOrder]);
    }

    internal static readonly AIFunction LookupOrder = AIFunctionFactory.Create((string orderId) => "shipped", "lookup_order");

    internal static async Task<AgentResponse> RunAsync(AIAgent agent, string message, bool streaming, Microsoft.Agents.AI.AgentSession? conversation = null, CancellationToken cancellationToken = default) =>
        streaming
            ? await agent.RunStreamingAsync(message, conversation, cancellationToken: cancellationToken).ToAgentResponseAsync(cancellationToken)
            : await agent.RunAsync(message, conversation, cancellationToken: cancellationToken);
}

/// <summary>A model that asks for <c>lookup_order</c> on a user's message and answers from its result, with usage
/// (20 + 5 tokens, then 10 + 5).</summary>
internal sealed class ToolCallingModel : IChatClient
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Exception? Failure { get; set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _calls);
        if (Failure is { } failure)
        {
            return Task.FromException<ChatResponse>(failure);
        }

        var list = messages.ToList();
        var last = list[^1];
        var order = System.Text.RegularExpressions.Regex.Matches(list.Last(m => m.Role == ChatRole.User).Text, @"order (\d+)")[^1].Groups[1].Value;
        if (last.Contents.OfType<FunctionResultContent>().FirstOrDefault() is { } result)
        {
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"order {order} has {result.Result}"))
            {
                ModelId = "fake-model",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 },
            });
        }

        var call = new FunctionCallContent("call-" + order, "lookup_order", new Dictionary<string, object?> { ["orderId"] = order });
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [call]))
        {
            ModelId = "fake-model",
            FinishReason = ChatFinishReason.ToolCalls,
            Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 5 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            await Task.Yield();
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", defaultModelId: "fake-model") : null;

    public void Dispose()
    {
    }
}
