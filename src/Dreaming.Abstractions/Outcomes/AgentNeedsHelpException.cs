namespace Dreaming;

/// <summary>Thrown by an outcome loop's agent (<see cref="OutcomeRequest.Agent"/>) to ask for help instead of handing in
/// work: the loop asks the <see cref="OutcomeRequest.Escalation"/> handler at once, with the <see cref="Question"/> in
/// <see cref="OutcomeEscalation.Question"/>.</summary>
/// <remarks>
/// The iteration that asked counts as one of the loop's iterations (the agent ran) and is not graded. Guidance from the
/// handler runs the agent again with it in <see cref="OutcomeAttempt.Guidance"/>, for up to
/// <see cref="OutcomeRequest.MaxIterations"/> more tries, as after an unsatisfied loop; each request uses one of
/// <see cref="OutcomeRequest.MaxEscalations"/>. When the handler gives up, none is set or none is left, the loop ends
/// <see cref="OutcomeResult.Failed"/> with <see cref="OutcomeRun.Blocked"/> set (the session <see cref="SessionStatus.Blocked"/>)
/// and an <see cref="OutcomeRun.Error"/> quoting the question. An orchestration item's agent (<see cref="RosterAgent"/>)
/// may throw it too, but the orchestrator sets no escalation handler: the item fails at once, not retried, and its session
/// ends <see cref="SessionStatus.Blocked"/> with the outcome <see cref="SessionOutcome.Failure"/> (source <c>agent</c>).
/// </remarks>
public class AgentNeedsHelpException : Exception
{
    private const string DefaultQuestion = "The agent needs help.";

    /// <summary>Initializes a new instance with no particular question.</summary>
    public AgentNeedsHelpException()
        : this(DefaultQuestion)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="question">What the agent needs to know to go on; also the exception's message. Not blank.</param>
    /// <exception cref="ArgumentException"><paramref name="question"/> is <see langword="null"/>, empty or white space.</exception>
    public AgentNeedsHelpException(string question)
        : base(question)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        Question = question;
    }

    /// <summary>Initializes a new instance with the error that made the agent ask.</summary>
    /// <param name="question">What the agent needs to know to go on; also the exception's message. Not blank.</param>
    /// <param name="innerException">The error that made the agent ask.</param>
    /// <exception cref="ArgumentException"><paramref name="question"/> is <see langword="null"/>, empty or white space.</exception>
    public AgentNeedsHelpException(string question, Exception innerException)
        : base(question, innerException)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        Question = question;
    }

    /// <summary>Gets what the agent needs to know to go on.</summary>
    public string Question { get; }
}
