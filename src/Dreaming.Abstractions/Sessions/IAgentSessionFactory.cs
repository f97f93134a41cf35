namespace Dreaming;

/// <summary>Starts agent sessions.</summary>
/// <remarks>
/// <para><c>AddDreamingAgents()</c> registers the library's factory, whose sessions are recorded through the background
/// trace writer: their task, metadata and events are redacted and size-limited before they are stored, and every copy that
/// leaves the process another way (webhooks, span events, orchestration observers) carries the same redacted text.</para>
/// <para>A custom factory gets the same redaction of every copy the library publishes: the outcome runner's webhooks and
/// what orchestration observers hear are redacted with the registered redactors and size limit (with the built-in secret
/// patterns and the default limit when the runner or orchestrator was constructed outside the container). What its
/// sessions store is redacted only when they record through a session of the registered factory (a decorator that forwards
/// <see cref="IAgentSession.RecordAsync"/>); a session that keeps or writes its events itself receives them unredacted and
/// must redact them before storing them. Span events are added only to the library's own sessions' spans.</para>
/// <para>A session of the library's factory still neither completed nor disposed when the host's service provider is
/// disposed (a request in flight past the host's shutdown timeout) stays <c>running</c> in the store; the trace writer's
/// disposal logs one warning (event id 7) with their number and first ids, to be ended at the next start with
/// <c>AbandonRunningSessionsAsync</c>.</para>
/// <para>Implementations must be safe to call from several threads at once: one factory, registered as a singleton,
/// starts the sessions of every concurrent flow.</para>
/// </remarks>
public interface IAgentSessionFactory
{
    /// <summary>Starts a session and makes it the ambient session of the calling flow until it is disposed.</summary>
    /// <param name="options">What the session is started with.</param>
    /// <returns>The running session. Dispose it (preferably after <see cref="IAgentSession.CompleteAsync"/>).</returns>
    /// <exception cref="ArgumentException">The agent id or the task is empty, or an option is invalid (the library's factory
    /// also refuses an agent id or scope holding an unpaired surrogate, naming it and the index).</exception>
    IAgentSession StartSession(AgentSessionOptions options);
}
