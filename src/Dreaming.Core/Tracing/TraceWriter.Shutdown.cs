using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>The writer's disposal: draining what was accepted, and giving up on a store that takes longer than
/// <see cref="DreamingOptions.WriteDrainTimeout"/>.</summary>
/// <remarks>
/// <para>Once disposal gives up (<c>_gaveUp</c>), every item not written is counted as dropped exactly once, by whoever
/// takes it: an item in the queue by whoever dequeues it (disposal, a late producer, or the loop), the batch the store is
/// still writing by disposal if it claims it from the loop (<c>_writeClaim</c>), else by the loop.</para>
/// <para>Flush markers not reached fail with <see cref="ObjectDisposedException"/>, so a completion waiting for its events
/// does not write the session's end as if they were stored; sessions not yet created are marked failed.</para>
/// </remarks>
internal sealed partial class TraceWriter
{
    private const string DrainTimeoutReason = DreamingTelemetry.DropReasons.DrainTimeout;

    // _writeClaim: the loop is not writing a batch, is writing _batch, or disposal has claimed it (and then counted it).
    private const int Idle = 0;
    private const int Writing = 1;
    private const int Claimed = 2;
    private const int Counted = 3;

    private readonly CancellationTokenSource _stopWrites = new();
    private readonly TimeSpan _drainTimeout;
    private Task? _disposal;
    private object? _disposalLock;
    private TaskCompletionSource? _writingFlush;
    private int _writeClaim;
    private volatile bool _gaveUp;

    public ValueTask DisposeAsync()
    {
        if (!_stopping)
        {
            _stopping = true;
            _wake.Release();
            _hurry.Release();
        }

        return new ValueTask(LazyInitializer.EnsureInitialized(ref _disposal, ref _disposalLock, DrainAsync));
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Gets the writer's loop, which ends once disposal has drained the queue or given up and the store's write
    /// in progress (if any) has returned; for tests.</summary>
    internal Task Loop => _loop;

    private async Task DrainAsync()
    {
        try
        {
            await DrainLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            // After the drain: a completion that began before disposal has been written (and has left the open ones).
            LogOpenSessions();
        }
    }

    private async Task DrainLoopAsync()
    {
        if (_drainTimeout == Timeout.InfiniteTimeSpan)
        {
            await _loop.ConfigureAwait(false);
            return;
        }

        try
        {
            await _loop.WaitAsync(_drainTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Not a filter on the loop: had it ended just as the timer fired, the exception would escape disposal.
            if (!_loop.IsCompleted)
            {
                GiveUp();
            }
        }
    }

    // Disposal stops waiting: counts the batch the store is still writing (if the loop is in the store) and what is queued.
    private void GiveUp()
    {
        _gaveUp = true;
        Interlocked.MemoryBarrier();
        long events = 0;
        var sessions = 0;
        if (Interlocked.CompareExchange(ref _writeClaim, Claimed, Writing) == Writing)
        {
            // The loop is inside the store's write and does not touch the batch until it sees Counted.
            (events, sessions) = Abandon(_batch);
            Volatile.Read(ref _writingFlush)?.TrySetException(Stopped());
            Volatile.Write(ref _writeClaim, Counted);
        }

        var (queuedEvents, queuedSessions) = TakeQueued();
        events += queuedEvents;
        sessions += queuedSessions;
        LogDrainTimedOut(_logger, _drainTimeout, events, sessions);
        try
        {
            _stopWrites.Cancel();
        }
        catch (AggregateException ex)
        {
            // A store's cancellation callback that throws must not fail the disposal.
            LogCancelFailed(_logger, ex);
        }

        // The loop may be waiting to be woken (a producer still counted holds it): it sees _gaveUp and ends.
        _wake.Release();
        _hurry.Release();
    }

    // Called by the loop before it hands the batch to the store; false when disposal gave up meanwhile (the batch is then
    // counted, by the loop or by disposal, and must not be written).
    private bool BeginStoreWrite(PendingBatch pending, TaskCompletionSource? flush)
    {
        if (!_gaveUp)
        {
            Volatile.Write(ref _writingFlush, flush);
            Interlocked.Exchange(ref _writeClaim, Writing);
            if (!_gaveUp)
            {
                return true;
            }

            // Disposal gave up between the checks: whichever of the two takes the batch back counts it.
            if (Interlocked.CompareExchange(ref _writeClaim, Idle, Writing) != Writing)
            {
                WaitCounted();
                return false;
            }
        }

        var (events, sessions) = Abandon(pending);
        LogDrainTimedOut(_logger, _drainTimeout, events, sessions);
        return false;
    }

    private void EndStoreWrite()
    {
        Volatile.Write(ref _writingFlush, null);
        if (Interlocked.CompareExchange(ref _writeClaim, Idle, Writing) != Writing)
        {
            // Disposal claimed the batch while the store wrote it; it is counting it.
            WaitCounted();
        }
    }

    private void WaitCounted()
    {
        SpinWait.SpinUntil(() => Volatile.Read(ref _writeClaim) == Counted);
        Volatile.Write(ref _writeClaim, Idle);
    }

    // Counts a batch nobody will write as dropped, and its sessions as never created.
    private static (long Events, int Sessions) Abandon(PendingBatch pending)
    {
        for (var i = 0; i < pending.Creations.Count; i++)
        {
            pending.Creations[i].Fail(Stopped());
        }

        long events = 0;
        foreach (var run in pending.RunsBySession())
        {
            Drop(run.Sink, run.Events.Count, DrainTimeoutReason);
            events += run.Events.Count;
        }

        return (events, pending.Creations.Count);
    }

    private (long Events, int Sessions) TakeQueued()
    {
        long events = 0;
        var sessions = 0;
        while (_queue.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _pendingItems);
            var (e, s) = Abandon(item);
            events += e;
            sessions += s;
        }

        return (events, sessions);
    }

    // Takes what late producers pushed after disposal gave up.
    private void AbandonQueued()
    {
        var (events, sessions) = TakeQueued();
        if (events > 0 || sessions > 0)
        {
            LogDrainTimedOut(_logger, _drainTimeout, events, sessions);
        }
    }

    // An item taken after disposal gave up, by the loop or by an event that was waiting for room.
    private void AbandonLate(WriteItem item)
    {
        var (events, sessions) = Abandon(item);
        if (events > 0 || sessions > 0)
        {
            LogDrainTimedOut(_logger, _drainTimeout, events, sessions);
        }
    }

    private (long Events, int Sessions) Abandon(WriteItem item)
    {
        if (item.Session is not null)
        {
            item.Creation!.Fail(Stopped());
            return (0, 1);
        }

        if (item.Flush is not null)
        {
            Interlocked.Decrement(ref _flushesPending);
            item.Flush.TrySetException(Stopped());
            return (0, 0);
        }

        Interlocked.Add(ref _queuedEvents, -item.Slots);
        DreamingTelemetry.AddQueued(-item.Slots);
        Drop(item.Sink!, item.Events, DrainTimeoutReason);
        return (item.Events, 0);
    }

    private static ObjectDisposedException Stopped() => new(
        nameof(TraceWriter),
        "The trace writer has been disposed: it stopped waiting for the trace store (DreamingOptions.WriteDrainTimeout) before this session's events were written; they were counted as dropped.");

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "The trace writer stopped waiting for the trace store after {Timeout} (DreamingOptions.WriteDrainTimeout): {EventCount} events were not written and are counted as dropped, and {SessionCount} sessions were not created.")]
    private static partial void LogDrainTimedOut(ILogger logger, TimeSpan timeout, long eventCount, int sessionCount);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Cancelling the trace store's write in progress failed while the trace writer stopped waiting for it.")]
    private static partial void LogCancelFailed(ILogger logger, Exception exception);
}
