namespace Dreaming;

/// <summary>The result of a run: how it ended, every item's result, the final answer and the usage.</summary>
public sealed record OrchestrationRun
{
    /// <summary>The metadata key (<see cref="SessionRecord.Metadata"/>) that marks a run's own session from its start, before
    /// <see cref="OrchestrationStartedEvent"/> is recorded (while a coordinator plans the run): <c>orchestration.run</c>, its
    /// value the plan's source, <c>host</c> or <c>coordinator</c>. Crash recovery (<c>AbandonRunningSessionsAsync</c>) reads it
    /// to end a run whose process died while it was being planned, and takes a session for such a run only with one of the
    /// two values the orchestrator writes: a host's own session that carries the key with a value of its own (a ticket or
    /// workflow id) is ended as any session, with no event. The key is the orchestrator's: a host's session that carries
    /// it with <c>host</c> or <c>coordinator</c> is taken for a run being planned, and recovery ends it with an
    /// <see cref="OrchestrationFailedEvent"/> (status <c>abandoned</c>) and tells the observers given to it.</summary>
    public const string SessionMetadataKey = "orchestration.run";

    /// <summary>Gets the id (<see cref="IAgentSession.Id"/>, <see cref="SessionRecord.Id"/>) of the run's own session (the
    /// parent of every item's session).</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets how the run ended.</summary>
    public required OrchestrationStatus Status { get; init; }

    /// <summary>Gets the plan that ran.</summary>
    public required OrchestrationPlan Plan { get; init; }

    /// <summary>Gets every item's result, in plan order.</summary>
    public required IReadOnlyList<WorkItemResult> Items { get; init; }

    /// <summary>Gets the synthesised answer, when the synthesis ran.</summary>
    public string? FinalAnswer { get; init; }

    /// <summary>Gets the tokens of the whole run: planning, items and synthesis.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets when the run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the run ended.</summary>
    public DateTimeOffset EndedAt { get; init; }

    /// <summary>Gets why the run did not complete.</summary>
    public string? Error { get; init; }
}
