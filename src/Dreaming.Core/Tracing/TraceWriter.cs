using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>The bounded background writer: batches queued sessions and events into the store.</summary>
/// <remarks>
/// <para>Only events count against <see cref="DreamingOptions.WriteQueueCapacity"/>; session creations and flush markers
/// always get in, since there is at most one of each per live session, so losing one would orphan a whole session.</para>
/// <para>Writing a batch to the store, with its retries and fallbacks, is <see cref="TraceBatchStore"/>'s job.</para>
/// <para>Disposal never loses an accepted item: the writer ends only once no room is reserved, no producer is between its
/// check of <c>_stopping</c> and its push, and the queue is empty. An event reserves its room before it checks, so either
/// the writer sees the room taken and waits for the push, or the event sees the writer stopping and is dropped and counted.
/// Sessions, flush markers and events waiting for room count themselves in <c>_producers</c> instead.</para>
/// <para>Unless <see cref="DreamingOptions.WriteDrainTimeout"/> is up first: disposal then stops waiting and counts what is
/// left as dropped (TraceWriter.Shutdown.cs).</para>
/// </remarks>
internal sealed partial class TraceWriter : IAsyncDisposable, IDisposable
{
    // Producers never wake the writer per event: the first item into an empty queue wakes it, it then lingers this long
    // so that one wake-up drains many events, unless a flush, a full batch or a full queue asks it to hurry.
    private static readonly TimeSpan s_linger = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan s_roomPoll = TimeSpan.FromMilliseconds(50);

    private readonly TraceContentFilter _filter;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly BackpressurePolicy _policy;
    private readonly int _batchSize;
    private readonly int _capacity;
    private readonly ConcurrentQueue<WriteItem> _queue = new();

    // The writer's scratch list for one call's message events; only the writer's loop uses it.
    private readonly List<SessionEvent> _callEvents = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _hurry = new(0);
    private readonly SemaphoreSlim _room = new(0);
    private readonly TraceBatchStore _store;

    // The batch the loop is building or writing; only the loop touches it, except a disposal that has given up waiting
    // and claimed it while the store writes it (see _writeClaim).
    private readonly PendingBatch _batch = new();
    private readonly Task _loop;
    private long _pendingItems;
    private long _queuedEvents;
    private int _waitingForRoom;
    private int _producers;
    private int _flushesPending;
    private volatile bool _stopping;

    public TraceWriter(ITraceStore store, TraceContentFilter filter, IOptions<DreamingOptions> options, TimeProvider? timeProvider = null, ILogger<TraceWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _filter = filter;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _policy = value.Backpressure;
        _batchSize = value.WriteBatchSize;
        _capacity = value.WriteQueueCapacity;
        _drainTimeout = value.WriteDrainTimeout;
        _store = new TraceBatchStore(store, _timeProvider, _logger);
        _loop = StartLoop(RunAsync);
    }

    /// <summary>Starts the writer's loop without the execution context of the flow that created the writer: it outlives
    /// that flow, and would otherwise keep its span (say the request that first resolved the writer) as the parent of
    /// every span the store creates, and its ambient session.</summary>
    private static Task StartLoop(Func<Task> loop)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return Task.Run(loop);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(loop);
        }
    }

    /// <summary>Gets the number of events queued or being written.</summary>
    public long QueuedEvents => Volatile.Read(ref _queuedEvents);

    /// <summary>Gets how many events the queue holds at most (<see cref="DreamingOptions.WriteQueueCapacity"/>).</summary>
    public int Capacity => _capacity;

    /// <summary>Gets what the store writes have come to, for the health check.</summary>
    public TraceWriterHealth Health => _store.Health;

    /// <summary>Gets a value indicating whether the writer no longer writes: it is disposed (or being disposed), or its
    /// loop has ended (which, but for disposal, only a fault such as running out of memory does).</summary>
    public bool IsStopped => _stopping || _loop.IsCompleted;

    public void EnqueueSession(SessionRecord session, SessionCreation creation)
    {
        if (!TryEnter())
        {
            throw new ObjectDisposedException(nameof(TraceWriter), "The trace writer has been disposed; no new session can be recorded.");
        }

        try
        {
            Push(WriteItem.ForSession(session, creation), hurry: false);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>Queues an event or a chat call, waiting for room or dropping it according to the policy.</summary>
    /// <returns><see langword="true"/> when queued; <see langword="false"/> when dropped (and already counted on its session).</returns>
    public ValueTask<bool> EnqueueAsync(WriteItem item, CancellationToken cancellationToken)
    {
        // An item larger than the whole queue could never get in; it may hold all of it instead (if dropped, it is still
        // counted as the events it stands for: item.Events).
        item = item with { Slots = Math.Clamp(item.Slots, 1, _capacity) };
        if (_stopping)
        {
            Drop(item.Sink!, item.Events, DreamingTelemetry.DropReasons.WriterStopped);
            return new ValueTask<bool>(false);
        }

        if (TryReserveRoom(item.Slots))
        {
            // Checked again now that the room is reserved: the writer does not end while room is reserved.
            if (_stopping)
            {
                ReturnRoom(item.Slots);
                Drop(item.Sink!, item.Events, DreamingTelemetry.DropReasons.WriterStopped);
                return new ValueTask<bool>(false);
            }

            PushRecorded(item);
            return new ValueTask<bool>(true);
        }

        if (_policy == BackpressurePolicy.Drop)
        {
            Drop(item.Sink!, item.Events, DreamingTelemetry.DropReasons.QueueFull);
            return new ValueTask<bool>(false);
        }

        return WaitAndEnqueueAsync(item, cancellationToken);
    }

    /// <summary>Completes when everything queued before the call has been written (or counted as dropped).</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!TryEnter())
        {
            throw new ObjectDisposedException(nameof(TraceWriter), "The trace writer has been disposed.");
        }

        var flush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            Interlocked.Increment(ref _flushesPending);
            Push(WriteItem.ForFlush(flush), hurry: true);
        }
        finally
        {
            Leave();
        }

        return flush.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes when <paramref name="ready"/> has completed and then everything queued before it completed has been
    /// written (or counted as dropped). The writer counts the caller as a producer meanwhile, so a disposal that starts while
    /// <paramref name="ready"/> is pending (recorders still getting their items in) still writes those items and this flush.</summary>
    /// <param name="ready">Completes once the items to flush are queued; a cancelled or failed one ends the flush with its exception.</param>
    /// <param name="cancellationToken">Cancels waiting for the flush.</param>
    public async Task FlushAfterAsync(Task ready, CancellationToken cancellationToken)
    {
        if (!TryEnter())
        {
            throw new ObjectDisposedException(nameof(TraceWriter), "The trace writer has been disposed.");
        }

        var flush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await ready.ConfigureAwait(false);
            Interlocked.Increment(ref _flushesPending);
            Push(WriteItem.ForFlush(flush), hurry: true);
        }
        finally
        {
            Leave();
        }

        await flush.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Reserves room only when it fits, so the count never goes past the capacity, not even for a moment (adding first
    // and giving back on failure let concurrent producers push it over).
    private bool TryReserveRoom(int slots)
    {
        var current = Volatile.Read(ref _queuedEvents);
        while (current + slots <= _capacity)
        {
            var seen = Interlocked.CompareExchange(ref _queuedEvents, current + slots, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    // Gives back room reserved but not used; a stopping writer may be waiting for it before it ends.
    private void ReturnRoom(int slots)
    {
        Interlocked.Add(ref _queuedEvents, -slots);
        if (_stopping)
        {
            _wake.Release();
        }
    }

    // A producer between TryEnter and Leave keeps the writer running, so what it pushes is written even if disposal
    // starts meanwhile; once disposal has started, TryEnter refuses.
    private bool TryEnter()
    {
        Interlocked.Increment(ref _producers);
        if (!_stopping)
        {
            return true;
        }

        Leave();
        return false;
    }

    private void Leave()
    {
        if (Interlocked.Decrement(ref _producers) == 0 && _stopping)
        {
            _wake.Release();
        }
    }

    private async ValueTask<bool> WaitAndEnqueueAsync(WriteItem item, CancellationToken cancellationToken)
    {
        // A waiter keeps the writer running while it waits, so an event that was waiting for room when disposal started
        // is still written: disposal drains the queue and frees the room.
        if (!TryEnter())
        {
            Drop(item.Sink!, item.Events, DreamingTelemetry.DropReasons.WriterStopped);
            return false;
        }

        Interlocked.Increment(ref _waitingForRoom);
        try
        {
            while (!TryReserveRoom(item.Slots))
            {
                if (_gaveUp)
                {
                    // Disposal stopped waiting for the store: the room will never come.
                    AbandonLate(item);
                    return false;
                }

                _hurry.Release();

                // The timeout covers a wake-up lost between the check above and the wait.
                await _room.WaitAsync(s_roomPoll, cancellationToken).ConfigureAwait(false);
            }

            PushRecorded(item);
        }
        finally
        {
            Interlocked.Decrement(ref _waitingForRoom);
            Leave();
        }

        return true;
    }

    private void PushRecorded(WriteItem item)
    {
        DreamingTelemetry.EventsRecorded.Add(item.Events);
        DreamingTelemetry.AddQueued(item.Slots);
        Push(item, hurry: false);
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

        // Pushed after disposal stopped waiting for the store (a producer that entered before): nothing will write it.
        if (_gaveUp)
        {
            AbandonQueued();
        }
    }

    internal static void Drop(ISessionSink sink, long count, string reason)
    {
        sink.AddDropped(count);
        DreamingTelemetry.EventsDropped.Add(count, new KeyValuePair<string, object?>(DreamingTelemetry.Attributes.DropReason, reason));
    }

    private async Task RunAsync()
    {
        var batch = _batch;
        while (true)
        {
            await _wake.WaitAsync().ConfigureAwait(false);
            if (_gaveUp)
            {
                await WriteBatchAsync(batch).ConfigureAwait(false);
                return;
            }

            if (!_stopping && Volatile.Read(ref _flushesPending) == 0 && Volatile.Read(ref _waitingForRoom) == 0)
            {
                await _hurry.WaitAsync(s_linger).ConfigureAwait(false);
            }

            while (_queue.TryDequeue(out var item))
            {
                Interlocked.Decrement(ref _pendingItems);
                if (_gaveUp)
                {
                    AbandonLate(item);
                }
                else if (item.Session is not null)
                {
                    batch.AddSession(item.Session, item.Creation!);
                }
                else if (item.Flush is not null)
                {
                    await WriteBatchAsync(batch, item.Flush).ConfigureAwait(false);
                    Interlocked.Decrement(ref _flushesPending);
                    if (_gaveUp)
                    {
                        // Its batch may not have been written: the waiting completion must not report the session ended.
                        item.Flush.TrySetException(Stopped());
                    }
                    else
                    {
                        item.Flush.TrySetResult();
                    }
                }
                else
                {
                    Expand(item, batch);
                    if (batch.Events.Count >= _batchSize)
                    {
                        await WriteBatchAsync(batch).ConfigureAwait(false);
                    }
                }
            }

            await WriteBatchAsync(batch).ConfigureAwait(false);

            // Requests to hurry were for items written by now; left counted they would cancel the next lingers.
            while (_hurry.Wait(0))
            {
            }

            // Read in this order: a producer pushes before it leaves, and an event's room is given back only once written.
            if (_gaveUp || (_stopping && Volatile.Read(ref _producers) == 0 && Volatile.Read(ref _queuedEvents) == 0 && _queue.IsEmpty))
            {
                return;
            }
        }
    }
}
