using System.Globalization;

namespace Dreaming;

/// <summary>Maintenance operations built on any <see cref="ITraceStore"/>.</summary>
public static class TraceStoreExtensions
{
    private const int EventWindow = 1000;

    private const string CompletedItemStatus = "completed";

    // How long after a recovery wrote a crashed run's orchestration.failed an idempotent observer that keeps failing on it
    // (the outbox broken for good) keeps the session running: past it, the next call ends the session all the same. It is
    // measured from the event's timestamp (the only time every recovering process reads alike) by this call's clock; an
    // event stamped more than that ahead of it (its writer's clock was wrong) is not waited for, or it would keep the
    // session running for as long as that clock was ahead.
    private static readonly TimeSpan IdempotentRetryWindow = TimeSpan.FromDays(1);

    private static readonly SessionEventQuery RunMarks = new()
    {
        Types = [EventTypes.OrchestrationStarted, EventTypes.OrchestrationCompleted, EventTypes.OrchestrationFailed],
    };

    /// <summary>Ends as <see cref="SessionStatus.Abandoned"/> the sessions still <see cref="SessionStatus.Running"/> that
    /// started before a cut-off: those a process left behind when it was killed or crashed before completing them, which
    /// otherwise stay running for ever (and <see cref="ITraceStore.PurgeAsync"/> keeps running sessions).</summary>
    /// <remarks>
    /// <para>Each session keeps the events and the outcome it has; it ends at the current time with the usage and dropped
    /// count stored so far (a session's usage is stored when it completes, so a session that was never completed has
    /// none). A session that its own process completes meanwhile is left as that process ended it.</para>
    /// <para>Choose a cut-off older than any session still being recorded, by this or another process sharing the store
    /// (for example the start of this process, run at start-up before any session, when it is the only one writing, or
    /// now minus the longest a session may run): a live session abandoned here can no longer record events (they are
    /// counted as dropped) or be completed (<see cref="SessionStateException"/>).</para>
    /// <para>An orchestration run's session (one with an <see cref="OrchestrationStartedEvent"/>, or one marked
    /// <see cref="OrchestrationRun.SessionMetadataKey"/> = <c>host</c> or <c>coordinator</c>, as the orchestrator marks it,
    /// whose process died while the coordinator was planning it) that
    /// recorded no end first gets an <see cref="OrchestrationFailedEvent"/> with the status
    /// <see cref="OrchestrationFailedEvent.AbandonedStatus"/> (<c>abandoned</c>), a reason that begins <c>abandoned by
    /// recovery:</c>, the items that had completed, the plan's item count (0 for a run still being planned) and the usage of
    /// the items that had ended and of the coordinator's calls recorded in the run's session, so that a reader of its events
    /// hears that it ended. That costs a read of the session's orchestration events, and for such a run a read of all its
    /// events (for the next sequence number). No observer hears that event: see the overload that takes observers.</para>
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="startedBefore">Only sessions that started before this instant are ended; it must not be in the future.</param>
    /// <param name="timeProvider">The clock giving the end time; the system clock when omitted.</param>
    /// <param name="cancellationToken">Cancels the operation; sessions already ended stay ended.</param>
    /// <returns>The ids of the sessions this call ended, oldest first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startedBefore"/> is later than the current time.</exception>
    public static Task<IReadOnlyList<string>> AbandonRunningSessionsAsync(this ITraceStore store, DateTimeOffset startedBefore, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default) =>
        AbandonRunningSessionsAsync(store, startedBefore, [], timeProvider, cancellationToken);

    /// <summary>Ends as <see cref="SessionStatus.Abandoned"/> the sessions still <see cref="SessionStatus.Running"/> that
    /// started before a cut-off, as the other overload does, and tells <paramref name="observers"/> of each
    /// <see cref="OrchestrationFailedEvent"/> (status <c>abandoned</c>) it writes into a crashed run's session, as a run's
    /// observers hear its end: with <c>AddWebhooks</c>, pass the host's registered observers
    /// (<c>services.GetServices&lt;IOrchestrationObserver&gt;()</c>) and the <c>orchestration.failed</c> webhook goes out.</summary>
    /// <remarks>
    /// <para>An observer hears an event only from the call that wrote it: when two recoveries (two instances of an app, a
    /// host and <c>dreaming sessions abandon</c>) end the same run at once, one event is written (the later write is
    /// refused, or the later call finds the event written and writes none) and only the call that wrote it tells its
    /// observers, so the event is heard once, whichever call ends the session. It is heard after the session has ended (or
    /// after another call or the run's process ended it first). An <see cref="IIdempotentOrchestrationObserver"/> (the
    /// webhook observer) is told before the session is ended instead, and told again by a call that finds such an event in
    /// a session still running (its writer died before ending the session, or is still at work): it takes the event once
    /// however often it hears it, so a crash between the event and the end loses no webhook. For the same reason, an
    /// idempotent observer that throws on the event (the webhook's outbox write failed: a disk full, a broken connection)
    /// leaves that session running, so that the next call tells it again and ends the session once it goes through; when
    /// it still throws a day after the event's timestamp by <paramref name="timeProvider"/> (the outbox broken for good), or
    /// the event is stamped more than a day ahead of it (its writer's clock was wrong), the call ends the session all the
    /// same, and that webhook is lost. An observer that throws keeps neither the other observers
    /// from the event nor the call from ending the other sessions: once all are gone through, the call throws an
    /// <see cref="AbandonRunningSessionsException"/> of the observers' failures, which lists the sessions it ended and
    /// those it left running (<c>SessionRetention</c> logs the failures instead). A call
    /// cancelled after writing an event still hands it to every observer (with the cancelled token) before it throws, as
    /// a later call finds the event written and tells only the idempotent observers. For the others, a crash between the
    /// write and the call loses that one notification, as for a run's own events.</para>
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="startedBefore">Only sessions that started before this instant are ended; it must not be in the future.</param>
    /// <param name="observers">Hear each <see cref="OrchestrationFailedEvent"/> this call writes, in order, with its session
    /// id, sequence number and timestamp set; they are called one at a time, with <paramref name="cancellationToken"/>.</param>
    /// <param name="timeProvider">The clock giving the end time; the system clock when omitted.</param>
    /// <param name="cancellationToken">Cancels the operation; sessions already ended stay ended.</param>
    /// <returns>The ids of the sessions this call ended, oldest first.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="observers"/> or one of them is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startedBefore"/> is later than the current time.</exception>
    /// <exception cref="AbandonRunningSessionsException">One or more observer calls threw (not for the cancellation): every
    /// session was still ended, but for the crashed runs whose idempotent observer threw (its
    /// <see cref="AbandonRunningSessionsException.LeftRunningSessionIds"/>), and every other observer told; the inner
    /// exceptions are the observers'.</exception>
    public static async Task<IReadOnlyList<string>> AbandonRunningSessionsAsync(this ITraceStore store, DateTimeOffset startedBefore, IEnumerable<IOrchestrationObserver> observers, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(observers);
        IOrchestrationObserver[] listeners = [.. observers];
        if (Array.IndexOf(listeners, null) is var missing and >= 0)
        {
            throw new ArgumentNullException(nameof(observers), $"Observer #{missing + 1} is null.");
        }

        // Those that hear a recovery's event at most once however often they are told (the webhook observer) are told
        // before the session is ended, and again by a later call that finds the event in a session still running; the
        // others once, after the end, by the call that wrote it.
        IOrchestrationObserver[] idempotent = [.. listeners.Where(static o => o is IIdempotentOrchestrationObserver)];
        IOrchestrationObserver[] others = [.. listeners.Where(static o => o is not IIdempotentOrchestrationObserver)];

        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        if (startedBefore > now)
        {
            throw new ArgumentOutOfRangeException(nameof(startedBefore), startedBefore, $"The cut-off {startedBefore:O} is later than now ({now:O}): it would abandon sessions that may still be recording.");
        }

        var abandoned = new List<string>();
        var leftRunning = new List<string>();
        var failures = new List<Exception>();
        var query = new SessionQuery { Status = SessionStatus.Running, StartedBefore = startedBefore, PageSize = SessionQuery.MaxPageSize };
        while (true)
        {
            var page = await store.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                // The write of the event is what is done once when recoveries race (the later one is refused, or finds the
                // event written and writes none), so the call whose write succeeded tells the observers: after the end when
                // it ends the session, and also when another recovery (or the run's process) ended it first, or this call
                // is cancelled before it could.
                OrchestrationFailedEvent? ended = null;
                try
                {
                    (ended, var found) = await EndOrchestrationRunAsync(store, session, now, cancellationToken).ConfigureAwait(false);
                    if ((ended ?? found) is { } end && idempotent.Length > 0)
                    {
                        // Before the end, so that a crash in between leaves the session running and the next recovery
                        // tells them again (found), which they take once. One that throws (the webhook's outbox write
                        // failed) leaves the session running for the same reason, until the event is a day old.
                        var failed = failures.Count;
                        await TellAsync(idempotent, end, failures, cancellationToken).ConfigureAwait(false);
                        if (failures.Count > failed && (now - end.Timestamp).Duration() < IdempotentRetryWindow)
                        {
                            leftRunning.Add(session.Id);
                            continue;
                        }
                    }

                    await store.CompleteSessionAsync(
                        new SessionCompletion
                        {
                            SessionId = session.Id,
                            Status = SessionStatus.Abandoned,
                            EndedAt = now,
                            Usage = session.Usage,
                            DroppedEventCount = session.DroppedEventCount,
                        },
                        cancellationToken).ConfigureAwait(false);
                    abandoned.Add(session.Id);
                }
                catch (Exception ex) when (ex is SessionStateException or SessionNotFoundException)
                {
                    // Completed by its own process or another recovery (or purged) since the page was read, or its event
                    // written by another recovery (this one's write refused).
                }
                finally
                {
                    if (ended is not null && others.Length > 0)
                    {
                        await TellAsync(others, ended, failures, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (page.NextCursor is null)
            {
                break;
            }

            query = query with { Cursor = page.NextCursor };
        }

        return failures.Count == 0
            ? abandoned
            : throw new AbandonRunningSessionsException(
                leftRunning.Count == 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{failures.Count} call(s) to the orchestration observers failed; every session was ended ({abandoned.Count} by this call) and every other observer told.")
                    : string.Create(CultureInfo.InvariantCulture, $"{failures.Count} call(s) to the orchestration observers failed; {abandoned.Count} session(s) were ended by this call and every other observer told, but {leftRunning.Count} crashed run(s) were left running because an idempotent observer (the webhook's outbox write) failed on their orchestration.failed event: the next call tells it again and ends them ({IdList.Named(leftRunning, IdList.Shown)})."),
                failures,
                abandoned,
                leftRunning);
    }

    // Every observer hears the event, one after the other: one that throws (a dashboard down) neither keeps the others from
    // it nor stops the recovery (its failure is reported at the end), and a cancellation is thrown once all have heard it,
    // with the token already cancelled, as a cancelled run's observers hear its last events.
    private static async Task TellAsync(IOrchestrationObserver[] observers, OrchestrationFailedEvent ended, List<Exception> failures, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            try
            {
                await observer.OnEventAsync(ended, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped on the token: the others are still told, then the cancellation is thrown.
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures.Add(ex);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    // An orchestration run (a session with an orchestration.started event, or marked as a run from its start and still
    // being planned) that recorded no end gets one before it is ended: orchestration.failed with the status "abandoned",
    // so that a reader of the run's events (the agent view, a CI polling the store) hears that it ended, as for any other
    // run. A session that is not a run, or a run that recorded its end before its process died, is left as it is; the query
    // reads only those three types, so that costs one small read. Returns the event written, or null; and the end a recovery
    // wrote (status abandoned) that this call found instead, in the session still running, or null. A session is taken for
    // a run being planned only with the marker's value the orchestrator writes (host or coordinator): a host's session
    // with a value of its own under that key is not a run.
    private static async Task<(OrchestrationFailedEvent? Written, OrchestrationFailedEvent? Found)> EndOrchestrationRunAsync(ITraceStore store, SessionRecord session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var planned = session.Metadata.TryGetValue(OrchestrationRun.SessionMetadataKey, out var planSource) && planSource is "host" or "coordinator";
        var marks = await store.QueryEventsAsync(session.Id, RunMarks, cancellationToken).ConfigureAwait(false);
        var started = marks.Count > 0 ? marks[0] as OrchestrationStartedEvent : null;
        if (marks.OfType<OrchestrationFailedEvent>().FirstOrDefault(static e => e.Status == OrchestrationFailedEvent.AbandonedStatus) is { } recovered)
        {
            return (null, recovered);
        }

        if ((started is null && (!planned || marks.Count > 0)) || marks.Any(e => e is OrchestrationCompletedEvent or OrchestrationFailedEvent))
        {
            return (null, null);
        }

        // The next sequence number follows the last one stored (numbers may have gaps), read a window at a time; the
        // items that had ended are counted on the way, and the coordinator's calls (planning, recorded in the run's own
        // session) are added to the usage, as the run's own end event adds them.
        long last = 0;
        var completed = 0;
        var usage = SessionUsage.Zero;
        var window = new SessionEventQuery { Limit = EventWindow };
        while (true)
        {
            var events = await store.QueryEventsAsync(session.Id, window, cancellationToken).ConfigureAwait(false);
            foreach (var sessionEvent in events)
            {
                last = Math.Max(last, sessionEvent.Sequence);
                if (sessionEvent is OrchestrationCompletedEvent or OrchestrationFailedEvent)
                {
                    // Written since the marks were read (by another recovery, or the run's process): the run has its end,
                    // and a second one would not be refused, as it would take the next number.
                    return (null, sessionEvent is OrchestrationFailedEvent { Status: OrchestrationFailedEvent.AbandonedStatus } theirs ? theirs : null);
                }

                if (sessionEvent is OrchestrationItemCompletedEvent item)
                {
                    usage = usage.Add(item.Usage);
                    completed += item.Status == CompletedItemStatus ? 1 : 0;
                }
                else if (sessionEvent is ModelResponseEvent call)
                {
                    // Counted as the session counts a call: one model call at least.
                    usage = usage.Add(call.Usage with { ModelCalls = Math.Max(1, call.Usage.ModelCalls) });
                }
            }

            if (events.Count < EventWindow)
            {
                break;
            }

            window = window with { AfterSequence = last };
        }

        var reason = started is null
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"abandoned by recovery: the process running the run ended (killed or crashed) {(planSource == "host" ? "before the run recorded its start" : "while the coordinator was still planning it")}, and {nameof(AbandonRunningSessionsAsync)} ended it at {now:O}; no item had started")
            : string.Create(
                CultureInfo.InvariantCulture,
                $"abandoned by recovery: the process running the run ended (killed or crashed) before the run did, and {nameof(AbandonRunningSessionsAsync)} ended it at {now:O}; {completed} of {started.ItemCount} items had completed, the items still running were abandoned with it and the rest never started");
        var ended = new OrchestrationFailedEvent
        {
            SessionId = session.Id,
            Sequence = last + 1,
            Timestamp = now,
            Status = OrchestrationFailedEvent.AbandonedStatus,
            Reason = reason,
            CompletedItems = completed,
            ItemCount = started?.ItemCount ?? 0,
            Usage = usage,
        };
        await store.WriteAsync(TraceWriteBatch.OfEvents([ended]), cancellationToken).ConfigureAwait(false);
        return (ended, null);
    }
}
