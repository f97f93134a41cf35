using System.Globalization;
using System.Text;

namespace Dreaming;

/// <summary>Turns an evaluation into the feedback the agent revises from: the criteria it did not meet, and why.</summary>
public static class OutcomeFeedback
{
    /// <summary>Renders the gaps of an evaluation as text for the agent.</summary>
    /// <param name="evaluation">The evaluation.</param>
    /// <returns>The feedback; one line a criterion not met, required ones first (marked <c>[required]</c>), report-only ones
    /// (weight 0, not required) last, marked as not counting toward the score.</returns>
    public static string Render(RubricEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Your work scored {RubricScoring.FormatScore(evaluation.Score, 2)}{(evaluation.Rubric.Aggregation == RubricAggregation.Minimum ? " (the score of its weakest criterion)" : string.Empty)} against \"{evaluation.Rubric.Title}\"; it must reach {RubricScoring.FormatThreshold(evaluation.Rubric.PassThreshold)}");
        text.AppendLine(evaluation.Criteria.Any(c => c.Criterion.Required) ? " and meet every required criterion." : ".");
        text.AppendLine("Revise it to fix these gaps:");
        foreach (var gap in evaluation.Criteria
            .Where(c => c.Verdict is CriterionVerdict.NotMet or CriterionVerdict.PartiallyMet)
            .OrderByDescending(c => c.Criterion.Required)
            .ThenByDescending(c => c.Criterion.Weight))
        {
            text.Append("- ");
            if (gap.Criterion.Required)
            {
                text.Append("[required] ");
            }
            else if (gap.Criterion.Weight == 0)
            {
                // Weight 0 and not required: reported, never scored nor a gate, so the agent should not trade what counts for it.
                text.Append("[report only: does not count toward the score] ");
            }

            text.Append(gap.Criterion.Text).Append(": ").Append(gap.Verdict == CriterionVerdict.NotMet ? "not met" : "partially met");
            if (!string.IsNullOrWhiteSpace(gap.Reason))
            {
                text.Append(" (").Append(gap.Reason).Append(')');
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Returns a criterion's result as the outcome loop records it in <see cref="OutcomeEvaluationEndedEvent.Criteria"/>:
    /// its id, verdict, score and reason, and the criterion's weight, required flag and kind (never its text; a kind that is
    /// not a defined <see cref="CriterionKind"/> is left <see langword="null"/>).</summary>
    /// <param name="result">The result.</param>
    /// <returns>The record.</returns>
    /// <remarks>For a host that records its own <see cref="OutcomeEvaluationEndedEvent"/> from a <see cref="RubricEvaluation"/>
    /// (grading without the loop), so the agent view and dreaming tell its gates from its report-only criteria.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is <see langword="null"/>.</exception>
    public static CriterionVerdictRecord ToRecord(CriterionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(result.Criterion.Id, VerdictName(result.Verdict), result.Score, result.Reason)
        {
            Weight = result.Criterion.Weight,
            Required = result.Criterion.Required,
            // A custom evaluator's result may carry a kind this version does not know: unknown, rather than a loop that throws.
            Kind = Enum.IsDefined(result.Criterion.Kind) ? CriterionKindNames.Of(result.Criterion.Kind) : null,
        };
    }

    /// <summary>Returns the wire name of a verdict: <c>met</c>, <c>partially_met</c>, <c>not_met</c>, <c>error</c> or <c>skipped</c>.</summary>
    /// <param name="verdict">The verdict.</param>
    /// <returns>The name.</returns>
    public static string VerdictName(CriterionVerdict verdict) => verdict switch
    {
        CriterionVerdict.Met => "met",
        CriterionVerdict.PartiallyMet => "partially_met",
        CriterionVerdict.NotMet => "not_met",
        CriterionVerdict.Error => "error",
        CriterionVerdict.Skipped => "skipped",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "Unknown verdict."),
    };
}
