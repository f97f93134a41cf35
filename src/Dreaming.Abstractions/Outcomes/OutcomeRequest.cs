namespace Dreaming;

/// <summary>What an outcome loop runs: an agent, a task, and the rubric its work must pass.</summary>
public sealed record OutcomeRequest
{
    /// <summary>The largest allowed <see cref="MaxIterations"/>.</summary>
    public const int MaxIterationsLimit = 20;

    /// <summary>Gets the agent id of the session.</summary>
    public required string AgentId { get; init; }

    /// <summary>Gets the task.</summary>
    public required string Task { get; init; }

    /// <summary>Gets the rubric the work must pass.</summary>
    public required Rubric Rubric { get; init; }

    /// <summary>Gets the agent: given an attempt (with the feedback on the previous one), it returns the artifact to grade.</summary>
    /// <remarks>An exception it throws ends the loop <see cref="OutcomeResult.Failed"/>, except two signals: an
    /// <see cref="AgentNeedsHelpException"/> asks the <see cref="Escalation"/> handler at once, and an
    /// <see cref="AgentBlockedException"/> ends the loop blocked (<see cref="OutcomeRun.Blocked"/>). When the loop's token is cancelled
    /// the loop stops waiting for it, even if it ignores the token; it should still pass the token on.</remarks>
    public required Func<OutcomeAttempt, CancellationToken, Task<string>> Agent { get; init; }

    /// <summary>Gets how many times the agent may try.</summary>
    /// <value>The default is 3; 1 to <see cref="MaxIterationsLimit"/>.</value>
    public int MaxIterations { get; init; } = 3;

    /// <summary>Gets the optional handler asked when the loop ends unsatisfied, or at once when the agent asks for help
    /// (<see cref="AgentNeedsHelpException"/>, <see cref="OutcomeEscalation.Question"/>): it returns guidance (the loop goes
    /// on, for up to <see cref="MaxIterations"/> more tries) or gives up (the session is marked <see cref="SessionStatus.Blocked"/>).</summary>
    /// <remarks>An exception it throws ends the loop <see cref="OutcomeResult.Failed"/>; when the loop's token is cancelled the
    /// loop stops waiting for it, even if it ignores the token.</remarks>
    public Func<OutcomeEscalation, CancellationToken, Task<EscalationDecision>>? Escalation { get; init; }

    /// <summary>Gets how many times the escalation handler may be asked, help requests included; an agent that asks for
    /// help once none is left ends the loop blocked.</summary>
    /// <value>The default is 1.</value>
    public int MaxEscalations { get; init; } = 1;

    /// <summary>Gets the parent session id, when the loop runs as a sub-task.</summary>
    public string? ParentSessionId { get; init; }

    /// <summary>Gets the team or tenant scope of the loop's session (its <see cref="SessionRecord.Scope"/>, as
    /// <c>AgentSessionOptions.Scope</c> sets it for a session a host starts): the session is given that team's memory with
    /// its agent's and the global one, and the team's dream (<see cref="MemoryScope.Team"/>) learns from it.</summary>
    /// <value>The default is <see langword="null"/>: no team; a team dream never reads the session.</value>
    /// <remarks>Refused when the loop starts, naming <c>OutcomeRequest.Scope</c>, if it holds half a surrogate pair.</remarks>
    public string? Scope { get; init; }
}
