using System.Diagnostics;
using System.Threading.Channels;
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
    private readonly ITraceStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly BackpressurePolicy _policy;
    private readonly int _batchSize;
    private readonly SemaphoreSlim _slots;
    private readonly Channel<WriteItem> _queue = Channel.CreateUnbounded<WriteItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ResiliencePipeline _retry;
    private readonly Task _loop;
    private long _queuedEvents;
    private int _disposed;

    public TraceWriter(ITraceStore store, IOptions<DreamingOptions> options, TimeProvider? timeProvider = null, ILogger<TraceWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _policy = value.Backpressure;
        _batchSize = value.WriteBatchSize;
        _slots = new SemaphoreSlim(value.WriteQueueCapacity, value.WriteQueueCapacity);
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

    /// <summary>Gets the number of events waiting to be written.</summary>
    public long QueuedEvents => Volatile.Read(ref _queuedEvents);

    public void EnqueueSession(SessionRecord session)
    {
        if (!_queue.Writer.TryWrite(WriteItem.ForSession(session)))
        {
            throw new ObjectDisposedException(nameof(TraceWriter), "The trace writer has been disposed; no new session can be recorded.");
        }
    }

    /// <summary>Queues an event, waiting for room or dropping it according to the policy.</summary>
    /// <returns><see langword="true"/> when queued; <see langword="false"/> when dropped (and already counted on <paramref name="owner"/>).</returns>
    public ValueTask<bool> EnqueueEventAsync(SessionEvent sessionEvent, IDropCounter owner, CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return new ValueTask<bool>(Enqueue(sessionEvent, owner));
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
        var flush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(WriteItem.ForFlush(flush)))
        {
            throw new ObjectDisposedException(nameof(TraceWriter), "The trace writer has been disposed.");
        }

        return flush.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        await _loop.ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async ValueTask<bool> WaitAndEnqueueAsync(SessionEvent sessionEvent, IDropCounter owner, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Enqueue(sessionEvent, owner);
    }

    private bool Enqueue(SessionEvent sessionEvent, IDropCounter owner)
    {
        if (!_queue.Writer.TryWrite(WriteItem.ForEvent(sessionEvent, owner)))
        {
            _slots.Release();
            Drop(owner, 1, "writer_stopped");
            return false;
        }

        Interlocked.Increment(ref _queuedEvents);
        DreamingTelemetry.AddQueued(1);
        DreamingTelemetry.EventsRecorded.Add(1);
        return true;
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
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (item.Session is not null)
                {
                    sessions.Add(item.Session);
                }
                else if (item.Event is not null)
                {
                    events.Add(item);
                    if (events.Count >= _batchSize)
                    {
                        await WriteBatchAsync(sessions, events).ConfigureAwait(false);
                    }
                }
                else
                {
                    await WriteBatchAsync(sessions, events).ConfigureAwait(false);
                    item.Flush!.TrySetResult();
                }
            }

            await WriteBatchAsync(sessions, events).ConfigureAwait(false);
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
            if (events.Count > 0)
            {
                _slots.Release(events.Count);
            }

            Interlocked.Add(ref _queuedEvents, -events.Count);
            DreamingTelemetry.AddQueued(-events.Count);
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Writing a trace batch of {SessionCount} sessions and {EventCount} events failed; retrying per session.")]
    private static partial void LogBatchFailed(ILogger logger, int sessionCount, int eventCount, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Session {SessionId} could not be created in the trace store.")]
    private static partial void LogSessionLost(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Count} events of session {SessionId} could not be stored and were counted as dropped.")]
    private static partial void LogEventsLost(ILogger logger, int count, string sessionId, Exception exception);
}
