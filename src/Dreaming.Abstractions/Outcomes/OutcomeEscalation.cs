namespace Dreaming;

/// <summary>What an escalation handler is told when an outcome loop ends unsatisfied, or when its agent asks for help
/// (<see cref="AgentNeedsHelpException"/>; then <see cref="Question"/> is set).</summary>
/// <param name="Task">The task.</param>
/// <param name="Result">Why the loop ended: <see cref="OutcomeResult.MaxIterationsReached"/> or <see cref="OutcomeResult.Failed"/>;
/// <see cref="OutcomeResult.NeedsRevision"/> when the agent asked for help (the loop has not ended).</param>
/// <param name="LastArtifact">The last artifact, if any.</param>
/// <param name="LastEvaluation">The last evaluation, if any.</param>
/// <param name="Iterations">The iterations run so far (one that asked for help included).</param>
public sealed record OutcomeEscalation(string Task, OutcomeResult Result, string? LastArtifact, RubricEvaluation? LastEvaluation, int Iterations)
{
    /// <summary>Gets the agent's question when it asked for help (<see cref="AgentNeedsHelpException.Question"/>), or
    /// <see langword="null"/> when the loop ended unsatisfied.</summary>
    public string? Question { get; init; }

    /// <summary>Gets a value indicating whether the agent asked for help (<see cref="Question"/> is set), rather than the
    /// loop ending unsatisfied.</summary>
    public bool IsHelpRequest => Question is not null;
}
