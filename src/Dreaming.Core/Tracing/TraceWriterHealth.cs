namespace Dreaming;

/// <summary>What the trace writer's store writes have come to, for <see cref="DreamingHealthCheck"/>: written only by the
/// writer's loop, once per batch (never by a producer, so recording a session's events pays nothing for it), and read by
/// the health check from any thread.</summary>
internal sealed class TraceWriterHealth
{
    private long _failures;
    private long _eventsLost;
    private long _sessionsLost;
    private long _lastWriteTicks;
    private volatile TraceWriteFailure? _lastFailure;

    // The failure of the last write, or null once a write has succeeded since (the writer goes on with the next batch
    // after a failure, so a store that works again heals it).
    private volatile TraceWriteFailure? _current;

    /// <summary>Gets how many batches lost sessions or events to the store's failures since the writer started.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Gets how many events were not stored since the writer started because the store failed (drop reason
    /// <c>store_error</c>).</summary>
    public long EventsLost => Interlocked.Read(ref _eventsLost);

    /// <summary>Gets how many sessions the store failed to create since the writer started.</summary>
    public long SessionsLost => Interlocked.Read(ref _sessionsLost);

    /// <summary>Gets when the store last took a batch whole, or <see langword="null"/> before the first.</summary>
    public DateTimeOffset? LastWriteAt => Interlocked.Read(ref _lastWriteTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Gets the last failure since the writer started, or <see langword="null"/>.</summary>
    public TraceWriteFailure? LastFailure => _lastFailure;

    /// <summary>Gets the failure of the last write, or <see langword="null"/> when the last write succeeded.</summary>
    public TraceWriteFailure? Current => _current;

    /// <summary>Records a batch the store took whole (at once, or session by session after a failure).</summary>
    public void Succeeded(DateTimeOffset at)
    {
        Interlocked.Exchange(ref _lastWriteTicks, at.UtcTicks);
        if (_current is not null)
        {
            _current = null;
        }
    }

    /// <summary>Records a batch of which the store lost sessions or events.</summary>
    public void Failed(DateTimeOffset at, Exception exception, long events, int sessions)
    {
        Interlocked.Increment(ref _failures);
        Interlocked.Add(ref _eventsLost, events);
        Interlocked.Add(ref _sessionsLost, sessions);
        var failure = new TraceWriteFailure(at, exception.GetType().FullName ?? exception.GetType().Name, exception.Message);
        _lastFailure = failure;
        _current = failure;
    }

    /// <summary>Counts events not written because their session could not be created in an earlier batch.</summary>
    public void Lost(long events) => Interlocked.Add(ref _eventsLost, events);
}

/// <summary>A failed write of the trace writer: when, and the exception's type and message (unredacted: shown only
/// through the trace content filter).</summary>
internal sealed record TraceWriteFailure(DateTimeOffset At, string ExceptionType, string Message);
