using System.Diagnostics;

namespace Dreaming.Tests;

/// <summary>The gen_ai.evaluation.result events on a session's span follow the conventions' attribute levels.</summary>
public class EvaluationTelemetryTests
{
    [Fact]
    public async Task A_criterion_whose_evaluator_failed_carries_error_type_and_the_others_do_not()
    {
        var agent = "eval-" + Guid.NewGuid().ToString("N");
        var events = new List<ActivityEvent>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == DreamingTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if ((string?)a.GetTagItem("gen_ai.agent.name") == agent) { lock (events) { events.AddRange(a.Events); } } },
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var rubric = new Rubric
        {
            Id = "refund",
            Title = "Refund",
            Criteria =
            [
                new RubricCriterion { Id = "order", Text = "Mentions the order", Kind = CriterionKind.Contains, Argument = "#W1" },
                new RubricCriterion { Id = "tone", Text = "Is polite" },
            ],
        };
        var evaluation = new RubricEvaluation
        {
            Rubric = rubric,
            Criteria =
            [
                new CriterionResult { Criterion = rubric.Criteria[0], Verdict = CriterionVerdict.Met, Reason = "found" },
                new CriterionResult { Criterion = rubric.Criteria[1], Verdict = CriterionVerdict.Error, Reason = "the grader timed out" },
            ],
            Score = 1,
            Passed = true,
        };

        await using (var session = host.Sessions.StartSession(agent, "t"))
        {
            EvaluationTelemetry.Record(session, evaluation, redacted: null);
            await session.CompleteAsync();
        }

        object? Tag(string name, string key)
        {
            lock (events)
            {
                return events.Single(e => (string?)e.Tags.First(t => t.Key == "gen_ai.evaluation.name").Value == name).Tags.FirstOrDefault(t => t.Key == key).Value;
            }
        }

        Assert.Equal("error", Tag("refund.tone", "gen_ai.evaluation.score.label"));
        Assert.Equal("_OTHER", Tag("refund.tone", "error.type"));
        Assert.Null(Tag("refund.order", "error.type"));
        Assert.Null(Tag("refund", "error.type"));
    }
}
