using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>The session's end: completion, disposal (which records the session abandoned) and the span's last tags.</summary>
internal sealed partial class AgentSession
{
    private static readonly TimeSpan s_slowRecorders = TimeSpan.FromSeconds(30);

    public async Task CompleteAsync(SessionStatus status = SessionStatus.Completed, SessionOutcome? outcome = null, CancellationToken cancellationToken = default)
    {
        if (status == SessionStatus.Running || !Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A session must be completed with a final status (Completed, Failed, Abandoned or Blocked).");
        }

        if (!TryBeginEnd(out var ending, out _))
        {
            throw new SessionStateException($"Session '{Id}' has already been completed (status {Status}); a session can be completed once.");
        }

        try
        {
            await EndAsync(status, outcome, ending, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ending.TrySetResult();
        }
    }

    // Moves the state from Running to Ending; the caller then owns the end and completes ending when it is over. Otherwise
    // running is the end in progress (a completion on another thread), or null once the session has ended.
    private bool TryBeginEnd(out TaskCompletionSource ending, out Task? running)
    {
        lock (_endLock)
        {
            var seen = Interlocked.CompareExchange(ref _state, Ending, Running);
            if (seen == Running)
            {
                ending = _ending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                running = null;
                return true;
            }

            // The state the exchange saw, not a second read: a failing end may put it back to Running in between (without
            // this lock), and the caller must then wait for that end (already over) and try again, not take it as ended.
            ending = null!;
            running = seen == Ending ? _ending!.Task : null;
            return false;
        }
    }

    // Called by whoever moved the state from Running to Ending, so once. Completes ending once the session has ended (a
    // failure leaves that to the caller): a disposal waiting for it has nothing left to decide, and does not wait for the
    // webhook published after.
    private async Task EndAsync(SessionStatus status, SessionOutcome? outcome, TaskCompletionSource ending, CancellationToken cancellationToken)
    {
        SessionCompletion completion;
        WebhookStoreNesting? change = null;
        try
        {
            // A RecordAsync or chat call that passed its state check before this completion began is queued first, so
            // the flush covers it; none can return success and then be refused by the ended session. While the completion
            // waits for such a call, it keeps the writer running: a host shutdown disposing the writer meanwhile still
            // writes the call's item and this flush, rather than failing the completion as if it had started too late.
            var recorders = RecordersDoneAsync(cancellationToken);
            if (!recorders.IsCompleted)
            {
                recorders = WatchRecordersAsync(recorders);
            }

            await (recorders.IsCompletedSuccessfully ? _writer.FlushAsync(cancellationToken) : _writer.FlushAfterAsync(recorders, cancellationToken)).ConfigureAwait(false);
            if (Creation.Error is { } refused)
            {
                // Completing by id would end the session that owns the id (another session, maybe another process's).
                // A store that refused the id says so; one that failed otherwise (unavailable, locked) never wrote it.
                throw refused is SessionStateException
                    ? new SessionStateException($"Session '{Id}' could not be created in the trace store, so its events were dropped and it cannot be completed: {refused.Message}", refused)
                    : new SessionNotFoundException($"Session '{Id}' does not exist: creating it in the trace store failed, so its events were dropped and it cannot be completed: {refused.Message}", refused);
            }

            completion = new SessionCompletion
            {
                SessionId = Id,
                Status = status,
                EndedAt = _timeProvider.GetUtcNow(),
                Usage = Usage,
                Outcome = outcome,
                DroppedEventCount = DroppedEventCount,
            };
            if (Webhooks is not null)
            {
                // A store that writes the row in the end's transaction (SQLite on the outbox's file) behind a host's decorator,
                // which hides its ISessionWebhookWriter from the factory, says so through WebhookStoreChange.SessionEndWrittenBy.
                change = WebhookStoreNesting.Enter(Webhooks, typeof(AgentSession), nameof(CompleteAsync), Id);
            }

            await _store.CompleteSessionAsync(completion, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing was written, so the caller may try again (after fixing the store, or without cancelling).
            Volatile.Write(ref _state, Running);
            throw;
        }

        _status = status;
        Volatile.Write(ref _state, Ended);
        _writer.SessionClosed(OpenToken);
        EndTelemetry(status);
        ending.TrySetResult();
        if (Webhooks is not null && change is not { AnnouncedInside: true })
        {
            // After the store committed the end (this store cannot share its transaction with the outbox).
            var (type, data) = WebhookEventData.SessionEnded(completion, AgentId, ParentSessionId, Scope, Task, Webhooks.IncludeFullPayloads);
            await Webhooks.PublishAsync(type, data, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        // Restored synchronously, before any await, so the caller's flow sees the change.
        if (ReferenceEquals(AgentSessionContext.Current, this))
        {
            AgentSessionContext.Current = _previousSession;
        }

        if (_activity is not null && ReferenceEquals(Activity.Current, _activity))
        {
            // A stopped span cannot be made current (the setter ignores it): an outer session completed first gives
            // way to the first span above it that is still running.
            Activity.Current = RunningSpan(_previousActivity);
        }

        // The state moves to Ending here, so a CompleteAsync racing this disposal either began first or finds the session
        // ending and throws to its own caller; disposal never mistakes that race for a failure. A completion in progress
        // is waited for: if it fails (cancelled, or the store failing) it leaves the session running, and disposal then
        // abandons it, so a disposed session never stays running in the store for that reason.
        return TryBeginEnd(out var ending, out var running) ? AbandonAsync(ending) : running is null ? default : AbandonAfterAsync(running);
    }

    // A recording waits this long for room only behind a very slow store; a count never given back (a bug) waits for
    // ever. Either way the log says which session's end is held, and the completion goes on waiting.
    private async Task WatchRecordersAsync(Task recorders)
    {
        try
        {
            await recorders.WaitAsync(s_slowRecorders, _timeProvider).ConfigureAwait(false);
            return;
        }
        catch (TimeoutException)
        {
            // Not a filter on the task: had the recorders finished just as the timer fired, the exception would escape.
            if (!recorders.IsCompleted)
            {
                LogRecordersSlow(_logger, Id, s_slowRecorders, Volatile.Read(ref _recording));
            }
        }

        await recorders.ConfigureAwait(false);
    }

    private async ValueTask AbandonAfterAsync(Task running)
    {
        while (true)
        {
            // Never faults: the end in progress completes it whatever becomes of the session.
            await running.ConfigureAwait(false);
            if (TryBeginEnd(out var ending, out var next))
            {
                await AbandonAsync(ending).ConfigureAwait(false);
                return;
            }

            if (next is null)
            {
                return;
            }

            // Another completion began in between; its outcome decides again.
            running = next;
        }
    }

    /// <summary>Gets <paramref name="activity"/> or its first ancestor that has not stopped, or <see langword="null"/>.</summary>
    internal static Activity? RunningSpan(Activity? activity)
    {
        while (activity is { IsStopped: true })
        {
            activity = activity.Parent;
        }

        return activity;
    }

    private async ValueTask AbandonAsync(TaskCompletionSource ending)
    {
        try
        {
            await EndAsync(SessionStatus.Abandoned, null, ending, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Dispose must not throw; the session stays running in the store and the log says why. Its span ends here,
            // as an error, or it would never end (nothing else will complete the session). A session the store never
            // created (its id refused, or the store failing) was already logged by the writer, naming it and the cause:
            // that it cannot be abandoned follows from that, and is not a second error.
            if (ex.InnerException is null || !ReferenceEquals(ex.InnerException, Creation.Error))
            {
                LogAbandonFailed(_logger, Id, ex);
            }

            FailTelemetry(ex);
        }
        finally
        {
            // Disposed: whether or not it could be recorded abandoned (event 10 says when not), it is no longer open.
            _writer.SessionClosed(OpenToken);
            ending.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "The end of session {SessionId} has waited {Waited} for {Count} recordings that passed their check before it began to get their events into the write queue (waiting for room behind a slow store?); it goes on waiting.")]
    private static partial void LogRecordersSlow(ILogger logger, string sessionId, TimeSpan waited, int count);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Session {SessionId} was disposed without completion and could not be recorded as abandoned, so it stays running in the store (disposed after the host stopped? complete or dispose sessions before it stops); end it later with ITraceStore.AbandonRunningSessionsAsync or 'dreaming sessions abandon --older-than DURATION'.")]
    private static partial void LogAbandonFailed(ILogger logger, string sessionId, Exception exception);
}
