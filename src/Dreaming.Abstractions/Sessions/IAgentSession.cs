namespace Dreaming;

/// <summary>One run of one agent on one task: its identity, its event log, its usage and its outcome.</summary>
/// <remarks>
/// <para>A session is started by <see cref="IAgentSessionFactory.StartSession(AgentSessionOptions)"/>, which also makes it the
/// ambient session of the calling flow, so chat calls made inside it (on any thread, across awaits) are recorded to it.</para>
/// <para>Completing the session (<see cref="CompleteAsync"/>) flushes its events to the store and is the durability point.
/// Disposing a session that was not completed records it as <see cref="SessionStatus.Abandoned"/>. Disposing it while a
/// <see cref="CompleteAsync"/> runs on another thread waits for that completion to end the session or fail (not for the
/// webhook it publishes once the session has ended); if it fails or is cancelled, the disposal records the session
/// abandoned, so a disposed session is not left running in the store.</para>
/// <para>Members are safe to call from several threads at once.</para>
/// </remarks>
public interface IAgentSession : IAsyncDisposable
{
    /// <summary>Gets the session id.</summary>
    string Id { get; }

    /// <summary>Gets the agent id.</summary>
    string AgentId { get; }

    /// <summary>Gets the task (as recorded, after redaction and truncation).</summary>
    string Task { get; }

    /// <summary>Gets the parent session id, if any.</summary>
    string? ParentSessionId { get; }

    /// <summary>Gets when the session started.</summary>
    DateTimeOffset StartedAt { get; }

    /// <summary>Gets the current status.</summary>
    SessionStatus Status { get; }

    /// <summary>Gets the usage accumulated so far from recorded <see cref="ModelResponseEvent"/>s.</summary>
    SessionUsage Usage { get; }

    /// <summary>Gets how many events were dropped instead of recorded so far.</summary>
    long DroppedEventCount { get; }

    /// <summary>Records an event. The session stamps its id, the next sequence number and the timestamp.</summary>
    /// <param name="sessionEvent">The event; its text content is redacted and truncated before it reaches the store.</param>
    /// <param name="cancellationToken">Cancels waiting for room in the write queue.</param>
    /// <returns>A task that completes when the event is queued (or dropped, by policy).</returns>
    /// <remarks>A call racing <see cref="CompleteAsync"/> (or disposal) on another thread either has its event queued
    /// before the completion's flush, so it is stored before the session's end, or throws
    /// <see cref="SessionStateException"/>; once it has returned, the completion cannot refuse or lose its event.</remarks>
    /// <exception cref="SessionStateException">The session has already ended, or its completion has begun; the message
    /// names the session.</exception>
    ValueTask RecordAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default);

    /// <summary>Ends the session, flushes its events and writes its final state.</summary>
    /// <param name="status">The final status; <see cref="SessionStatus.Running"/> is not allowed.</param>
    /// <param name="outcome">The outcome, if known.</param>
    /// <param name="cancellationToken">Cancels waiting for the flush (and for recordings racing the completion); the
    /// session then stays running and can be completed again, unless it was disposed meanwhile: the disposal then records
    /// it abandoned.</param>
    /// <returns>A task that completes when the session and every event recorded before the call are durable in the store.</returns>
    /// <remarks>From the moment the completion begins, <see cref="RecordAsync"/> throws <see cref="SessionStateException"/>;
    /// a <see cref="RecordAsync"/> on another thread that had already passed that check is waited for, and its event is
    /// written before the session's end.</remarks>
    /// <exception cref="SessionStateException">The session has already ended; or the store refused to create it because
    /// another session has its <see cref="AgentSessionOptions.SessionId"/> (its events were dropped, and the session that
    /// owns the id is left as it is).</exception>
    /// <exception cref="SessionNotFoundException">The store failed to create the session (it was unavailable, or a SQLite
    /// file stayed locked past the busy timeout and the writer's retries): it is not in the store and its events were
    /// dropped.</exception>
    Task CompleteAsync(SessionStatus status = SessionStatus.Completed, SessionOutcome? outcome = null, CancellationToken cancellationToken = default);
}
