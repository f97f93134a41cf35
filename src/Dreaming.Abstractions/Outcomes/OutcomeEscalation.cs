namespace Dreaming;

/// <summary>What an escalation handler is told when an outcome loop ends unsatisfied.</summary>
/// <param name="Task">The task.</param>
/// <param name="Result">Why the loop ended: <see cref="OutcomeResult.MaxIterationsReached"/> or <see cref="OutcomeResult.Failed"/>.</param>
/// <param name="LastArtifact">The last artifact, if any.</param>
/// <param name="LastEvaluation">The last evaluation, if any.</param>
/// <param name="Iterations">The iterations run so far.</param>
public sealed record OutcomeEscalation(string Task, OutcomeResult Result, string? LastArtifact, RubricEvaluation? LastEvaluation, int Iterations);
