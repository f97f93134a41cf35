using System.Diagnostics;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public sealed partial class OpenTelemetrySdkTests
{
    /// <summary>agent-framework.md: with Agent Framework's own <c>UseOpenTelemetry()</c> on the agent too, a run has two
    /// <c>invoke_agent</c> spans, the session's (<c>Dreaming.Core</c>, with the session id) and Agent Framework's, nested in
    /// the builder's order; the chat spans are under the inner one, once each.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_agent_with_Agent_Framework_telemetry_has_the_sessions_span_and_its_own(bool sessionsOutside)
    {
        await using var host = OtelHost.Create(OtelHost.ToolCallingModel());
        var builder = new ChatClientAgent(host.Chat, instructions: "You look up orders.", name: "support-bot", tools: [.. OtelHost.WithLookup().Tools!]).AsBuilder();
        var agent = sessionsOutside
            ? builder.UseDreamingSessions().UseOpenTelemetry().Build(host.Services)
            : builder.UseOpenTelemetry().UseDreamingSessions().Build(host.Services);
        ActivityTraceId trace;
        using (var request = OtelHost.Requests.StartActivity("GET /orders"))
        {
            trace = request!.TraceId;
            await agent.RunAsync("Where is order 42?");
            Assert.Same(request, Activity.Current);
        }

        var spans = host.Trace(trace);
        var root = Assert.Single(spans, s => s.DisplayName == "GET /orders");
        var session = Assert.Single(spans, s => s.Source.Name == DreamingTelemetry.SourceName && s.DisplayName == "invoke_agent support-bot");
        Assert.StartsWith("ses_", (string)session.GetTagItem("gen_ai.conversation.id")!, StringComparison.Ordinal);
        var framework = Assert.Single(spans, s => s.Source.Name == "Experimental.Microsoft.Agents.AI" && s.DisplayName.StartsWith("invoke_agent support-bot", StringComparison.Ordinal));
        var (outer, inner) = sessionsOutside ? (session, framework) : (framework, session);
        Assert.Equal(root.SpanId, outer.ParentSpanId);
        Assert.Equal(outer.SpanId, inner.ParentSpanId);
        var chats = spans.Where(s => s.DisplayName.StartsWith("chat", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, c => Assert.Equal(inner.SpanId, c.ParentSpanId));
        var tool = Assert.Single(spans, s => s.DisplayName == "execute_tool lookup");
        Assert.Equal(inner.SpanId, tool.ParentSpanId);

        // The tool's span is on the source of the invoke_agent span current when it runs: Agent Framework's when it is
        // the inner one, so a tracer without that source loses it (agent-framework.md).
        Assert.Equal(inner.Source.Name, tool.Source.Name);
    }

    /// <summary>agent-framework.md: without Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> in the chat client's
    /// pipeline (the page's own setup), Agent Framework's <c>UseOpenTelemetry()</c> on the agent instruments the agent's
    /// chat client from outside: one <c>chat</c> span for the whole run, around its function invocation, and no
    /// <c>execute_tool</c> span, whatever the run called.</summary>
    [Fact]
    public async Task Agent_Framework_telemetry_without_the_clients_own_has_one_chat_span_a_run_and_no_tool_spans()
    {
        await using var host = OtelHost.Create(OtelHost.ToolCallingModel(), clientTelemetry: false);
        var agent = new ChatClientAgent(host.Chat, instructions: "You look up orders.", name: "support-bot", tools: [.. OtelHost.WithLookup().Tools!])
            .AsBuilder()
            .UseDreamingSessions()
            .UseOpenTelemetry()
            .Build(host.Services);
        ActivityTraceId trace;
        using (var request = OtelHost.Requests.StartActivity("GET /orders"))
        {
            trace = request!.TraceId;
            Assert.Equal("order 42 has shipped", (await agent.RunAsync("Where is order 42?")).Text);
        }

        var spans = host.Trace(trace);
        var session = Assert.Single(spans, s => s.Source.Name == DreamingTelemetry.SourceName && s.DisplayName == "invoke_agent support-bot");
        var framework = Assert.Single(spans, s => s.Source.Name == "Experimental.Microsoft.Agents.AI" && s.DisplayName.StartsWith("invoke_agent support-bot", StringComparison.Ordinal));
        Assert.Equal(session.SpanId, framework.ParentSpanId);
        var chat = Assert.Single(spans, s => s.DisplayName.StartsWith("chat", StringComparison.Ordinal));
        Assert.Equal("Experimental.Microsoft.Agents.AI", chat.Source.Name);
        Assert.Equal(framework.SpanId, chat.ParentSpanId);
        Assert.DoesNotContain(spans, s => s.DisplayName.StartsWith("execute_tool", StringComparison.Ordinal));

        // The session recorded the tool call and its result all the same.
        var events = await host.Store.GetEventsAsync(Assert.IsType<string>(session.GetTagItem("gen_ai.conversation.id")));
        Assert.Contains(events, e => e is ToolCallEvent { ToolName: "lookup" });
        Assert.Contains(events, e => e is ToolResultEvent { ToolName: "lookup", IsError: false });
    }
}
