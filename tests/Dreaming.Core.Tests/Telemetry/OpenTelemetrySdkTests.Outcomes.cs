using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public sealed partial class OpenTelemetrySdkTests
{
    /// <summary>An outcome loop is its session's invoke_agent span: the agent's model calls and the grader's calls (its own
    /// client with UseOpenTelemetry()) are chat spans under it, and each evaluation is exported as its
    /// gen_ai.evaluation.result events (outcomes.md).</summary>
    [Fact]
    public async Task An_outcome_loop_exports_its_agent_and_grader_calls_under_its_span_with_evaluation_events()
    {
        var grader = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant,
                messages.Last().Text.Contains("Sorry", StringComparison.Ordinal)
                    ? """{"criteria":[{"id":"criterion-1","reason":"apologises once","verdict":"met"}]}"""
                    : """{"criteria":[{"id":"criterion-1","reason":"no apology","verdict":"not_met"}]}""")))
        };
        await using var host = OtelHost.Create(FakeChatClient.Echo(), dreaming: d => d.AddGrader(grader.AsBuilder().UseOpenTelemetry().Build()));
        ActivityTraceId trace;
        OutcomeRun run;
        using (var request = OtelHost.Requests.StartActivity("POST /apologise"))
        {
            trace = request!.TraceId;
            run = await host.Services.GetRequiredService<IOutcomeRunner>().RunAsync(new OutcomeRequest
            {
                AgentId = "writer",
                Task = "Apologise",
                Rubric = new RubricBuilder("polite", "Polite answer").Judged("Apologises once").Build(),
                Agent = async (attempt, ct) => attempt.Feedback is null ? (await host.Chat.GetResponseAsync("answer", cancellationToken: ct)).Text : "Sorry, your order is late.",
            });
            Assert.Same(request, Activity.Current);
        }

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        var spans = host.Trace(trace);
        var loop = Assert.Single(spans, s => s.DisplayName == "invoke_agent writer");
        Assert.Equal(run.SessionId, loop.GetTagItem("gen_ai.conversation.id"));
        Assert.Equal(Assert.Single(spans, s => s.DisplayName == "POST /apologise").SpanId, loop.ParentSpanId);

        // The agent's one call and the grader's two, all under the loop's span, none duplicated.
        var chats = spans.Where(s => s.DisplayName.StartsWith("chat", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, chats.Count);
        Assert.All(chats, c => Assert.Equal(loop.SpanId, c.ParentSpanId));
        Assert.Equal(3, spans.Count(s => s.ParentSpanId == loop.SpanId));

        var evaluations = loop.Events.Where(e => e.Name == "gen_ai.evaluation.result").ToList();
        Assert.Equal(4, evaluations.Count);
        Assert.Equal(["fail", "fail", "pass", "pass"], evaluations.Select(e => (string)e.Tags.Single(t => t.Key == "gen_ai.evaluation.score.label").Value!));
    }
}
