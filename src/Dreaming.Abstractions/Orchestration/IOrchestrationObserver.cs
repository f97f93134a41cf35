namespace Dreaming;

/// <summary>Hears a run's events as they are recorded: the hook a webhook publisher or a dashboard plugs into.</summary>
/// <remarks>Called on the run's flow, in order; a failing observer is logged and never fails the run. Keep it quick.</remarks>
public interface IOrchestrationObserver
{
    /// <summary>Called after an orchestration event is recorded in the run's session.</summary>
    /// <param name="sessionEvent">The event (<see cref="OrchestrationStartedEvent"/>, <see cref="OrchestrationItemCompletedEvent"/>,
    /// <see cref="OrchestrationCompletedEvent"/> or <see cref="OrchestrationFailedEvent"/>), with its session id and timestamp,
    /// its text redacted and size-limited like the stored event.</param>
    /// <param name="cancellationToken">Cancels the notification.</param>
    /// <returns>A task that completes when the observer is done.</returns>
    ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken);
}
