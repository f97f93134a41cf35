using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

public class RubricEvaluatorTests
{
    private const string GoodArtifact = """{"summary": "Your refund for order #W123 of $42.50 is on its way. Sorry for the delay."}""";

    public static TheoryData<string, Rubric> InvalidRubrics => new()
    {
        { "no criteria", Rubric() },
        { "duplicate ids", Rubric(Model("same"), Model("SAME")) },
        { "negative weight", Rubric(Model("a", weight: -1)) },
        { "infinite weight", Rubric(Model("a", weight: double.PositiveInfinity)) },
        { "NaN weight", Rubric(Model("a", weight: double.NaN)) },
        { "all weights 0", Rubric(Model("a", weight: 0), Model("b", weight: 0)) },
        { "threshold above 1", Rubric(1.5, Model("a")) },
        { "threshold below 0", Rubric(-0.1, Model("a")) },
        { "threshold NaN", Rubric(double.NaN, Model("a")) },
    };

    [Theory]
    [MemberData(nameof(InvalidRubrics))]
    public async Task An_invalid_rubric_is_refused_before_any_grading(string problem, Rubric rubric)
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("a", "met")));

        var ex = await Assert.ThrowsAsync<RubricException>(() => new RubricEvaluator(new ModelGrader(grader.Client)).EvaluateAsync(rubric, "artifact"));

        Assert.False(string.IsNullOrWhiteSpace(ex.Message), problem);
        Assert.Equal(0, grader.CallCount);
    }

    [Fact]
    public async Task Without_a_grader_model_criteria_are_skipped_and_deterministic_ones_still_run()
    {
        var evaluation = await new RubricEvaluator().EvaluateAsync(IssueExample(), GoodArtifact);

        var skipped = Assert.Single(evaluation.Criteria, c => c.Verdict == CriterionVerdict.Skipped);
        Assert.Equal("content-3", skipped.Criterion.Id);
        Assert.Equal("no grader configured", skipped.Reason);
        Assert.All(evaluation.Criteria.Where(c => c != skipped), c => Assert.Equal(CriterionVerdict.Met, c.Verdict));
        Assert.Equal(1.0, evaluation.Score);
        Assert.True(evaluation.Passed);
        Assert.Equal(SessionUsage.Zero, evaluation.GraderUsage);
    }

    [Fact]
    public async Task All_model_criteria_go_to_the_grader_in_one_call_and_deterministic_ones_never_do()
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("m1", "met"), ("m2", "not_met")));
        var rubric = Rubric(0.5, Model("m1"), Contains("d1", "#W123"), Model("m2"));

        var evaluation = await new RubricEvaluator(new ModelGrader(grader.Client)).EvaluateAsync(rubric, "order #W123", "the task");

        Assert.Equal(1, grader.CallCount);
        var request = grader.Call(0).Messages[1].Text;
        Assert.Contains("`m1`", request, StringComparison.Ordinal);
        Assert.Contains("`m2`", request, StringComparison.Ordinal);
        Assert.DoesNotContain("`d1`", request, StringComparison.Ordinal);
        Assert.Equal(["m1", "d1", "m2"], evaluation.Criteria.Select(c => c.Criterion.Id));
        Assert.Equal([CriterionVerdict.Met, CriterionVerdict.Met, CriterionVerdict.NotMet], evaluation.Criteria.Select(c => c.Verdict));
        Assert.Equal(2.0 / 3, evaluation.Score, 12);
        Assert.True(evaluation.Passed);
        Assert.Equal(new SessionUsage { InputTokens = 100, OutputTokens = 20, CachedInputTokens = 10, ModelCalls = 1 }, evaluation.GraderUsage);
    }

    [Fact]
    public async Task A_rubric_of_deterministic_criteria_only_needs_no_grader_call()
    {
        var grader = new ScriptedGrader("unused");

        var evaluation = await new RubricEvaluator(new ModelGrader(grader.Client)).EvaluateAsync(Rubric(Contains("d1", "x")), "y");

        Assert.Equal(0, grader.CallCount);
        Assert.Equal(CriterionVerdict.NotMet, evaluation.Criteria[0].Verdict);
        Assert.False(evaluation.Passed);
    }

    [Theory]
    [InlineData("met", 1.0, true)]
    [InlineData("partially_met", 5.0 / 6, true)]
    [InlineData("not_met", 4.0 / 6, false)]
    public async Task The_example_rubric_of_the_issue_is_graded_with_its_threshold_and_weights(string verdict, double score, bool passed)
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("content-3", verdict)));

        var evaluation = await new RubricEvaluator(new ModelGrader(grader.Client)).EvaluateAsync(IssueExample(), GoodArtifact, "Summarise the refund of order W123");

        Assert.Equal(["content-1", "content-2", "content-3", "format-1", "format-2"], evaluation.Criteria.Select(c => c.Criterion.Id));
        Assert.All(evaluation.Criteria.Where(c => c.Criterion.Id != "content-3"), c => Assert.Equal(CriterionVerdict.Met, c.Verdict));
        Assert.Equal(score, evaluation.Score, 12);
        Assert.Equal(passed, evaluation.Passed);
        Assert.Equal(1, grader.CallCount);
    }

    [Fact]
    public async Task The_example_rubric_fails_on_its_required_criterion_whatever_the_score()
    {
        var grader = new ScriptedGrader(ScriptedGrader.Reply(("content-3", "met")));
        const string Artifact = """{"summary": "Your refund of $42.50 is on its way. Sorry for the delay."}""";

        var evaluation = await new RubricEvaluator(new ModelGrader(grader.Client)).EvaluateAsync(IssueExample(), Artifact);

        Assert.Equal(CriterionVerdict.NotMet, evaluation.Criteria[0].Verdict);
        Assert.Equal(5.0 / 6, evaluation.Score, 12);
        Assert.False(evaluation.Passed);
    }
}
