using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

public class RubricAggregationTests
{
    private static readonly RubricCriterion s_heavyA = Model("a", weight: 2);
    private static readonly RubricCriterion s_heavyB = Model("b", weight: 2);
    private static readonly RubricCriterion s_light = Model("c", weight: 1);

    // Weighted mean (2 + 2 + 0) / 5 = 0.8 passes 0.75; the weakest criterion scores 0.
    private static readonly CriterionResult[] s_oneLightMiss =
        [Result(s_heavyA, CriterionVerdict.Met), Result(s_heavyB, CriterionVerdict.Met), Result(s_light, CriterionVerdict.NotMet)];

    [Fact]
    public void A_minimum_rubric_fails_work_whose_weighted_mean_would_pass()
    {
        var rubric = Rubric(0.75, s_heavyA, s_heavyB, s_light) with { Aggregation = RubricAggregation.Minimum };

        var evaluation = RubricScoring.Evaluate(rubric, s_oneLightMiss);

        Assert.Equal(0, evaluation.Score);
        Assert.False(evaluation.Passed);
        Assert.False(RubricScoring.Passed(rubric, s_oneLightMiss));
        Assert.Equal(0, RubricScoring.Score(rubric, s_oneLightMiss));
        Assert.Equal("score 0 (minimum), threshold 0.75: not passed, the score is below the threshold", RubricScoring.Explain(evaluation));
        Assert.StartsWith("Your work scored 0 (the score of its weakest criterion) against \"Refund summary\"; it must reach 0.75.", OutcomeFeedback.Render(evaluation), StringComparison.Ordinal);
    }

    [Fact]
    public void A_rubric_without_an_aggregation_scores_the_weighted_mean_exactly_as_before()
    {
        var rubric = Rubric(0.75, s_heavyA, s_heavyB, s_light);

        var evaluation = RubricScoring.Evaluate(rubric, s_oneLightMiss);

        Assert.Equal(RubricAggregation.WeightedMean, rubric.Aggregation);
        Assert.Equal(0.8, evaluation.Score, 12);
        Assert.Equal(RubricScoring.Score(s_oneLightMiss), evaluation.Score);
        Assert.Equal(evaluation.Score, RubricScoring.Score(rubric, s_oneLightMiss));
        Assert.True(evaluation.Passed);
        Assert.Equal("score 0.8, threshold 0.75: passed", RubricScoring.Explain(evaluation));
        Assert.StartsWith("Your work scored 0.8 against \"Refund summary\"; it must reach 0.75.", OutcomeFeedback.Render(evaluation), StringComparison.Ordinal);
    }

    [Fact]
    public void The_minimum_is_the_lowest_scored_criterion_whatever_the_weights()
    {
        var rubric = Rubric(0.5, s_heavyA, s_heavyB, s_light) with { Aggregation = RubricAggregation.Minimum };
        CriterionResult[] results = [Result(s_heavyA, CriterionVerdict.Met), Result(s_heavyB, CriterionVerdict.Met), Result(s_light, CriterionVerdict.PartiallyMet)];

        var evaluation = RubricScoring.Evaluate(rubric, results);

        Assert.Equal(0.5, evaluation.Score);
        Assert.True(evaluation.Passed);
        Assert.False(RubricScoring.Evaluate(rubric with { PassThreshold = 0.51 }, results).Passed);
        Assert.Equal(0.5, RubricScoring.Score(results, RubricAggregation.Minimum));
    }

    [Fact]
    public void Under_the_minimum_report_only_skipped_and_errored_criteria_stay_out_of_the_score()
    {
        var scored = Model("scored");
        var half = Model("half", weight: 0.5);
        var reportOnly = Model("report-only", weight: 0);
        var skipped = Model("skipped", weight: 3);
        var rubric = Rubric(0.5, scored, half, reportOnly, skipped) with { Aggregation = RubricAggregation.Minimum };
        CriterionResult[] results = [Result(scored, CriterionVerdict.Met), Result(half, CriterionVerdict.PartiallyMet), Result(reportOnly, CriterionVerdict.NotMet), Result(skipped, CriterionVerdict.Skipped)];

        var evaluation = RubricScoring.Evaluate(rubric, results);

        Assert.Equal(0.5, evaluation.Score);
        Assert.True(evaluation.Passed);

        var errored = RubricScoring.Evaluate(rubric, [Result(scored, CriterionVerdict.Met), Result(half, CriterionVerdict.PartiallyMet), Result(reportOnly, CriterionVerdict.NotMet), Result(skipped, CriterionVerdict.Error)]);
        Assert.Equal(0.5, errored.Score);
        Assert.False(errored.Passed);

        var nothing = RubricScoring.Evaluate(rubric with { PassThreshold = 0 }, [Result(scored, CriterionVerdict.Skipped), Result(half, CriterionVerdict.Skipped), Result(reportOnly, CriterionVerdict.Met), Result(skipped, CriterionVerdict.Skipped)]);
        Assert.Equal(0, nothing.Score);
        Assert.False(nothing.Passed);
    }

    [Fact]
    public void Under_the_minimum_a_required_criterion_must_still_be_met()
    {
        // A weight-0 required criterion is outside the score but still gates the pass.
        var gate = Model("gate", required: true, weight: 0);
        var other = Model("other", weight: 3);
        var half = Model("half");
        var rubric = Rubric(0.5, gate, other, half) with { Aggregation = RubricAggregation.Minimum };

        var evaluation = RubricScoring.Evaluate(rubric, [Result(gate, CriterionVerdict.PartiallyMet), Result(other, CriterionVerdict.Met), Result(half, CriterionVerdict.PartiallyMet)]);

        Assert.Equal(0.5, evaluation.Score);
        Assert.False(evaluation.Passed);
        Assert.EndsWith("required criterion gate is only partially met", RubricScoring.Explain(evaluation), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_undefined_aggregation_is_refused_when_built_and_when_evaluated()
    {
        var undefined = (RubricAggregation)7;

        var built = Assert.Throws<RubricException>(() => new RubricBuilder("r", "R").WithAggregation(undefined).Judged("X").Build());
        Assert.Contains("Aggregation is 7; it must be WeightedMean or Minimum", built.Message, StringComparison.Ordinal);
        var evaluated = await Assert.ThrowsAsync<RubricException>(() => new RubricEvaluator().EvaluateAsync(Rubric(Contains("a", "x")) with { Aggregation = undefined }, "x"));
        Assert.Contains("Aggregation is 7", evaluated.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("aggregation", () => RubricScoring.Score(s_oneLightMiss, undefined));
        Assert.Throws<ArgumentNullException>("rubric", () => RubricScoring.Score(null!, s_oneLightMiss));
    }

    [Fact]
    public void The_builder_sets_the_aggregation_and_defaults_to_the_weighted_mean()
    {
        Assert.Equal(RubricAggregation.WeightedMean, new RubricBuilder("r", "R").Judged("X").Build().Aggregation);
        Assert.Equal(RubricAggregation.Minimum, new RubricBuilder("r", "R").WithAggregation(RubricAggregation.Minimum).Judged("X").Build().Aggregation);
    }

    [Theory]
    [InlineData(RubricAggregation.WeightedMean, "weighted_mean")]
    [InlineData(RubricAggregation.Minimum, "minimum")]
    public void Each_aggregation_has_a_wire_name_that_reads_back(RubricAggregation aggregation, string name)
    {
        Assert.Equal(name, RubricAggregationNames.Of(aggregation));
        Assert.True(RubricAggregationNames.TryParse(name, out var read));
        Assert.Equal(aggregation, read);
        Assert.True(RubricAggregationNames.TryParse(" " + name.Replace('_', ' ').ToUpperInvariant() + " ", out read));
        Assert.Equal(aggregation, read);
    }

    [Theory]
    [InlineData("")]
    [InlineData("mean")]
    [InlineData("min")]
    [InlineData("weightedmean")]
    public void Unknown_aggregation_names_do_not_read(string name) => Assert.False(RubricAggregationNames.TryParse(name, out _));

    [Fact]
    public void An_evaluation_ended_event_stored_before_aggregations_existed_reads_as_the_weighted_mean()
    {
        SessionEvent minimum = new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "r", Result = "needs_revision", Score = 0.5, Threshold = 0.75, Aggregation = "minimum" };
        var json = JsonNode.Parse(JsonSerializer.Serialize(minimum))!.AsObject();
        Assert.Equal("minimum", Assert.IsType<OutcomeEvaluationEndedEvent>(JsonSerializer.Deserialize<SessionEvent>(json.ToJsonString())).Aggregation);

        Assert.True(json.Remove(nameof(OutcomeEvaluationEndedEvent.Aggregation)));
        var old = Assert.IsType<OutcomeEvaluationEndedEvent>(JsonSerializer.Deserialize<SessionEvent>(json.ToJsonString()));

        Assert.Equal(("weighted_mean", 0.5, 0.75), (old.Aggregation, old.Score, old.Threshold));
    }

    [Fact]
    public async Task The_evaluation_adapters_score_metric_applies_and_names_the_aggregation()
    {
        // The issue's example with its model-judged criterion skipped: order, JSON and length met, no amount.
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"summary": "Refund for order #W123 issued."}"""));
        ChatMessage[] conversation = [new(ChatRole.User, "Summarise the refund")];

        var byMean = (await new RubricEvaluatorAdapter(IssueExample()).EvaluateAsync(conversation, response)).Get<NumericMetric>(RubricEvaluatorAdapter.ScoreMetricName);
        var byMinimum = (await new RubricEvaluatorAdapter(IssueExample() with { Aggregation = RubricAggregation.Minimum }).EvaluateAsync(conversation, response))
            .Get<NumericMetric>(RubricEvaluatorAdapter.ScoreMetricName);

        Assert.Equal((0.75, false, "weighted_mean"), (byMean.Value, byMean.Interpretation!.Failed, byMean.Metadata!["aggregation"]));
        Assert.Equal((0.0, true, "minimum"), (byMinimum.Value, byMinimum.Interpretation!.Failed, byMinimum.Metadata!["aggregation"]));
        Assert.StartsWith("score 0 (minimum), threshold 0.75: not passed", byMinimum.Reason, StringComparison.Ordinal);
    }
}
