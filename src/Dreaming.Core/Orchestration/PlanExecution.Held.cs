using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>Agent calls an attempt's timeout abandoned (the agent ignored its token) while they still run, and grader
/// calls of an item with a rubric abandoned alike (reported through <see cref="AbandonedGraderCalls"/>): each counts
/// against <see cref="OrchestrationPlan.MaxConcurrency"/> until it really ends, so a retry or a new item does not add a
/// call on top of it; and so that an agent that never ends cannot hold a place for ever, a held call is written off
/// once its item's timeout has passed a second time.</summary>
/// <remarks>A call abandoned because the run stopped is not held: nothing starts after a stop. The run never waits for a
/// held call to end: it returns once no item is running, and a call still running then is left to finish on its own
/// (its result dropped, its usage not charged, what it throws observed), as before; the run's end (<see cref="Dispose"/>)
/// disposes the write-off timers of the calls still held and lets go of the run, so neither a timer nor a call that
/// never ends keeps the run's items and outputs alive.</remarks>
internal sealed partial class PlanExecution
{
    // The items running: written by the scheduler only, read by a retry waiting for a place.
    private int _running;

    // The held calls not yet ended nor written off.
    private int _held;

    // Completed (and replaced) whenever a place may have been freed: a held call ended, or an item ended while one is held.
    private TaskCompletionSource _freed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Every call held during the run (only ever made on a timeout), so that the run's end can let go of them; null until
    // one is. Guarded by _heldLock.
    private readonly Lock _heldLock = new();
    private List<HeldCall>? _heldCalls;

    // Set at the run's end, under _heldLock: no call is held after it.
    private bool _heldCallsLetGo;

    /// <summary>Holds a place for <paramref name="agentCall"/> (an agent's call, or a grader's), which the attempt of
    /// <paramref name="item"/> stopped waiting for on its timeout, until it ends or the item's timeout passes again.</summary>
    private void Hold(Task agentCall, WorkItem item)
    {
        var timeout = item.Timeout ?? _owner.Options.ItemTimeout;
        if (agentCall.IsCompleted || _stopping.IsCancellationRequested || timeout == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        var held = new HeldCall(this);
        lock (_heldLock)
        {
            // An outcome loop can end its item before the agent call inside it gets here, and the run can end in between:
            // a call held after the run let go would arm a timer that keeps the run alive until it fires.
            if (_heldCallsLetGo)
            {
                return;
            }

            Interlocked.Increment(ref _held);
            (_heldCalls ??= []).Add(held);
            held.Start(agentCall, timeout, _owner.TimeProvider);
        }
    }

    /// <summary>At the run's end: disposes the write-off timers of the calls still held and drops their link to the run.</summary>
    private void LetGoOfHeldCalls()
    {
        List<HeldCall>? calls;
        lock (_heldLock)
        {
            calls = _heldCalls;
            _heldCalls = null;
            _heldCallsLetGo = true;
        }

        if (calls is not null)
        {
            foreach (var call in calls)
            {
                call.LetGo();
            }
        }
    }

    /// <summary>Waits, before a retry's delay and timeout start (the pipeline's OnRetry), while the calls that may be in
    /// flight — one per running item, this one's included, and the held ones — leave no place under the limit. Bounded by
    /// the write-off of the held calls and by the stop (<paramref name="cancellationToken"/>).</summary>
    internal async ValueTask WaitForPlaceAsync(CancellationToken cancellationToken)
    {
        var logged = false;
        while (true)
        {
            var freed = Volatile.Read(ref _freed).Task;
            var held = Volatile.Read(ref _held);
            if (Volatile.Read(ref _running) + held <= _plan.MaxConcurrency)
            {
                return;
            }

            if (!logged)
            {
                logged = true;
                LogWaitingForPlace(_owner.Logger, _parent.Id, _plan.MaxConcurrency, held);
            }

            await freed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Wakes the retries waiting for a place.</summary>
    private void Freed() =>
        Interlocked.Exchange(ref _freed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void Released()
    {
        Interlocked.Decrement(ref _held);
        Freed();
        // Wakes the scheduler, which may be waiting for this place to start a ready item.
        _done.Writer.TryWrite(-1);
    }

    /// <summary>One held call: released once, when it ends or when its timer fires, whichever comes first.</summary>
    private sealed class HeldCall(PlanExecution owner)
    {
        private PlanExecution? _owner = owner;
        private ITimer? _timer;
        private int _released;

        public void Start(Task agentCall, TimeSpan timeout, TimeProvider time)
        {
            _timer = time.CreateTimer(static state => ((HeldCall)state!).Release(), this, timeout, Timeout.InfiniteTimeSpan);
            _ = agentCall.ContinueWith(static (_, state) => ((HeldCall)state!).Release(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            Volatile.Read(ref _timer)?.Dispose();
            Interlocked.Exchange(ref _owner, null)?.Released();
        }

        /// <summary>The run has ended: the place no longer matters, so the timer goes and the run is no longer referenced
        /// (the continuation on a call that never ends would otherwise keep it alive).</summary>
        public void LetGo()
        {
            Interlocked.Exchange(ref _owner, null);
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Volatile.Read(ref _timer)?.Dispose();
            }
        }
    }

    [LoggerMessage(EventId = 84, Level = LogLevel.Debug, Message = "A retry in orchestration {SessionId} waits for a place under MaxConcurrency ({MaxConcurrency}): {HeldCalls} agent or grader calls abandoned at their timeout still run.")]
    private static partial void LogWaitingForPlace(ILogger logger, string sessionId, int maxConcurrency, int heldCalls);
}
