namespace Dreaming;

/// <summary>The result of an outcome loop.</summary>
public sealed record OutcomeRun
{
    /// <summary>Gets the terminal result.</summary>
    public required OutcomeResult Result { get; init; }

    /// <summary>Gets the id (<see cref="IAgentSession.Id"/>, <see cref="SessionRecord.Id"/>) of the session the loop ran in:
    /// a type that refers to a session names its id <c>SessionId</c>, the session itself <c>Id</c>.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets every iteration's evaluation, in order.</summary>
    public required IReadOnlyList<RubricEvaluation> Evaluations { get; init; }

    /// <summary>Gets the last artifact the agent produced, if any.</summary>
    public string? FinalArtifact { get; init; }

    /// <summary>Gets the number of iterations the agent ran.</summary>
    public int Iterations { get; init; }

    /// <summary>Gets a value indicating whether the loop ended blocked, so the session is <see cref="SessionStatus.Blocked"/>:
    /// the escalation handler gave up, the agent asked for help (<see cref="AgentNeedsHelpException"/>) that it did not
    /// get, or the agent reported itself blocked (<see cref="AgentBlockedException"/>).</summary>
    /// <remarks><see cref="Result"/> then says how the loop stood: <see cref="OutcomeResult.MaxIterationsReached"/> or
    /// <see cref="OutcomeResult.Failed"/> when a handler gave up on an unsatisfied loop, <see cref="OutcomeResult.Failed"/>
    /// when the agent stopped it before its iterations ran out.</remarks>
    public bool Blocked { get; init; }

    /// <summary>Gets why the loop failed or was blocked, if it was.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the tokens all grading used, and their cost (see <see cref="RubricEvaluation.GraderUsage"/>).</summary>
    public SessionUsage GraderUsage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the final evaluation, if any.</summary>
    public RubricEvaluation? FinalEvaluation => Evaluations.Count == 0 ? null : Evaluations[^1];
}
