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
        Assert.Equal(inner.SpanId, Assert.Single(spans, s => s.DisplayName == "execute_tool lookup").ParentSpanId);
    }
}
