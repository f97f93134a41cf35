using System.Globalization;

namespace Dreaming;

/// <summary>Turns per-criterion results into a rubric's score and pass or fail.</summary>
/// <remarks>
/// <para>Score: the rubric's <see cref="Rubric.Aggregation"/> of the scored criteria (met 1, partially met 0.5, not met 0):
/// their weighted mean by default, or with <see cref="RubricAggregation.Minimum"/> the lowest of their scores. A criterion is
/// scored when its weight is above 0 and its verdict has a score: <see cref="CriterionVerdict.Error"/> and
/// <see cref="CriterionVerdict.Skipped"/> are left out, never counted as 0. When nothing is scored the score is 0.</para>
/// <para>Passed, all of: at least one criterion was scored (a rubric of which nothing could be checked has proved
/// nothing); the score is at least <see cref="Rubric.PassThreshold"/>; every <see cref="RubricCriterion.Required"/>
/// criterion is <see cref="CriterionVerdict.Met"/> (partially met, skipped or in error is not enough, whatever its
/// weight); and no criterion is in error.</para>
/// <para>Thread-safe: the members are stateless.</para>
/// </remarks>
public static class RubricScoring
{
    // A weighted mean such as 0.1 * 3 can land a hair below a threshold it equals; that must not fail the work.
    private const double Tolerance = 1e-9;

    /// <summary>Computes the weighted mean over the scored criteria.</summary>
    /// <param name="results">The per-criterion results.</param>
    /// <returns>The score in [0, 1]; 0 when no criterion is scored.</returns>
    /// <remarks>Always the weighted mean, whatever a rubric's <see cref="Rubric.Aggregation"/>; <see cref="Score(Rubric, IEnumerable{CriterionResult})"/>
    /// applies the rubric's.</remarks>
    public static double Score(IEnumerable<CriterionResult> results) => Score(results, RubricAggregation.WeightedMean);

    /// <summary>Computes <paramref name="rubric"/>'s score: its <see cref="Rubric.Aggregation"/> of the scored criteria.</summary>
    /// <param name="rubric">The rubric, for its aggregation.</param>
    /// <param name="results">The per-criterion results.</param>
    /// <returns>The score in [0, 1]; 0 when no criterion is scored.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The rubric's aggregation is not a defined value.</exception>
    public static double Score(Rubric rubric, IEnumerable<CriterionResult> results)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        return Score(results, rubric.Aggregation);
    }

    /// <summary>Computes the score of the scored criteria under <paramref name="aggregation"/>.</summary>
    /// <param name="results">The per-criterion results.</param>
    /// <param name="aggregation">How the scored criteria make the score.</param>
    /// <returns>The score in [0, 1]; 0 when no criterion is scored.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="aggregation"/> is not a defined value.</exception>
    public static double Score(IEnumerable<CriterionResult> results, RubricAggregation aggregation)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (aggregation is not (RubricAggregation.WeightedMean or RubricAggregation.Minimum))
        {
            throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "Unknown rubric aggregation.");
        }

        var scored = results.Where(IsScored).ToList();
        if (scored.Count == 0)
        {
            return 0;
        }

        if (aggregation == RubricAggregation.Minimum)
        {
            return Math.Clamp(scored.Min(r => r.Score!.Value), 0, 1);
        }

        // Weights are taken relative to the largest: finite weights near double.MaxValue would otherwise sum to infinity,
        // and infinity / infinity is NaN, which is never below a threshold, so it would pass.
        var largest = scored.Max(r => r.Criterion.Weight);
        double weighted = 0, weights = 0;
        foreach (var result in scored)
        {
            var weight = result.Criterion.Weight / largest;
            weighted += weight * result.Score!.Value;
            weights += weight;
        }

        return Math.Clamp(weighted / weights, 0, 1);
    }

    /// <summary>Decides whether the results pass <paramref name="rubric"/>.</summary>
    /// <param name="rubric">The rubric, for its threshold.</param>
    /// <param name="results">The per-criterion results.</param>
    /// <returns>Whether the work passed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The rubric's <see cref="Rubric.Aggregation"/> is not a defined value
    /// (a rubric from <see cref="RubricBuilder"/> or <see cref="MarkdownRubricParser"/> always has one).</exception>
    public static bool Passed(Rubric rubric, IReadOnlyList<CriterionResult> results) => FirstFailure(rubric, results) is null;

    /// <summary>Builds the evaluation of <paramref name="rubric"/> from its per-criterion results.</summary>
    /// <param name="rubric">The rubric.</param>
    /// <param name="results">The per-criterion results, in the rubric's order.</param>
    /// <param name="graderUsage">The tokens the grader used, or <see langword="null"/> for none.</param>
    /// <returns>The evaluation with its score and pass or fail.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The rubric's <see cref="Rubric.Aggregation"/> is not a defined value.</exception>
    public static RubricEvaluation Evaluate(Rubric rubric, IReadOnlyList<CriterionResult> results, SessionUsage? graderUsage = null)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        ArgumentNullException.ThrowIfNull(results);
        return new RubricEvaluation
        {
            Rubric = rubric,
            Criteria = results,
            Score = Score(results, rubric.Aggregation),
            Passed = Passed(rubric, results),
            GraderUsage = graderUsage ?? SessionUsage.Zero,
        };
    }

    /// <summary>Explains the outcome in one sentence: the score against the threshold, and the first reason it failed.</summary>
    /// <param name="evaluation">The evaluation.</param>
    /// <returns>The explanation, such as <c>score 0.83, threshold 0.75: passed</c>; a score aggregated other than by the
    /// weighted mean says how (<c>score 0.5 (minimum), threshold 0.75: not passed, …</c>).</returns>
    public static string Explain(RubricEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var summary = $"score {FormatScore(evaluation.Score, 3)}{AggregationNote(evaluation.Rubric.Aggregation)}, threshold {FormatThreshold(evaluation.Rubric.PassThreshold)}";
        return FirstFailure(evaluation.Rubric, evaluation.Criteria) is { } failure ? $"{summary}: not passed, {failure}" : $"{summary}: passed";
    }

    /// <summary>Shows a score with at most <paramref name="decimals"/> decimals, cut rather than rounded, so a score just below
    /// the threshold (0.746 against 0.75) never reads as reaching it; a score within the pass tolerance of a value shows it.</summary>
    internal static string FormatScore(double score, int decimals)
    {
        var scale = Math.Pow(10, decimals);
        var shown = Math.Floor((score + Tolerance) * scale) / scale;
        return shown.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }

    /// <summary>Names an aggregation other than the default after a score (<c> (minimum)</c>); empty for the weighted mean, so
    /// what rubrics without the setting show does not change.</summary>
    internal static string AggregationNote(RubricAggregation aggregation) =>
        aggregation == RubricAggregation.WeightedMean ? string.Empty : $" ({RubricAggregationNames.Of(aggregation)})";

    /// <summary>Shows a threshold as written (0.7465 stays 0.7465), so it is never rounded onto a shown score.</summary>
    internal static string FormatThreshold(double threshold) => threshold.ToString(CultureInfo.InvariantCulture);

    private static bool IsScored(CriterionResult result) => result.Criterion.Weight > 0 && result.Score is not null;

    private static string? FirstFailure(Rubric rubric, IReadOnlyList<CriterionResult> results)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        ArgumentNullException.ThrowIfNull(results);
        if (results.FirstOrDefault(r => r.Verdict == CriterionVerdict.Error) is { } error)
        {
            return $"criterion {error.Criterion.Id} could not be checked";
        }

        if (results.FirstOrDefault(r => r.Criterion.Required && r.Verdict != CriterionVerdict.Met) is { } required)
        {
            return $"required criterion {required.Criterion.Id} is {Name(required.Verdict)}";
        }

        if (!results.Any(IsScored))
        {
            return "no criterion was scored";
        }

        return Score(results, rubric.Aggregation) + Tolerance < rubric.PassThreshold ? "the score is below the threshold" : null;
    }

    private static string Name(CriterionVerdict verdict) => verdict switch
    {
        CriterionVerdict.PartiallyMet => "only partially met",
        CriterionVerdict.NotMet => "not met",
        CriterionVerdict.Skipped => "skipped",
        _ => verdict.ToString(),
    };
}
