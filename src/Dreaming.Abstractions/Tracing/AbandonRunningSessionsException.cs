namespace Dreaming;

/// <summary>Thrown by <see cref="TraceStoreExtensions.AbandonRunningSessionsAsync(ITraceStore, DateTimeOffset, IEnumerable{IOrchestrationObserver}, TimeProvider?, CancellationToken)"/>
/// once it has gone through every session, when one or more observer calls failed: the inner exceptions are the
/// observers' failures; <see cref="AbandonedSessionIds"/> are the sessions the call ended (what it returns otherwise) and
/// <see cref="LeftRunningSessionIds"/> the crashed runs it left running because an <see cref="IIdempotentOrchestrationObserver"/>
/// (the webhook observer) could not take their event, so that the next call tells it again.</summary>
public sealed class AbandonRunningSessionsException : AggregateException
{
    /// <summary>Initializes a new instance.</summary>
    public AbandonRunningSessionsException()
        : this("One or more calls to the orchestration observers failed.")
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public AbandonRunningSessionsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public AbandonRunningSessionsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance with the observers' failures and what the call did.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerExceptions">The observers' failures.</param>
    /// <param name="abandonedSessionIds">The sessions the call ended, oldest first.</param>
    /// <param name="leftRunningSessionIds">The crashed runs the call left running, oldest first.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public AbandonRunningSessionsException(string message, IEnumerable<Exception> innerExceptions, IReadOnlyList<string> abandonedSessionIds, IReadOnlyList<string> leftRunningSessionIds)
        : base(message, innerExceptions)
    {
        ArgumentNullException.ThrowIfNull(abandonedSessionIds);
        ArgumentNullException.ThrowIfNull(leftRunningSessionIds);
        AbandonedSessionIds = [.. abandonedSessionIds];
        LeftRunningSessionIds = [.. leftRunningSessionIds];
    }

    /// <summary>Gets the ids of the sessions the call ended, oldest first: what it returns when no observer fails.</summary>
    public IReadOnlyList<string> AbandonedSessionIds { get; } = [];

    /// <summary>Gets the ids of the crashed runs' sessions the call left running, oldest first: an
    /// <see cref="IIdempotentOrchestrationObserver"/> threw on their <see cref="OrchestrationFailedEvent"/> (the webhook's
    /// outbox write failed), so the event, written in the session, is told to it again by the next call, which ends
    /// the session once it goes through (or, a day after the event was written, ends it all the same).</summary>
    public IReadOnlyList<string> LeftRunningSessionIds { get; } = [];
}
