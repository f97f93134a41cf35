using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

public class RubricEvaluatorAdapterTests
{
    private static readonly ChatMessage[] s_conversation =
    [
        new(ChatRole.System, "You are a support agent."),
        new(ChatRole.User, "Hi"),
        new(ChatRole.Assistant, "Hello, how can I help?"),
        new(ChatRole.User, "Summarise the refund of order W123"),
    ];

    private static readonly ChatResponse s_response = new(new ChatMessage(ChatRole.Assistant, """{"summary": "Refund for order #W123 of $42.50 issued. Sorry!"}"""));

    [Fact]
    public void Names_one_metric_per_criterion_and_the_overall_score()
    {
        var adapter = new RubricEvaluatorAdapter(IssueExample());

        Assert.Equal(["content-1", "content-2", "content-3", "format-1", "format-2", "rubric.score"], adapter.EvaluationMetricNames);
    }

    [Fact]
    public async Task Grades_the_response_with_the_configured_chat_client_and_the_last_user_message_as_the_task()
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("content-3", "partially_met")));
        var adapter = new RubricEvaluatorAdapter(IssueExample());

        var result = await adapter.EvaluateAsync(s_conversation, s_response, new ChatConfiguration(grader.Client));

        var request = grader.Call(0).Messages;
        Assert.Equal(2, request.Length);
        Assert.Contains("<task>\nSummarise the refund of order W123\n</task>", request[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("support agent", request[1].Text, StringComparison.Ordinal);
        Assert.Equal(adapter.EvaluationMetricNames.Order(), result.Metrics.Keys.Order());

        var met = result.Get<NumericMetric>("content-1");
        Assert.Equal(1.0, met.Value);
        Assert.Equal(EvaluationRating.Good, met.Interpretation!.Rating);
        Assert.False(met.Interpretation.Failed);
        Assert.Equal("true", met.Metadata!["required"]);

        var partial = result.Get<NumericMetric>("content-3");
        Assert.Equal(0.5, partial.Value);
        Assert.Equal("reason for content-3: partially_met", partial.Reason);
        Assert.Equal(EvaluationRating.Average, partial.Interpretation!.Rating);
        Assert.False(partial.Interpretation.Failed);
        Assert.Equal("partially_met", partial.Metadata!["verdict"]);

        var score = result.Get<NumericMetric>(RubricEvaluatorAdapter.ScoreMetricName);
        Assert.Equal(5.0 / 6, score.Value!.Value, 12);
        Assert.False(score.Interpretation!.Failed);
        Assert.Equal(EvaluationRating.Good, score.Interpretation.Rating);
        Assert.StartsWith("score 0.833, threshold 0.75: passed", score.Reason, StringComparison.Ordinal);
        Assert.Equal("100", score.Metadata!["grader.input_tokens"]);
    }

    [Fact]
    public async Task A_criterion_not_met_fails_and_the_score_fails_when_the_rubric_does_not_pass()
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("content-3", "not_met")));

        var result = await new RubricEvaluatorAdapter(IssueExample()).EvaluateAsync(s_conversation, s_response, new ChatConfiguration(grader.Client));

        var notMet = result.Get<NumericMetric>("content-3");
        Assert.Equal(0.0, notMet.Value);
        Assert.True(notMet.Interpretation!.Failed);
        Assert.Equal(EvaluationRating.Unacceptable, notMet.Interpretation.Rating);
        var score = result.Get<NumericMetric>(RubricEvaluatorAdapter.ScoreMetricName);
        Assert.True(score.Interpretation!.Failed);
        Assert.Equal(EvaluationRating.Unacceptable, score.Interpretation.Rating);
    }

    [Fact]
    public async Task A_grader_error_has_no_value_an_error_diagnostic_and_fails()
    {
        var grader = new ScriptedGrader("I cannot grade this.");

        var result = await new RubricEvaluatorAdapter(IssueExample()).EvaluateAsync(s_conversation, s_response, new ChatConfiguration(grader.Client));

        var error = result.Get<NumericMetric>("content-3");
        Assert.Null(error.Value);
        Assert.True(error.Interpretation!.Failed);
        Assert.Equal(EvaluationRating.Inconclusive, error.Interpretation.Rating);
        Assert.Contains(error.Diagnostics!, d => d.Severity == EvaluationDiagnosticSeverity.Error);
        var score = result.Get<NumericMetric>(RubricEvaluatorAdapter.ScoreMetricName);
        Assert.True(score.Interpretation!.Failed);
        Assert.Equal(EvaluationRating.Inconclusive, score.Interpretation.Rating);
    }

    [Fact]
    public async Task Without_a_chat_configuration_model_criteria_are_skipped_with_a_warning()
    {
        var result = await new RubricEvaluatorAdapter(IssueExample()).EvaluateAsync(s_conversation, s_response);

        var skipped = result.Get<NumericMetric>("content-3");
        Assert.Null(skipped.Value);
        Assert.False(skipped.Interpretation!.Failed);
        Assert.Contains(skipped.Diagnostics!, d => d.Severity == EvaluationDiagnosticSeverity.Warning && d.Message.Contains("no grader configured", StringComparison.Ordinal));
        Assert.Equal(1.0, result.Get<NumericMetric>(RubricEvaluatorAdapter.ScoreMetricName).Value);
    }

    [Fact]
    public async Task A_given_rubric_evaluator_is_used_instead_of_the_chat_configuration()
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("content-3", "met")));
        var unused = new ScriptedGrader("unused");
        var adapter = new RubricEvaluatorAdapter(IssueExample(), new RubricEvaluator(new ModelGrader(grader.Client)));

        var result = await adapter.EvaluateAsync(s_conversation, s_response, new ChatConfiguration(unused.Client));

        Assert.Equal(1, grader.CallCount);
        Assert.Equal(0, unused.CallCount);
        Assert.Equal(EvaluationRating.Exceptional, result.Get<NumericMetric>(RubricEvaluatorAdapter.ScoreMetricName).Interpretation!.Rating);
    }

    [Fact]
    public void A_criterion_named_like_the_score_metric_and_an_invalid_rubric_are_refused()
    {
        Assert.Throws<RubricException>(() => new RubricEvaluatorAdapter(Rubric(Model("rubric.score"))));
        Assert.Throws<RubricException>(() => new RubricEvaluatorAdapter(Rubric()));
        Assert.Throws<ArgumentException>(() => new RubricEvaluatorAdapter(Rubric(Model("a")), new ModelGraderOptions { Samples = 2 }));
    }
}
