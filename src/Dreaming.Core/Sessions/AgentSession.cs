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
                AddUsage(response.InputTokens, response.OutputTokens, response.CachedInputTokens, modelCalls: 1, costMinorUnits: 0);
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

    public async Task CompleteAsync(SessionStatus status = SessionStatus.Completed, SessionOutcome? outcome = null, CancellationToken cancellationToken = default)
    {
        if (status == SessionStatus.Running || !Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A session must be completed with a final status (Completed, Failed, Abandoned or Blocked).");
        }

        if (Interlocked.CompareExchange(ref _state, Ending, Running) != Running)
        {
            throw new SessionStateException($"Session '{Id}' has already been completed (status {Status}); a session can be completed once.");
        }

        await EndAsync(status, outcome, cancellationToken).ConfigureAwait(false);
    }

    // Called by whoever moved the state from Running to Ending, so once.
    private async Task EndAsync(SessionStatus status, SessionOutcome? outcome, CancellationToken cancellationToken)
    {
        SessionCompletion completion;
        try
        {
            // A RecordAsync or chat call that passed its state check before this completion began is queued first, so
            // the flush covers it; none can return success and then be refused by the ended session. While the completion
            // waits for such a call, it keeps the writer running: a host shutdown disposing the writer meanwhile still
            // writes the call's item and this flush, rather than failing the completion as if it had started too late.
            var recorders = RecordersDoneAsync(cancellationToken);
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
        EndTelemetry(status);
        if (Webhooks is not null)
        {
            // After the store committed the end (this store cannot share its transaction with the outbox).
            var (type, data) = WebhookEventData.SessionEnded(completion, AgentId, ParentSessionId, Task, Webhooks.IncludeFullPayloads);
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

        // The state moves to Ending here, so a CompleteAsync racing this disposal either ended the session first (nothing
        // to abandon) or finds it ending and throws to its own caller; disposal never mistakes that race for a failure.
        return Interlocked.CompareExchange(ref _state, Ending, Running) == Running ? AbandonAsync() : default;
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
        lock (_usageLock)
        {
            _inputTokens += inputTokens;
            _outputTokens += outputTokens;
            _cachedInputTokens += cachedInputTokens;
            _modelCalls += modelCalls;
            _costMinorUnits += costMinorUnits;
            _usage = null;
        }
    }

    private async ValueTask AbandonAsync()
    {
        try
        {
            await EndAsync(SessionStatus.Abandoned, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Dispose must not throw; the session stays running in the store and the log says why. Its span ends here,
            // as an error, or it would never end (nothing else will complete the session).
            LogAbandonFailed(_logger, Id, ex);
            FailTelemetry(ex);
        }
    }

    private void EndTelemetry(SessionStatus status)
    {
        var statusText = StatusName(status);
        DreamingTelemetry.SessionsEnded.Add(
            1,
            new KeyValuePair<string, object?>(DreamingTelemetry.Attributes.AgentId, AgentId),
            new KeyValuePair<string, object?>(DreamingTelemetry.Attributes.SessionStatus, statusText));
        if (_activity is null || _activity.IsStopped)
        {
            return;
        }

        var usage = Usage;
        _activity.SetTag(DreamingTelemetry.Attributes.InputTokens, usage.InputTokens);
        _activity.SetTag(DreamingTelemetry.Attributes.OutputTokens, usage.OutputTokens);
        _activity.SetTag(DreamingTelemetry.Attributes.CachedInputTokens, usage.CachedInputTokens);
        _activity.SetTag(DreamingTelemetry.Attributes.SessionStatus, statusText);
        _activity.SetTag(DreamingTelemetry.Attributes.DroppedEvents, DroppedEventCount);
        if (status != SessionStatus.Completed)
        {
            _activity.SetTag(DreamingTelemetry.Attributes.ErrorType, statusText);
            _activity.SetStatus(ActivityStatusCode.Error, $"session {statusText}");
        }

        _activity.Stop();
    }

    private void FailTelemetry(Exception exception)
    {
        if (_activity is null || _activity.IsStopped)
        {
            return;
        }

        _activity.SetTag(DreamingTelemetry.Attributes.ErrorType, exception.GetType().FullName);
        _activity.SetStatus(ActivityStatusCode.Error, "the session could not be recorded as abandoned");
        _activity.Stop();
    }

    internal static string StatusName(SessionStatus status) => status switch
    {
        SessionStatus.Running => "running",
        SessionStatus.Completed => "completed",
        SessionStatus.Failed => "failed",
        SessionStatus.Abandoned => "abandoned",
        SessionStatus.Blocked => "blocked",
        _ => "unknown",
    };

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Session {SessionId} was disposed without completion and could not be recorded as abandoned.")]
    private static partial void LogAbandonFailed(ILogger logger, string sessionId, Exception exception);
}
