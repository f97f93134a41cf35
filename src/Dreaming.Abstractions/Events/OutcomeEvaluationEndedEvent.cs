namespace Dreaming;

/// <summary>An outcome iteration's grading ended: the result, the score and every criterion's verdict.</summary>
public sealed record OutcomeEvaluationEndedEvent : SessionEvent
{
    /// <summary>Gets the 1-based iteration.</summary>
    public required int Iteration { get; init; }

    /// <summary>Gets the rubric id.</summary>
    public required string RubricId { get; init; }

    /// <summary>Gets the result after this iteration, as its wire name (<c>satisfied</c>, <c>needs_revision</c>, …).</summary>
    public required string Result { get; init; }

    /// <summary>Gets the score.</summary>
    public double Score { get; init; }

    /// <summary>Gets the pass threshold.</summary>
    public double Threshold { get; init; }

    /// <summary>Gets how the rubric made the score from its criteria, as its wire name (<c>weighted_mean</c> or <c>minimum</c>:
    /// see <see cref="RubricAggregationNames"/> and <see cref="Rubric.Aggregation"/>).</summary>
    /// <value>The default is <c>weighted_mean</c>, which an event recorded before rubrics had an aggregation also reads as,
    /// since every rubric then scored by the weighted mean.</value>
    public string Aggregation { get; init; } = RubricAggregationNames.WeightedMean;

    /// <summary>Gets a value indicating whether the work passed.</summary>
    public bool Passed { get; init; }

    /// <summary>Gets every criterion's verdict.</summary>
    public IReadOnlyList<CriterionVerdictRecord> Criteria { get; init; } = [];

    /// <summary>Gets the tokens the grader used for this iteration, and their cost (see <see cref="RubricEvaluation.GraderUsage"/>).</summary>
    public SessionUsage GraderUsage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets why the iteration failed, if it did.</summary>
    public string? Error { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.OutcomeEvaluationEnded;
}
