using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

public class RubricScoringTests
{
    [Fact]
    public void The_score_is_the_weighted_mean_of_met_partially_met_and_not_met()
    {
        var a = Model("a", weight: 1);
        var b = Model("b", weight: 2);
        var c = Model("c", weight: 1);
        var results = new[] { Result(a, CriterionVerdict.Met), Result(b, CriterionVerdict.PartiallyMet), Result(c, CriterionVerdict.NotMet) };

        Assert.Equal(0.5, RubricScoring.Score(results), 12);
        Assert.False(RubricScoring.Passed(Rubric(0.75, a, b, c), results));
        Assert.True(RubricScoring.Passed(Rubric(0.5, a, b, c), results));
    }

    [Fact]
    public void A_weight_0_criterion_is_reported_but_not_scored()
    {
        var scored = Model("scored");
        var reportOnly = Model("report-only", weight: 0);
        var results = new[] { Result(scored, CriterionVerdict.Met), Result(reportOnly, CriterionVerdict.NotMet) };

        var evaluation = RubricScoring.Evaluate(Rubric(scored, reportOnly), results);

        Assert.Equal(1.0, evaluation.Score);
        Assert.True(evaluation.Passed);
        Assert.Equal(2, evaluation.Criteria.Count);
    }

    [Theory]
    [InlineData(CriterionVerdict.PartiallyMet)]
    [InlineData(CriterionVerdict.NotMet)]
    [InlineData(CriterionVerdict.Skipped)]
    public void A_required_criterion_must_be_met_whatever_the_score(CriterionVerdict verdict)
    {
        var gate = Model("gate", required: true, weight: 0.1);
        var others = Enumerable.Range(1, 9).Select(i => Model($"c{i}")).ToArray();
        var results = others.Select(c => Result(c, CriterionVerdict.Met)).Prepend(Result(gate, verdict)).ToArray();

        var evaluation = RubricScoring.Evaluate(Rubric(0.5, [gate, .. others]), results);

        Assert.True(evaluation.Score > 0.9);
        Assert.False(evaluation.Passed);
        Assert.Contains("required criterion gate", RubricScoring.Explain(evaluation), StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_is_left_out_of_the_score_and_never_passes()
    {
        var a = Model("a");
        var b = Model("b");
        var results = new[] { Result(a, CriterionVerdict.Met), Result(b, CriterionVerdict.Error) };

        var evaluation = RubricScoring.Evaluate(Rubric(0, a, b), results);

        Assert.Equal(1.0, evaluation.Score);
        Assert.False(evaluation.Passed);
        Assert.True(evaluation.HasErrors);
        Assert.Equal("score 1, threshold 0: not passed, criterion b could not be checked", RubricScoring.Explain(evaluation));
    }

    [Fact]
    public void A_skipped_criterion_is_left_out_of_the_score()
    {
        var a = Model("a");
        var b = Model("b", weight: 5);
        var results = new[] { Result(a, CriterionVerdict.Met), Result(b, CriterionVerdict.Skipped) };

        var evaluation = RubricScoring.Evaluate(Rubric(a, b), results);

        Assert.Equal(1.0, evaluation.Score);
        Assert.True(evaluation.Passed);
    }

    [Fact]
    public void When_nothing_is_scored_the_score_is_0_and_nothing_passes_even_at_threshold_0()
    {
        var a = Model("a");
        var results = new[] { Result(a, CriterionVerdict.Skipped) };

        var evaluation = RubricScoring.Evaluate(Rubric(0, a), results);

        Assert.Equal(0, evaluation.Score);
        Assert.False(evaluation.Passed);
        Assert.EndsWith("no criterion was scored", RubricScoring.Explain(evaluation), StringComparison.Ordinal);
    }

    [Fact]
    public void A_score_equal_to_the_threshold_passes_despite_rounding()
    {
        var criteria = Enumerable.Range(0, 10).Select(i => Model($"c{i}", weight: 0.1)).ToArray();
        var results = criteria.Select((c, i) => Result(c, i < 7 ? CriterionVerdict.Met : CriterionVerdict.NotMet)).ToArray();

        Assert.True(RubricScoring.Passed(Rubric(0.7, criteria), results));
        Assert.False(RubricScoring.Passed(Rubric(0.71, criteria), results));
        Assert.Equal("score 0.7, threshold 0.7: passed", RubricScoring.Explain(RubricScoring.Evaluate(Rubric(0.7, criteria), results)));
    }
    [Fact]
    public void A_score_just_below_the_threshold_is_never_shown_as_reaching_it()
    {
        var met = Model("met", weight: 746);
        var missed = Model("missed", weight: 254);
        var evaluation = RubricScoring.Evaluate(Rubric(0.75, met, missed), [Result(met, CriterionVerdict.Met), Result(missed, CriterionVerdict.NotMet)]);
        Assert.False(evaluation.Passed);

        // Rounded, 0.746 reads "0.75": "scored 0.75, it must reach 0.75" and "score 0.75, threshold 0.75: not passed".
        Assert.StartsWith("score 0.746, threshold 0.75: not passed", RubricScoring.Explain(evaluation), StringComparison.Ordinal);
        Assert.StartsWith("Your work scored 0.74 against", OutcomeFeedback.Render(evaluation), StringComparison.Ordinal);

        var closer = RubricScoring.Evaluate(Rubric(0.75, met, missed) with { PassThreshold = 0.7465 }, [Result(met, CriterionVerdict.Met), Result(missed, CriterionVerdict.NotMet)]);
        Assert.StartsWith("score 0.746, threshold 0.7465: not passed", RubricScoring.Explain(closer), StringComparison.Ordinal);
    }
    [Fact]
    public void Huge_finite_weights_do_not_overflow_the_score_into_a_pass()
    {
        // Each weight is finite (valid), but their sum overflows to infinity: inf / inf is NaN, and NaN is never below a threshold.
        var criteria = new[] { Model("a", weight: 1e308), Model("b", weight: 1e308), Model("c", weight: 1e308) };
        var results = new[] { Result(criteria[0], CriterionVerdict.Met), Result(criteria[1], CriterionVerdict.Met), Result(criteria[2], CriterionVerdict.NotMet) };

        var evaluation = RubricScoring.Evaluate(Rubric(1.0, criteria), results);

        Assert.Equal(2.0 / 3, evaluation.Score, 12);
        Assert.False(evaluation.Passed);
    }
}
