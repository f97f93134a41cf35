using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>Hands one run's recorded events to its observers: each observer hears them in order, one call at a time,
/// and the run waits for each call until the caller cancels the run.</summary>
/// <remarks>
/// <para>Each call gets the run's cancellation token. A call still running when the run is cancelled is no longer
/// waited for: it is left to finish on its own (its failure logged), and the events recorded after it are handed to
/// that observer, in order, once it has returned, without the run waiting for them. The run still waits for the calls
/// it makes after the cancellation to observers that are not held up (the token they get is already cancelled), so a
/// webhook observer still writes the run's last events before <see cref="IOrchestrator.RunAsync"/> returns.</para>
/// <para>Used by the run's flow only, one event at a time: not thread-safe.</para>
/// </remarks>
internal sealed partial class RunObservers(IReadOnlyList<IOrchestrationObserver> observers, ILogger logger, CancellationToken cancellationToken)
{
    // Per observer: the call the run stopped waiting for, then the calls queued behind it (never faulting); null when
    // the observer is not held up.
    private readonly Task?[] _detached = new Task?[observers.Count];

    /// <summary>Hands <paramref name="sessionEvent"/>, already recorded in the run's session, to every observer.</summary>
    public async ValueTask NotifyAsync(SessionEvent sessionEvent)
    {
        for (var i = 0; i < observers.Count; i++)
        {
            var observer = observers[i];
            if (_detached[i] is { } held)
            {
                if (!held.IsCompleted)
                {
                    _detached[i] = AfterAsync(held, observer, sessionEvent);
                    continue;
                }

                _detached[i] = null;
            }

            // A call made before the cancellation is waited for until it; one made after it, to the end.
            var waitable = cancellationToken.CanBeCanceled && !cancellationToken.IsCancellationRequested;
            Task? call = null;
            try
            {
                var pending = observer.OnEventAsync(sessionEvent, cancellationToken);
                if (pending.IsCompletedSuccessfully)
                {
                    continue;
                }

                call = pending.AsTask();
                await (waitable ? call.WaitAsync(cancellationToken) : call).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (waitable && cancellationToken.IsCancellationRequested)
            {
                // The run was cancelled while the observer had not returned: the run goes on without it, and what the
                // call does later is logged. (An observer that stopped on the token has simply returned.)
                if (call is { IsCompleted: false })
                {
                    LogObserverLeft(logger, observer.GetType().Name, sessionEvent.EventType);
                    _detached[i] = ObservedAsync(call, observer, sessionEvent.EventType);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogObserverFailed(logger, observer.GetType().Name, sessionEvent.EventType, ex);
            }
        }
    }

    private async Task AfterAsync(Task previous, IOrchestrationObserver observer, SessionEvent sessionEvent)
    {
        await previous.ConfigureAwait(false);
        Task call;
        try
        {
            call = observer.OnEventAsync(sessionEvent, cancellationToken).AsTask();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogObserverFailed(logger, observer.GetType().Name, sessionEvent.EventType, ex);
            return;
        }

        await ObservedAsync(call, observer, sessionEvent.EventType).ConfigureAwait(false);
    }

    // Awaits a call nobody waits for any more; never throws. A cancellation once the run is cancelled is the observer
    // stopping on its token, not a failure.
    private async Task ObservedAsync(Task call, IOrchestrationObserver observer, string eventType)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogObserverFailed(logger, observer.GetType().Name, eventType, ex);
        }
    }

    [LoggerMessage(EventId = 82, Level = LogLevel.Warning, Message = "The orchestration observer {Observer} failed on {EventType}; the run goes on.")]
    private static partial void LogObserverFailed(ILogger logger, string observer, string eventType, Exception exception);

    [LoggerMessage(EventId = 83, Level = LogLevel.Warning, Message = "The orchestration observer {Observer} had not returned from {EventType} when the run was cancelled; the run no longer waits for it, and hands it the later events once it returns.")]
    private static partial void LogObserverLeft(ILogger logger, string observer, string eventType);
}
