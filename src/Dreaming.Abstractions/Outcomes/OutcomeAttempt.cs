namespace Dreaming;

/// <summary>What the agent is given for one iteration of an outcome loop.</summary>
public sealed record OutcomeAttempt
{
    /// <summary>Gets the 1-based iteration.</summary>
    public required int Iteration { get; init; }

    /// <summary>Gets the task.</summary>
    public required string Task { get; init; }

    /// <summary>Gets the session the iteration runs in (ambient while the agent works, so its chat calls are recorded to it).</summary>
    public required IAgentSession Session { get; init; }

    /// <summary>Gets the grader's feedback on the previous attempt: the criteria it did not meet and why; <see langword="null"/> on the first.</summary>
    public string? Feedback { get; init; }

    /// <summary>Gets the previous attempt's artifact, if any.</summary>
    public string? PreviousArtifact { get; init; }

    /// <summary>Gets the previous attempt's evaluation, if any.</summary>
    public RubricEvaluation? PreviousEvaluation { get; init; }

    /// <summary>Gets the guidance an escalation handler returned, if any.</summary>
    public string? Guidance { get; init; }
}
