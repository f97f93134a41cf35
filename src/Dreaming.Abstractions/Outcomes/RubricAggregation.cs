namespace Dreaming;

/// <summary>How a <see cref="Rubric"/> turns its scored criteria into one score (see <see cref="Rubric.Aggregation"/>).</summary>
/// <remarks>
/// <para>A criterion is scored when its weight is above 0 and its verdict has a score (met 1, partially met 0.5, not met 0):
/// criteria of weight 0 (reported only), in error or skipped are left out under every aggregation, and when nothing is
/// scored the score is 0. <see cref="RubricCriterion.Required"/> is checked apart from the score, whatever the aggregation:
/// a required criterion that is not met fails the rubric. The wire names, in Markdown (<c>Aggregation: minimum</c>), on
/// <see cref="OutcomeEvaluationEndedEvent.Aggregation"/>, in webhook payloads and the CLI's output, are <c>weighted_mean</c>
/// and <c>minimum</c> (see <see cref="RubricAggregationNames"/>).</para>
/// </remarks>
public enum RubricAggregation
{
    /// <summary>The weighted mean of the scored criteria: a miss on a light criterion can be made up by heavier ones met. The default.</summary>
    WeightedMean = 0,

    /// <summary>The lowest score of the scored criteria: the work is as good as its weakest criterion, so with a threshold of
    /// 0.5 every scored criterion must be at least partially met. Weights above 0 do not change the score; a weight of 0 still
    /// leaves a criterion out.</summary>
    Minimum = 1,
}
