namespace Dreaming;

/// <summary>Hears a run's events as they are recorded: the hook a webhook publisher or a dashboard plugs into.</summary>
/// <remarks>
/// <para>Called on the run's flow, each event after it is recorded in the run's session, in order; a failing observer is
/// logged and never fails the run. Keep it quick: the run waits for each call.</para>
/// <para>Until the run is cancelled. A call that has not returned when the caller cancels the run is no longer waited for:
/// the run goes on stopping its items and ends <c>interrupted</c> as promptly as without observers, the call is left to
/// finish on its own (a failure it ends with is logged), and the observer hears the run's later events, still in order and
/// one at a time, once that call has returned — without the run waiting for them. Calls made after the cancellation to an
/// observer that is not held up (the events of the cancelled items and <see cref="OrchestrationFailedEvent"/>) are waited
/// for, with the token already cancelled: an observer that must deliver them should not give up its own short work on
/// it, as the webhook observer does, which writes them to the outbox regardless.</para>
/// <para>One observer instance may hear several runs at once (a registered observer hears every run): make it thread-safe.</para>
/// <para>Crash recovery calls it too when it is given it (<c>AbandonRunningSessionsAsync</c> with observers, and
/// <c>SessionRetention</c>, which <c>AddSessionRetention</c> gives the registered ones): with the
/// <see cref="OrchestrationFailedEvent"/> (status <see cref="OrchestrationFailedEvent.AbandonedStatus"/>) it wrote into the
/// session of a run whose process died, once per run, with the recovery's token, after the session is ended (an
/// <see cref="IIdempotentOrchestrationObserver"/> is told before, and again after a crash in between).</para>
/// </remarks>
public interface IOrchestrationObserver
{
    /// <summary>Called after an orchestration event is recorded in the run's session.</summary>
    /// <param name="sessionEvent">The event (<see cref="OrchestrationStartedEvent"/>, <see cref="OrchestrationItemCompletedEvent"/>,
    /// <see cref="OrchestrationCompletedEvent"/> or <see cref="OrchestrationFailedEvent"/>), with its session id and timestamp,
    /// its text redacted and size-limited like the stored event.</param>
    /// <param name="cancellationToken">The run's cancellation token: cancelled when the caller cancels the run, after which the
    /// run no longer waits for a call in progress.</param>
    /// <returns>A task that completes when the observer is done.</returns>
    ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default);
}
