namespace Dreaming;

/// <summary>Thrown by an outcome loop's agent (<see cref="OutcomeRequest.Agent"/>) to report that it cannot go on (a
/// missing permission, a system that is down, a task that contradicts itself): the loop ends at once.</summary>
/// <remarks>
/// The loop ends <see cref="OutcomeResult.Failed"/> with <see cref="OutcomeRun.Blocked"/> set (the session
/// <see cref="SessionStatus.Blocked"/>) and the <see cref="Reason"/> as <see cref="OutcomeRun.Error"/>, as when an escalation
/// handler gives up. Nothing is graded, no further iteration runs, and the <see cref="OutcomeRequest.Escalation"/> handler
/// is not asked: the agent has said no guidance would help (an agent that wants guidance throws
/// <see cref="AgentNeedsHelpException"/> instead). An orchestration item's agent (<see cref="RosterAgent"/>) may throw it
/// too: the item fails at once, not retried, and its session ends <see cref="SessionStatus.Blocked"/> with the outcome
/// <see cref="SessionOutcome.Failure"/> (source <c>agent</c>).
/// </remarks>
public class AgentBlockedException : Exception
{
    private const string DefaultReason = "The agent is blocked.";

    /// <summary>Initializes a new instance with no particular reason.</summary>
    public AgentBlockedException()
        : this(DefaultReason)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="reason">Why the agent cannot go on; also the exception's message. Not blank.</param>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is <see langword="null"/>, empty or white space.</exception>
    public AgentBlockedException(string reason)
        : base(reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Reason = reason;
    }

    /// <summary>Initializes a new instance with the error that blocked the agent.</summary>
    /// <param name="reason">Why the agent cannot go on; also the exception's message. Not blank.</param>
    /// <param name="innerException">The error that blocked the agent.</param>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is <see langword="null"/>, empty or white space.</exception>
    public AgentBlockedException(string reason, Exception innerException)
        : base(reason, innerException)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Reason = reason;
    }

    /// <summary>Gets why the agent cannot go on.</summary>
    public string Reason { get; }
}
