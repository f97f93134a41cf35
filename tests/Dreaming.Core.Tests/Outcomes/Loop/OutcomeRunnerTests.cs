using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class OutcomeRunnerTests
{
    private static readonly Rubric s_rubric = new()
    {
        Id = "refund",
        Title = "Refund summary",
        PassThreshold = 1.0,
        Criteria = [new RubricCriterion { Id = "order", Text = "Mentions the order number", Required = true, Kind = CriterionKind.Contains, Argument = "#W123" }],
    };

    [Fact]
    public async Task The_loop_converges_when_the_agent_fixes_its_work_from_the_feedback()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var feedbackSeen = new List<string?>();
        var run = await Runner(host).RunAsync(new OutcomeRequest
        {
            AgentId = "writer",
            Task = "Summarise the refund",
            Rubric = s_rubric,
            Agent = (attempt, _) =>
            {
                feedbackSeen.Add(attempt.Feedback);
                return Task.FromResult(attempt.Feedback is { } feedback && feedback.Contains("Mentions the order number", StringComparison.Ordinal)
                    ? "Refunded $12.00 for order #W123."
                    : "Refunded $12.00.");
            },
        });

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        Assert.Equal(2, run.Iterations);
        Assert.Null(feedbackSeen[0]);
        Assert.Contains("[required] Mentions the order number: not met", feedbackSeen[1], StringComparison.Ordinal);
        Assert.Equal([false, true], run.Evaluations.Select(e => e.Passed));

        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(SessionStatus.Completed, session!.Status);
        Assert.Equal("satisfied", session.Outcome!.Label);
        Assert.Equal(1.0, session.Outcome.Score);
        Assert.Equal("rubric:refund@1", session.Outcome.Source);
        var events = await host.Store.GetEventsAsync(run.SessionId);
        Assert.Equal(2, events.OfType<OutcomeEvaluationStartedEvent>().Count());
        var ended = events.OfType<OutcomeEvaluationEndedEvent>().ToList();
        Assert.Equal(["needs_revision", "satisfied"], ended.Select(e => e.Result));
        Assert.Equal("not_met", ended[0].Criteria.Single().Verdict);
        Assert.Equal("met", ended[1].Criteria.Single().Verdict);
    }

    [Fact]
    public async Task The_loop_stops_at_the_cap_when_the_agent_never_fixes_its_work()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var calls = 0;
        var run = await Runner(host).RunAsync(new OutcomeRequest
        {
            AgentId = "writer",
            Task = "Summarise the refund",
            Rubric = s_rubric,
            MaxIterations = 4,
            Agent = (_, _) => Task.FromResult("no order number, ever " + Interlocked.Increment(ref calls)),
        });

        Assert.Equal(OutcomeResult.MaxIterationsReached, run.Result);
        Assert.Equal(4, run.Iterations);
        Assert.Equal(4, calls);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal("max_iterations_reached", session!.Outcome!.Label);
        Assert.Equal(0.0, session.Outcome.Score);
        var ended = (await host.Store.GetEventsAsync(run.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Select(e => e.Result);
        Assert.Equal(["needs_revision", "needs_revision", "needs_revision", "max_iterations_reached"], ended);
    }

    [Fact]
    public async Task The_agents_chat_calls_are_recorded_in_the_loop_session_and_evaluations_reach_the_span()
    {
        var events = new List<ActivityEvent>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DreamingTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.DisplayName == "invoke_agent chat-writer") { lock (events) { events.AddRange(a.Events); } } },
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var run = await Runner(host).RunAsync(Request(_ => "unused") with
        {
            AgentId = "chat-writer",
            Agent = async (attempt, ct) => (await host.Chat.GetResponseAsync("write about #W123", cancellationToken: ct)).Text,
        });

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        var recorded = await host.Store.GetEventsAsync(run.SessionId);
        Assert.Contains(recorded, e => e is MessageEvent { Text: "echo: write about #W123" });
        lock (events)
        {
            Assert.Contains(events, e => e.Name == "gen_ai.evaluation.result" && (string?)e.Tags.First(t => t.Key == "gen_ai.evaluation.name").Value == "refund.order");
            Assert.Contains(events, e => e.Name == "gen_ai.evaluation.result" && (string?)e.Tags.First(t => t.Key == "gen_ai.evaluation.score.label").Value == "pass");
        }
    }

    [Fact]
    public async Task A_secret_in_a_criterion_reason_reaches_the_span_redacted()
    {
        const string Key = "sk-abcdefghijklmnopqrstuvwxyz123456";
        var explanations = new List<string?>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DreamingTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.DisplayName == "invoke_agent key-writer")
                {
                    lock (explanations)
                    {
                        explanations.AddRange(a.Events.SelectMany(e => e.Tags).Where(t => t.Key == "gen_ai.evaluation.explanation").Select(t => (string?)t.Value));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await host.Services.GetRequiredService<IOutcomeRunner>().RunAsync(new OutcomeRequest
        {
            AgentId = "key-writer",
            Task = "t",
            Rubric = new RubricBuilder("r", "R").Regex("Mentions a key", @"sk-\w+").Build(),
            Agent = (_, _) => Task.FromResult("use " + Key),
        });

        lock (explanations)
        {
            var explanation = Assert.Single(explanations);
            Assert.Contains("[REDACTED:api-key]", explanation, StringComparison.Ordinal);
            Assert.DoesNotContain(Key, explanation, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_the_real_evaluator_a_grader_that_answers_prose_fails_the_loop_and_never_passes()
    {
        var grader = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Looks great to me, all criteria met!"))),
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: b => b.AddGrader(grader));
        var rubric = new RubricBuilder("polite", "Polite answer").Judged("Apologises once").Contains("Names the order", "#W123").Build();

        var run = await host.Services.GetRequiredService<IOutcomeRunner>().RunAsync(new OutcomeRequest
        {
            AgentId = "writer",
            Task = "Apologise for order #W123",
            Rubric = rubric,
            Agent = (_, _) => Task.FromResult("Sorry about order #W123."),
        });

        Assert.Equal(OutcomeResult.Failed, run.Result);
        var evaluation = Assert.Single(run.Evaluations);
        Assert.False(evaluation.Passed);
        Assert.Equal(CriterionVerdict.Error, evaluation.Criteria[0].Verdict);
        Assert.Equal(CriterionVerdict.Met, evaluation.Criteria[1].Verdict);
        Assert.Equal(SessionStatus.Failed, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
    }

    [Fact]
    public async Task With_a_registered_grader_model_judged_criteria_are_graded_and_its_usage_recorded()
    {
        var grader = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant,
                messages.Last().Text.Contains("Sorry", StringComparison.Ordinal)
                    ? """{"criteria":[{"id":"criterion-1","reason":"apologises once","verdict":"met"}]}"""
                    : """{"criteria":[{"id":"criterion-1","reason":"no apology","verdict":"not_met"}]}"""))
            {
                Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 },
            }),
        };
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: b => b.AddGrader(grader));
        var rubric = new RubricBuilder("polite", "Polite answer").Judged("Apologises once").Build();

        var run = await host.Services.GetRequiredService<IOutcomeRunner>().RunAsync(new OutcomeRequest
        {
            AgentId = "writer",
            Task = "Apologise",
            Rubric = rubric,
            Agent = (attempt, _) => Task.FromResult(attempt.Feedback is null ? "Your order is late." : "Sorry, your order is late."),
        });

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        Assert.Equal(2, run.Iterations);
        Assert.Equal(200, run.GraderUsage.InputTokens);
        var ended = (await host.Store.GetEventsAsync(run.SessionId)).OfType<OutcomeEvaluationEndedEvent>().ToList();
        Assert.All(ended, e => Assert.Equal(100, e.GraderUsage.InputTokens));
        Assert.Equal("no grader configured", await UngradedReasonAsync());

        async Task<string?> UngradedReasonAsync()
        {
            await using var bare = TracingHost.Create(FakeChatClient.Echo());
            var evaluation = await bare.Services.GetRequiredService<IRubricEvaluator>().EvaluateAsync(rubric, "Sorry.");
            return evaluation.Criteria[0].Reason;
        }
    }

    private static OutcomeRequest Request(Func<OutcomeAttempt, string> agent, Func<OutcomeEscalation, CancellationToken, Task<EscalationDecision>>? escalation = null) => new()
    {
        AgentId = "writer",
        Task = "Summarise the refund",
        Rubric = s_rubric,
        Agent = (attempt, _) => Task.FromResult(agent(attempt)),
        Escalation = escalation,
    };

    private static OutcomeRunner Runner(TracingHost host) => new(host.Sessions, new DelegateEvaluator(static (rubric, artifact) =>
    {
        var met = artifact.Contains(rubric.Criteria[0].Argument!, StringComparison.Ordinal);
        return new RubricEvaluation
        {
            Rubric = rubric,
            Criteria = [new CriterionResult { Criterion = rubric.Criteria[0], Verdict = met ? CriterionVerdict.Met : CriterionVerdict.NotMet, Reason = met ? null : "missing" }],
            Score = met ? 1 : 0,
            Passed = met,
        };
    }));

    /// <summary>A grader that never answers and ignores its token.</summary>
    internal sealed class HangingEvaluator : IRubricEvaluator
    {
        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<RubricEvaluation> EvaluateAsync(Rubric rubric, string artifact, string? task = null, CancellationToken cancellationToken = default)
        {
            Called.TrySetResult();
            return new TaskCompletionSource<RubricEvaluation>().Task;
        }
    }

    private sealed class DelegateEvaluator(Func<Rubric, string, RubricEvaluation> evaluate) : IRubricEvaluator
    {
        public Task<RubricEvaluation> EvaluateAsync(Rubric rubric, string artifact, string? task = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(evaluate(rubric, artifact));
    }
}
