using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>The default <see cref="IAgentSession"/>: stamps and queues events (the writer redacts them); completion flushes them.</summary>
internal sealed partial class AgentSession : IAgentSession, ISessionSink
{
    private const int Running = 0;
    private const int Ending = 1;
    private const int Ended = 2;

    private readonly TraceWriter _writer;
    private readonly ITraceStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Activity? _activity;
    private readonly Activity? _previousActivity;
    private readonly IAgentSession? _previousSession;
    private readonly Lock _usageLock = new();
    private SessionUsage? _usage = SessionUsage.Zero;
    private long _inputTokens;
    private long _outputTokens;
    private long _cachedInputTokens;
    private long _modelCalls;
    private long _costMinorUnits;
    private SessionStatus _status = SessionStatus.Running;
    private long _sequence;
    private long _dropped;
    private int _state;

    // Taken only to move the state from Running to Ending, by a completion or a disposal (never by a recorder), together
    // with publishing _ending, which completes once that end has either ended the session or failed and left it running.
    private readonly Lock _endLock = new();
    private TaskCompletionSource? _ending;

    // Recorders that passed their check of _state and have not yet pushed their item (including one waiting for room);
    // the completion waits for none to be left before it flushes. See BeginRecord.
    private int _recording;
    private TaskCompletionSource? _recorded;
    private int _memoryRecorded;

    public AgentSession(SessionRecord record, TraceWriter writer, ITraceStore store, TimeProvider timeProvider, ILogger logger, Activity? activity, Activity? previousActivity)
    {
        Id = record.Id;
        AgentId = record.AgentId;
        Task = record.Task;
        Scope = record.Scope;
        ParentSessionId = record.ParentSessionId;
        StartedAt = record.StartedAt;
        _writer = writer;
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
        _activity = activity;
        _previousActivity = previousActivity;
        _previousSession = AgentSessionContext.Current;
        AgentSessionContext.Current = this;
    }

    public string Id { get; }

    public string AgentId { get; }

    public string Task { get; }

    public string? ParentSessionId { get; }

    /// <summary>Gets the team or tenant scope the session was started with, whose memory it is given with its agent's.</summary>
    internal string? Scope { get; }

    public DateTimeOffset StartedAt { get; }

    public SessionStatus Status => Volatile.Read(ref _state) == Ended ? _status : SessionStatus.Running;

    public SessionUsage Usage
    {
        get
        {
            lock (_usageLock)
            {
                // Built when asked for, not on every call: the totals are kept as numbers.
                return _usage ??= new SessionUsage
                {
                    InputTokens = _inputTokens,
                    OutputTokens = _outputTokens,
                    CachedInputTokens = _cachedInputTokens,
                    ModelCalls = _modelCalls,
                    CostMinorUnits = _costMinorUnits,
                };
            }
        }
    }

    public long DroppedEventCount => Interlocked.Read(ref _dropped);

    internal TranscriptTracker Transcript { get; } = new();

    internal Activity? Activity => _activity;

    /// <summary>Gets the memory the session was given, once looked up (the lookup happens on its first chat call).</summary>
    internal Task<InjectedMemory?>? Memory { get; private set; }

    /// <summary>Starts the memory lookup unless one was started; <paramref name="started"/> tells the one caller that did.</summary>
    internal Task<InjectedMemory?> MemoryOnce(Func<Task<InjectedMemory?>> lookup, out bool started)
    {
        lock (_usageLock)
        {
            started = Memory is null;
            return Memory ??= lookup();
        }
    }

    /// <summary>Returns <see langword="true"/> to the one caller that records the memory the session was given: the first
    /// call that sends it, which need not be the call that started the lookup (that one may have been cancelled).</summary>
    internal bool ClaimMemoryRecord() => Interlocked.Exchange(ref _memoryRecorded, 1) == 0;

    internal bool IsRunning => Volatile.Read(ref _state) == Running;

    /// <summary>Gets whether the store refused to create the session (its explicit id was already taken).</summary>
    internal SessionCreation Creation { get; init; } = new();

    /// <summary>Gets the token the writer noted the session open with (<see cref="TraceWriter.SessionOpened"/>), given back
    /// once when the session ends or its disposal is over.</summary>
    internal long OpenToken { get; init; }

    /// <summary>Gets the publisher of the session's end, or <see langword="null"/> when none is configured or the store writes it.</summary>
    internal IWebhookPublisher? Webhooks { get; init; }

    /// <summary>Gets the filter the writer applies to this session's events, for the copies that leave the process another
    /// way (webhooks, span events, orchestration observers); see <see cref="SessionEventSanitizer.ForPublishing{T}"/>.</summary>
    internal TraceContentFilter? ContentFilter { get; init; }

    public ValueTask RecordAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionEvent);
        BeginRecord();
        ValueTask<bool> queued;
        try
        {
            var stamped = sessionEvent with { SessionId = Id, Timestamp = StoredTime.Of(_timeProvider.GetUtcNow()) };
            if (stamped is ModelResponseEvent response)
            {
                AddUsage(response.Usage);
            }

            queued = _writer.EnqueueAsync(WriteItem.ForEvent(stamped, this), cancellationToken);
        }
        catch
        {
            EndRecord();
            throw;
        }

        return Queued(queued);
    }

    /// <summary>Queues a chat call; the writer turns it into events. Throws when the session has ended.</summary>
    internal ValueTask RecordCallAsync(ChatCall call)
    {
        BeginRecord();
        ValueTask<bool> queued;
        try
        {
            if (call.Response is { } response)
            {
                AddUsage(response.InputTokens, response.OutputTokens, response.CachedInputTokens, modelCalls: 1, response.CostMinorUnits);
            }

            queued = _writer.EnqueueAsync(WriteItem.ForCall(call, this, call.Slots), CancellationToken.None);
        }
        catch
        {
            EndRecord();
            throw;
        }

        return Queued(queued);
    }

    // A recorder counts itself before it checks the state, and the completion moves the state before it reads the count
    // (both interlocked, so neither is reordered after the read that follows it): either the recorder sees the session
    // ending and throws, or the completion sees it counted and waits for its push, so its item is queued before the flush
    // marker and written before the session's end. The common path costs two uncontended interlocked operations, no lock.
    private void BeginRecord()
    {
        Interlocked.Increment(ref _recording);
        if (Volatile.Read(ref _state) != Running)
        {
            EndRecord();
            throw new SessionStateException($"Session '{Id}' has already ended (or is being completed); events cannot be appended after completion.");
        }
    }

    private void EndRecord()
    {
        // The last recorder out while the session is ending wakes the completion, if it is waiting.
        if (Interlocked.Decrement(ref _recording) == 0 && Volatile.Read(ref _state) != Running)
        {
            Volatile.Read(ref _recorded)?.TrySetResult();
        }
    }

    // Called once the state has left Running: completes when every recorder that passed its check has queued its item (or
    // had it dropped and counted, or failed to its own caller). None can pass the check any more, so the count only falls.
    private System.Threading.Tasks.Task RecordersDoneAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _recording) == 0)
        {
            return System.Threading.Tasks.Task.CompletedTask;
        }

        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Published before the count is read again (a full fence): the last recorder out either is seen gone here or
        // finds this source to complete.
        Interlocked.Exchange(ref _recorded, recorded);
        return Volatile.Read(ref _recording) == 0 ? System.Threading.Tasks.Task.CompletedTask : recorded.Task.WaitAsync(cancellationToken);
    }

    internal DateTimeOffset Now() => _timeProvider.GetUtcNow();

    /// <summary>Gets whether the session's clock is the system's, so a time can be derived from a measured duration.</summary>
    internal bool UsesSystemClock => ReferenceEquals(_timeProvider, TimeProvider.System);

    SessionCreation ISessionSink.Creation => Creation;

    void ISessionSink.AddDropped(long count) => Interlocked.Add(ref _dropped, count);

    // Only the writer thread asks, in queue order, so numbers follow the order events were queued in.
    long ISessionSink.NextSequence() => ++_sequence;

    long ISessionSink.LastSequence => _sequence;

    void ISessionSink.SkipSequences(int count) => _sequence += count;

    // The recorder leaves the count once its item is in the queue (or dropped), which is at once unless it waits for room.
    private ValueTask Queued(ValueTask<bool> queued)
    {
        if (queued.IsCompleted)
        {
            EndRecord();
            return queued.IsCompletedSuccessfully ? default : new ValueTask(queued.AsTask());
        }

        return QueuedLaterAsync(queued);
    }

    private async ValueTask QueuedLaterAsync(ValueTask<bool> queued)
    {
        try
        {
            await queued.ConfigureAwait(false);
        }
        finally
        {
            EndRecord();
        }
    }

    private void AddUsage(SessionUsage usage) =>
        AddUsage(usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, Math.Max(1, usage.ModelCalls), usage.CostMinorUnits);

    private void AddUsage(long inputTokens, long outputTokens, long cachedInputTokens, long modelCalls, long costMinorUnits)
    {
        // Saturating sums (a huge cost for "unknown" stops at long.MaxValue): a few compares under the lock already taken,
        // no allocation.
        lock (_usageLock)
        {
            _inputTokens = SaturatingSum.Add(_inputTokens, inputTokens);
            _outputTokens = SaturatingSum.Add(_outputTokens, outputTokens);
            _cachedInputTokens = SaturatingSum.Add(_cachedInputTokens, cachedInputTokens);
            _modelCalls = SaturatingSum.Add(_modelCalls, modelCalls);
            _costMinorUnits = SaturatingSum.Add(_costMinorUnits, costMinorUnits);
            _usage = null;
        }
    }
}
