using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>What an adopter's OpenTelemetry pipeline receives, with the real SDK wired as tracing.md tells: a request
/// span, the session's <c>invoke_agent</c> span under it, and under that the <c>chat</c> spans of
/// <c>UseOpenTelemetry()</c> and the <c>execute_tool</c> spans of <c>UseFunctionInvocation()</c>.</summary>
public sealed partial class OpenTelemetrySdkTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Chat_and_tool_spans_nest_under_the_session_span_once_each(bool explicitSession, bool streamed)
    {
        await using var host = OtelHost.Create(OtelHost.ToolCallingModel());
        ActivityTraceId trace;
        string? sessionId = null;
        using (var request = OtelHost.Requests.StartActivity("GET /orders"))
        {
            Assert.NotNull(request);
            trace = request.TraceId;
            var session = explicitSession ? host.Sessions.StartSession(new AgentSessionOptions { AgentId = "support-bot", Task = "where is 42" }) : null;
            await using (session)
            {
                sessionId = session?.Id;
                if (streamed)
                {
                    await foreach (var _ in host.Chat.GetStreamingResponseAsync("where is my order 42?", OtelHost.WithLookup()))
                    {
                        Assert.Same(session is null ? request : Activity.Current, Activity.Current);
                    }
                }
                else
                {
                    await host.Chat.GetResponseAsync("where is my order 42?", OtelHost.WithLookup());
                }

                if (session is not null)
                {
                    await session.CompleteAsync();
                }
            }

            // No span of the library is left current in the request's flow.
            Assert.Same(request, Activity.Current);
        }

        Assert.Null(Activity.Current);
        var spans = host.Trace(trace);
        var root = Assert.Single(spans, s => s.DisplayName == "GET /orders");
        var agent = Assert.Single(spans, s => s.OperationName.StartsWith("invoke_agent", StringComparison.Ordinal) || s.DisplayName.StartsWith("invoke_agent", StringComparison.Ordinal));
        Assert.Equal(explicitSession ? "invoke_agent support-bot" : "invoke_agent default", agent.DisplayName);
        Assert.Equal(ActivityKind.Internal, agent.Kind);
        Assert.Equal(root.SpanId, agent.ParentSpanId);
        Assert.Equal("invoke_agent", agent.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("fake", agent.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("fake-model", agent.GetTagItem("gen_ai.request.model"));
        Assert.Equal(20L, agent.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal("completed", agent.GetTagItem("dreaming.session.status"));
        Assert.Equal(ActivityStatusCode.Unset, agent.Status);
        if (sessionId is not null)
        {
            Assert.Equal(sessionId, agent.GetTagItem("gen_ai.conversation.id"));
        }

        // One chat span per model round trip (UseDreaming() adds none of its own), and the tool call, all in the session.
        var chats = spans.Where(s => s.DisplayName.StartsWith("chat", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, c =>
        {
            Assert.Equal("chat fake-model", c.DisplayName);
            Assert.Equal(ActivityKind.Client, c.Kind);
            Assert.Equal(agent.SpanId, c.ParentSpanId);
        });
        var tool = Assert.Single(spans, s => s.DisplayName.StartsWith("execute_tool", StringComparison.Ordinal));
        Assert.Equal("execute_tool lookup", tool.DisplayName);
        Assert.Equal("execute_tool", tool.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(agent.SpanId, tool.ParentSpanId);

        // UseFunctionInvocation() starts it on the source of the invoke_agent span (tracing.md says so).
        Assert.Equal(DreamingTelemetry.SourceName, tool.Source.Name);
        Assert.Equal(DreamingTelemetry.SourceName, agent.Source.Name);
        Assert.All(chats, c => Assert.Equal("Experimental.Microsoft.Extensions.AI", c.Source.Name));
        Assert.Equal(5, spans.Count);
    }

    [Fact]
    public async Task An_orchestration_run_is_an_invoke_agent_span_with_its_items_sessions_under_it()
    {
        await using var host = OtelHost.Create(FakeChatClient.Echo(), dreaming: d => d.AddOrchestrator());
        ActivityTraceId trace;
        OrchestrationRun run;
        using (var request = OtelHost.Requests.StartActivity("POST /release-note"))
        {
            trace = request!.TraceId;
            run = await host.Services.GetRequiredService<IOrchestrator>().RunAsync(new OrchestrationRequest
            {
                Agents =
                [
                    new RosterAgent { Name = "researcher", Instructions = "You find facts.", ChatClient = FakeChatClient.Echo().AsBuilder().UseOpenTelemetry().Build() },
                    new RosterAgent { Name = "writer", Run = (_, _) => Task.FromResult(new WorkItemReply("the note")) },
                ],
                Plan = new OrchestrationPlan
                {
                    Goal = "Prepare the release note",
                    Items =
                    [
                        new WorkItem { Id = "changes", Agent = "researcher", Instructions = "List the changes" },
                        new WorkItem { Id = "note", Agent = "writer", Instructions = "Write the note", DependsOn = ["changes"] },
                    ],
                },
            });
            Assert.Same(request, Activity.Current);
        }

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var spans = host.Trace(trace);
        var root = Assert.Single(spans, s => s.DisplayName == "POST /release-note");
        var orchestrator = Assert.Single(spans, s => s.DisplayName == "invoke_agent orchestrator");
        Assert.Equal(root.SpanId, orchestrator.ParentSpanId);
        Assert.Equal(run.SessionId, orchestrator.GetTagItem("gen_ai.conversation.id"));
        foreach (var item in run.Items)
        {
            var span = Assert.Single(spans, s => (string?)s.GetTagItem("gen_ai.conversation.id") == item.SessionId);
            Assert.Equal(orchestrator.SpanId, span.ParentSpanId);
            Assert.Equal(run.SessionId, span.GetTagItem("dreaming.session.parent_id"));
        }

        var researcher = Assert.Single(spans, s => s.DisplayName == "invoke_agent researcher");
        var chat = Assert.Single(spans, s => s.DisplayName.StartsWith("chat", StringComparison.Ordinal));
        Assert.Equal(researcher.SpanId, chat.ParentSpanId);
    }
}
