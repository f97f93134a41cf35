namespace Dreaming;

/// <summary>An outcome iteration's grading started.</summary>
public sealed record OutcomeEvaluationStartedEvent : SessionEvent
{
    /// <summary>Gets the 1-based iteration.</summary>
    public required int Iteration { get; init; }

    /// <summary>Gets the rubric id.</summary>
    public required string RubricId { get; init; }

    /// <summary>Gets the rubric version.</summary>
    public int RubricVersion { get; init; } = 1;

    /// <inheritdoc />
    public override string EventType => EventTypes.OutcomeEvaluationStarted;
}
