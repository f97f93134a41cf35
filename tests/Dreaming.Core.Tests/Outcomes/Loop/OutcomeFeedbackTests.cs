using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests;

public sealed class OutcomeFeedbackTests
{
    [Fact]
    public void A_report_only_gap_is_marked_so_the_agent_spends_its_revision_on_what_counts()
    {
        var order = Model("order", "Mentions the order number", required: true);
        var length = Model("length", "At most 600 characters", weight: 2);
        var tone = Model("tone", "Uses the customer's name", weight: 0);
        var gate = Model("policy", "Cites the refund policy", weight: 0, required: true);
        var evaluation = RubricScoring.Evaluate(
            Rubric(0.75, order, length, tone, gate),
            [Result(order, CriterionVerdict.NotMet), Result(length, CriterionVerdict.PartiallyMet), Result(tone, CriterionVerdict.NotMet), Result(gate, CriterionVerdict.NotMet)]);

        var lines = OutcomeFeedback.Render(evaluation).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
            [
                "- [required] Mentions the order number: not met (NotMet)",
                "- [required] Cites the refund policy: not met (NotMet)",
                "- At most 600 characters: partially met (PartiallyMet)",
                "- [report only: does not count toward the score] Uses the customer's name: not met (NotMet)",
            ],
            lines.Where(l => l.StartsWith("- ", StringComparison.Ordinal)));
    }
}
