namespace Dreaming;

/// <summary>An <see cref="IOrchestrationObserver"/> that acts on an <see cref="OrchestrationFailedEvent"/> written by crash
/// recovery (status <see cref="OrchestrationFailedEvent.AbandonedStatus"/>) at most once however often it hears it, keyed
/// by the event's session id and sequence number: the webhook observer <c>AddWebhooks</c> registers (over the library's
/// <c>WebhookPublisher</c>; a host's own <c>IWebhookPublisher</c> gets a plain observer) writes it to the outbox
/// under an event id made from them (<c>WebhookEventData.AbandonedRunEventId</c>), which the outbox refuses a second time.</summary>
/// <remarks>
/// <para>Crash recovery (<c>AbandonRunningSessionsAsync</c> with observers) tells such an observer of the event it writes
/// <em>before</em> it ends the run's session, and tells it again when it finds that event already written in a session
/// still running: the recovery that wrote it died before it ended the session (or is still at work, racing this one). So
/// a crash of the recovering process between the event and the end cannot lose it, and the event reaches such an observer
/// once all the same. An implementation that throws on the event (it could not take it: the webhook's outbox write
/// failed) keeps the session running for the same reason: the next recovery tells it again, until a day after the event
/// was written, when the session is ended all the same (see <c>AbandonRunningSessionsException</c>). Other observers hear the event once, from the call that wrote it, after the end; a crash before
/// that loses it for them.</para>
/// <para>A recovery's event comes to it with its session id, sequence number and timestamp set, the same each time it is
/// told. Implementations must be thread-safe.</para>
/// </remarks>
public interface IIdempotentOrchestrationObserver : IOrchestrationObserver
{
}
