using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Dreaming;

/// <summary>The bounded background writer: batches queued sessions and events into the store.</summary>
/// <remarks>
/// <para>Only events count against <see cref="DreamingOptions.WriteQueueCapacity"/>; session creations and flush markers
/// always get in, since there is at most one of each per live session, so losing one would orphan a whole session.</para>
/// <para>A batch the store rejects is retried (transient failures), then split per session so that one bad session
/// cannot take others' events down with it; what still fails is counted as dropped on its session and logged.</para>
/// </remarks>
internal sealed partial class TraceWriter : IAsyncDisposable, IDisposable
{
    // Producers never wake the writer per event: the first item into an empty queue wakes it, it then lingers this long
    // so that one wake-up drains many events, unless a flush, a full batch or a full queue asks it to hurry.
    private static readonly TimeSpan s_linger = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan s_roomPoll = TimeSpan.FromMilliseconds(50);

    private readonly ITraceStore _store;
    private readonly TraceContentFilter _filter;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly BackpressurePolicy _policy;
    private readonly int _batchSize;
    private readonly int _capacity;
    private readonly ConcurrentQueue<WriteItem> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _hurry = new(0);
    private readonly SemaphoreSlim _room = new(0);
    private readonly ResiliencePipeline _retry;
    private readonly Task _loop;
    private long _pendingItems;
    private long _queuedEvents;
    private int _waitingForRoom;
    private int _flushesPending;
    private volatile bool _stopping;

    public TraceWriter(ITraceStore store, TraceContentFilter filter, IOptions<DreamingOptions> options, TimeProvider? timeProvider = null, ILogger<TraceWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _store = store;
        _filter = filter;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _policy = value.Backpressure;
        _batchSize = value.WriteBatchSize;
        _capacity = value.WriteQueueCapacity;
        _retry = new ResiliencePipelineBuilder { TimeProvider = _timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(50),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            })
            .Build();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets the number of events queued or being written.</summary>
    public long QueuedEvents => Volatile.Read(ref _queuedEvents);

    public void EnqueueSession(SessionRecord session)
    {
        if (_stopping)
        {
            throw new ObjectDisposedException(nameof(TraceWriter), "The trace writer has been disposed; no new session can be recorded.");
        }

        Push(WriteItem.ForSession(session), hurry: false);
    }

    /// <summary>Queues an event, waiting for room or dropping it according to the policy.</summary>
    /// <returns><see langword="true"/> when queued; <see langword="false"/> when dropped (and already counted on <paramref name="owner"/>).</returns>
    public ValueTask<bool> EnqueueEventAsync(SessionEvent sessionEvent, IDropCounter owner, CancellationToken cancellationToken)
    {
        if (_stopping)
        {
            Drop(owner, 1, "writer_stopped");
            return new ValueTask<bool>(false);
        }

        if (TryReserveRoom())
        {
            PushEvent(sessionEvent, owner);
            return new ValueTask<bool>(true);
        }

        if (_policy == BackpressurePolicy.Drop)
        {
            Drop(owner, 1, "queue_full");
            return new ValueTask<bool>(false);
        }

        return WaitAndEnqueueAsync(sessionEvent, owner, cancellationToken);
    }

    /// <summary>Completes when everything queued before the call has been written (or counted as dropped).</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_stopping)
        {
            throw new ObjectDisposedException(nameof(TraceWriter), "The trace writer has been disposed.");
        }

        var flush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _flushesPending);
        Push(WriteItem.ForFlush(flush), hurry: true);
        return flush.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping)
        {
            _stopping = true;
            _wake.Release();
            _hurry.Release();
        }

        await _loop.ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private bool TryReserveRoom()
    {
        if (Interlocked.Increment(ref _queuedEvents) <= _capacity)
        {
            return true;
        }

        Interlocked.Decrement(ref _queuedEvents);
        return false;
    }

    private async ValueTask<bool> WaitAndEnqueueAsync(SessionEvent sessionEvent, IDropCounter owner, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waitingForRoom);
        try
        {
            while (!TryReserveRoom())
            {
                _hurry.Release();

                // The timeout covers a wake-up lost between the check above and the wait.
                await _room.WaitAsync(s_roomPoll, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waitingForRoom);
        }

        PushEvent(sessionEvent, owner);
        return true;
    }

    private void PushEvent(SessionEvent sessionEvent, IDropCounter owner)
    {
        DreamingTelemetry.EventsRecorded.Add(1);
        DreamingTelemetry.AddQueued(1);
        Push(WriteItem.ForEvent(sessionEvent, owner), hurry: false);
    }

    private void Push(WriteItem item, bool hurry)
    {
        _queue.Enqueue(item);
        var pending = Interlocked.Increment(ref _pendingItems);
        if (pending == 1)
        {
            _wake.Release();
        }

        // The writer decrements after it dequeues, so a fast writer can briefly make the count zero or less: only a
        // positive count means a full batch is waiting.
        if (hurry || (pending > 0 && pending % _batchSize == 0))
        {
            _hurry.Release();
        }
    }

    private static void Drop(IDropCounter owner, long count, string reason)
    {
        owner.AddDropped(count);
        DreamingTelemetry.EventsDropped.Add(count, new KeyValuePair<string, object?>(DreamingTelemetry.Attributes.DropReason, reason));
    }

    private async Task RunAsync()
    {
        var sessions = new List<SessionRecord>();
        var events = new List<WriteItem>();
        while (true)
        {
            await _wake.WaitAsync().ConfigureAwait(false);
            if (!_stopping && Volatile.Read(ref _flushesPending) == 0 && Volatile.Read(ref _waitingForRoom) == 0)
            {
                await _hurry.WaitAsync(s_linger).ConfigureAwait(false);
            }

            while (_queue.TryDequeue(out var item))
            {
                Interlocked.Decrement(ref _pendingItems);
                if (item.Session is not null)
                {
                    sessions.Add(item.Session);
                }
                else if (item.Event is not null)
                {
                    if (!TrySanitize(item, out var sanitized))
                    {
                        continue;
                    }

                    events.Add(sanitized);
                    if (events.Count >= _batchSize)
                    {
                        await WriteBatchAsync(sessions, events).ConfigureAwait(false);
                    }
                }
                else
                {
                    await WriteBatchAsync(sessions, events).ConfigureAwait(false);
                    Interlocked.Decrement(ref _flushesPending);
                    item.Flush!.TrySetResult();
                }
            }

            await WriteBatchAsync(sessions, events).ConfigureAwait(false);

            // Requests to hurry were for items written by now; left counted they would cancel the next lingers.
            while (_hurry.Wait(0))
            {
            }

            if (_stopping && _queue.IsEmpty)
            {
                return;
            }
        }
    }

    // Redaction runs here, on the writer, so the agent's thread does not pay for scanning large tool results; nothing
    // reaches the store unredacted.
    private bool TrySanitize(WriteItem item, out WriteItem sanitized)
    {
        try
        {
            sanitized = item with { Event = SessionEventSanitizer.Sanitize(item.Event!, _filter) };
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A redactor that throws must not let the text through, nor stop the writer.
            Interlocked.Decrement(ref _queuedEvents);
            DreamingTelemetry.AddQueued(-1);
            Drop(item.Owner!, 1, "redaction_error");
            LogRedactionFailed(_logger, item.Event!.SessionId, ex);
            sanitized = default;
            return false;
        }
    }

    private async Task WriteBatchAsync(List<SessionRecord> sessions, List<WriteItem> events)
    {
        if (sessions.Count == 0 && events.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var batch = new TraceWriteBatch(sessions.ToArray(), events.Select(e => e.Event!).ToArray());
            await _retry.ExecuteAsync(static (state, ct) => new ValueTask(state.Store.WriteAsync(state.Batch, ct)), (Store: _store, Batch: batch)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogBatchFailed(_logger, sessions.Count, events.Count, ex);
            await WriteIsolatedAsync(sessions, events).ConfigureAwait(false);
        }
        finally
        {
            DreamingTelemetry.WriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            Interlocked.Add(ref _queuedEvents, -events.Count);
            DreamingTelemetry.AddQueued(-events.Count);
            var waiting = Volatile.Read(ref _waitingForRoom);
            if (waiting > 0)
            {
                _room.Release(waiting);
            }

            sessions.Clear();
            events.Clear();
        }
    }

    private async Task WriteIsolatedAsync(List<SessionRecord> sessions, List<WriteItem> events)
    {
        foreach (var session in sessions)
        {
            try
            {
                await _store.WriteAsync(new TraceWriteBatch([session], []), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogSessionLost(_logger, session.Id, ex);
            }
        }

        foreach (var group in events.GroupBy(e => e.Event!.SessionId))
        {
            var items = group.ToList();
            try
            {
                await _store.WriteAsync(TraceWriteBatch.OfEvents(items.Select(e => e.Event!).ToArray()), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Drop(items[0].Owner!, items.Count, "store_error");
                LogEventsLost(_logger, items.Count, group.Key, ex);
            }
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is not (SessionStateException or SessionNotFoundException or ArgumentException or OperationCanceledException or ObjectDisposedException);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "A redactor failed on an event of session {SessionId}; the event was dropped rather than stored unredacted.")]
    private static partial void LogRedactionFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Writing a trace batch of {SessionCount} sessions and {EventCount} events failed; retrying per session.")]
    private static partial void LogBatchFailed(ILogger logger, int sessionCount, int eventCount, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Session {SessionId} could not be created in the trace store.")]
    private static partial void LogSessionLost(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Count} events of session {SessionId} could not be stored and were counted as dropped.")]
    private static partial void LogEventsLost(ILogger logger, int count, string sessionId, Exception exception);
}
