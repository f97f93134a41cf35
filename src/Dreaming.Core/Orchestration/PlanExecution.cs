using System.Globalization;
using System.Threading.Channels;

namespace Dreaming;

/// <summary>Runs one validated plan: a Kahn scheduler that starts ready items up to the concurrency limit, each in its
/// own child session through the orchestrator's retry and timeout pipeline, and stops on failure, budget or cancellation.</summary>
/// <remarks>
/// The scheduler loop is the only reader of the item states between items: each item signals its end through a channel
/// and the loop then releases its dependents (an in-degree count per item, so every item and dependency is visited once:
/// O(items + dependencies)). Stopping cancels one token shared by every running item; the loop still waits for each of
/// them to end, so no child session is left running when the run returns. An agent call a timeout abandoned still holds
/// its place under the limit while it runs (PlanExecution.Held.cs), but the run never waits for it at its end.
/// </remarks>
internal sealed partial class PlanExecution : IDisposable
{
    private readonly Orchestrator _owner;
    private readonly OrchestrationPlan _plan;
    private readonly PlanGraph _graph;
    private readonly IReadOnlyDictionary<string, RosterAgent> _roster;
    private readonly IAgentSession _parent;

    // The run's team or tenant scope (OrchestrationRequest.Scope), which its items' sessions and outcome loops take too.
    private readonly string? _scope;
    private readonly OrchestrationFailurePolicy _policy;
    private readonly Budget _budget;
    private readonly Func<SessionEvent, ValueTask> _record;
    private readonly ItemSlot[] _slots;

    // Dense per-item arrays that the scheduler reads when an item ends, so releasing the dependents and handing on the
    // outputs touch no other item's slot: how many dependencies have not completed (skipped items are set below zero,
    // so they never become ready), and a completed item's output as its dependents see it, made once.
    private readonly int[] _remaining;
    private readonly WorkItemOutput?[] _outputs;
    private readonly Channel<int> _done = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private long _totalTokens;
    private long _totalCost;
    private StopReason? _stop;
    private CancellationTokenSource? _spareSource;

    public PlanExecution(
        Orchestrator owner,
        OrchestrationPlan plan,
        PlanGraph graph,
        IReadOnlyDictionary<string, RosterAgent> roster,
        IAgentSession parent,
        string? scope,
        OrchestrationFailurePolicy policy,
        Budget budget,
        int? outputLimit,
        int? outputTotalLimit,
        Func<SessionEvent, ValueTask> record)
    {
        _owner = owner;
        OutputLimit = outputLimit;
        OutputTotalLimit = outputTotalLimit;
        _plan = plan;
        _graph = graph;
        _roster = roster;
        _parent = parent;
        _scope = scope;
        _policy = policy;
        _budget = budget;
        _totalTokens = SaturatingSum.Add(budget.SpentTokens, budget.UnreportedTokens);
        _estimatedTokens = budget.UnreportedTokens;
        _totalCost = budget.SpentCostMinorUnits;
        _record = record;
        _slots = new ItemSlot[plan.Items.Count];
        _remaining = new int[plan.Items.Count];
        _outputs = new WorkItemOutput?[plan.Items.Count];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new ItemSlot(plan.Items[i], i);
            _remaining[i] = graph.DependenciesOf(i).Length;
        }
    }

    /// <summary>Returns every item's result, in plan order.</summary>
    /// <param name="completed">How many of them completed.</param>
    public List<WorkItemResult> Results(out int completed)
    {
        var results = new List<WorkItemResult>(_slots.Length);
        completed = 0;
        foreach (var slot in _slots)
        {
            var result = slot.ToResult();
            completed += result.Status == WorkItemStatus.Completed ? 1 : 0;
            results.Add(result);
        }

        return results;
    }

    public SessionUsage Usage
    {
        get
        {
            var sum = SessionUsage.Zero;
            foreach (var slot in _slots)
            {
                if (!ReferenceEquals(slot.Usage, SessionUsage.Zero))
                {
                    sum = sum.Add(slot.Usage);
                }
            }

            return sum;
        }
    }

    public StopReason? Stopped => Volatile.Read(ref _stop);

    /// <summary>Gets the most characters of an output that a prompt built from it is given (<see cref="OrchestratorOptions.MaxDependencyOutputLength"/>,
    /// read once when the run started).</summary>
    public int? OutputLimit { get; }

    /// <summary>Gets the most characters of the outputs one prompt is given in all (<see cref="OrchestratorOptions.MaxDependencyOutputTotalLength"/>,
    /// read once when the run started).</summary>
    public int? OutputTotalLimit { get; }

    /// <summary>Returns whether no item depends on the item at <paramref name="index"/>.</summary>
    public bool IsSink(int index) => _graph.DependentsOf(index).IsEmpty;

    /// <summary>Runs every item it can; returns when no item is running.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state => ((PlanExecution)state!).Stop(OrchestrationStatus.Interrupted, "the run was cancelled", null), this);
        if (_budget.Tokens is { } tokens && _totalTokens >= tokens)
        {
            Stop(OrchestrationStatus.BudgetReached, string.Create(CultureInfo.InvariantCulture, $"planning used {_totalTokens:N0} tokens{EstimateNote(_estimatedTokens > 0)}, reaching the run's budget of {tokens:N0}"), null);
        }

        if (_budget.CostMinorUnits is { } cost && _totalCost >= cost)
        {
            Stop(OrchestrationStatus.BudgetReached, string.Create(CultureInfo.InvariantCulture, $"planning cost {_totalCost:N0} minor units, reaching the run's cost budget of {cost:N0}"), null);
        }

        var ready = new Queue<int>(_slots.Length);
        for (var i = 0; i < _remaining.Length; i++)
        {
            if (_remaining[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        try
        {
            while (true)
            {
                // An agent call an attempt's timeout abandoned still counts against the limit until it ends (Held).
                while (!Stopping(cancellationToken) && _running + Volatile.Read(ref _held) < _plan.MaxConcurrency && ready.TryDequeue(out var next))
                {
                    var slot = _slots[next];
                    slot.Dependencies = DependencyOutputs(slot);
                    // Started inline: an agent runs on the scheduler's thread until its first await, as in a
                    // hand-written Task.WhenAll. An item that ended there is finished here; one still running
                    // signals its end through the channel (its rest never throws).
                    if (StartItem(slot))
                    {
                        await OnFinishedAsync(slot, ready).ConfigureAwait(false);
                    }
                    else
                    {
                        Volatile.Write(ref _running, _running + 1);
                    }
                }

                // With no item running, the loop waits only for a held call to free its place for a ready item.
                if (_running == 0 && (ready.Count == 0 || Stopped is not null))
                {
                    break;
                }

                var finished = await _done.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (finished < 0)
                {
                    // A held call ended or was written off: its place is free.
                    continue;
                }

                Volatile.Write(ref _running, _running - 1);
                if (Volatile.Read(ref _held) > 0)
                {
                    Freed();
                }

                await OnFinishedAsync(_slots[finished], ready).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (_running > 0)
        {
            // Recording an item's end failed (the run's session could not take the event): the run cannot go on, but
            // it returns only once every running item has stopped and ended its child session.
            Stop(OrchestrationStatus.Failed, $"recording the run failed: {ex.Message}", null);
            while (_running > 0)
            {
                if (await _done.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false) >= 0)
                {
                    Volatile.Write(ref _running, _running - 1);
                }
            }

            throw;
        }
    }

    public void Dispose()
    {
        LetGoOfHeldCalls();
        _stopping.Dispose();
        _spareSource?.Dispose();
    }

    // The cancellation's own callback stops the run, but an observer the run stopped waiting for on that cancellation
    // can hand the scheduler back before the callback has run: no item starts once the token is cancelled.
    private bool Stopping(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            Stop(OrchestrationStatus.Interrupted, "the run was cancelled", null);
        }

        return Stopped is not null;
    }

    /// <summary>Asks the run to stop; the first reason wins.</summary>
    public void Stop(OrchestrationStatus status, string reason, string? itemId)
    {
        if (Interlocked.CompareExchange(ref _stop, new StopReason(status, reason, itemId), null) is null)
        {
            try
            {
                _stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run has already ended: nothing is left to stop.
            }

            // Wakes the scheduler, which may be waiting with no item running for a held call to free a place for a
            // ready item (PlanExecution.Held.cs): after a stop nothing starts, so it ends the run now.
            _done.Writer.TryWrite(-1);
        }
    }

    // Records the item's end, then releases its dependents or applies the failure policy. The default recorders record
    // synchronously, and then this makes no state machine.
    private ValueTask OnFinishedAsync(ItemSlot slot, Queue<int> ready)
    {
        var recording = RecordItemAsync(slot);
        if (!recording.IsCompletedSuccessfully)
        {
            return AfterRecordingAsync(recording, slot, ready);
        }

        recording.GetAwaiter().GetResult();
        return AfterRecorded(slot, ready);
    }

    private async ValueTask AfterRecordingAsync(ValueTask recording, ItemSlot slot, Queue<int> ready)
    {
        await recording.ConfigureAwait(false);
        await AfterRecorded(slot, ready).ConfigureAwait(false);
    }

    private ValueTask AfterRecorded(ItemSlot slot, Queue<int> ready)
    {
        if (slot.Status == WorkItemStatus.Completed)
        {
            var dependents = _graph.DependentsOf(slot.Index);
            if (!dependents.IsEmpty)
            {
                // Cut once to the limit (MaxDependencyOutputLength) and shared by every dependent; the result keeps it whole.
                _outputs[slot.Index] = DependencyOutputCut.Cut(slot.Output ?? string.Empty, OutputLimit, slot.Item.Id, slot.Item.Agent, slot.SessionId);
            }

            foreach (var d in dependents)
            {
                if (--_remaining[d] == 0)
                {
                    ready.Enqueue(d);
                }
            }

            return default;
        }

        if (slot.Status is WorkItemStatus.Cancelled || Stopped is not null)
        {
            return default;
        }

        if (_policy == OrchestrationFailurePolicy.StopRun)
        {
            Stop(OrchestrationStatus.Failed, $"item '{slot.Item.Id}' ended {OrchestrationNames.Of(slot.Status)}: {slot.Error}", slot.Item.Id);
            return default;
        }

        return new ValueTask(SkipDependentsAsync(slot));
    }

    private async Task SkipDependentsAsync(ItemSlot failed)
    {
        var pending = new Stack<int>();
        foreach (var d in _graph.DependentsOf(failed.Index))
        {
            pending.Push(d);
        }

        while (pending.TryPop(out var d))
        {
            var slot = _slots[d];
            if (slot.Status != WorkItemStatus.NotStarted)
            {
                continue;
            }

            slot.Status = WorkItemStatus.Skipped;
            _remaining[d] = -1;
            slot.Error = $"skipped: it depends on '{failed.Item.Id}', which ended {OrchestrationNames.Of(failed.Status)}";
            await RecordItemAsync(slot).ConfigureAwait(false);
            foreach (var next in _graph.DependentsOf(d))
            {
                pending.Push(next);
            }
        }
    }

    private ValueTask RecordItemAsync(ItemSlot slot) => _record(new OrchestrationItemCompletedEvent
    {
        ItemId = slot.Item.Id,
        Agent = slot.Item.Agent,
        Status = OrchestrationNames.Of(slot.Status),
        ChildSessionId = slot.SessionId,
        Attempts = slot.Attempts,
        Outcome = slot.Outcome is { } outcome ? OutcomeResultNames.Of(outcome) : null,
        Usage = slot.Usage,
        Error = slot.Error,
    });

    private WorkItemOutput[] DependencyOutputs(ItemSlot slot)
    {
        var dependencies = _graph.DependenciesOf(slot.Index);
        if (dependencies.Length == 0)
        {
            return [];
        }

        var outputs = new WorkItemOutput[dependencies.Length];
        long given = 0;
        for (var i = 0; i < dependencies.Length; i++)
        {
            // One output per completed item, shared by its dependents; an item starts only once they all completed.
            outputs[i] = _outputs[dependencies[i]]!;
            given += outputs[i].Output.Length;
        }

        // Most prompts are within the total as they are (the lines of cut outputs counted too): nothing more to do.
        if (OutputTotalLimit is not { } total || given <= total)
        {
            return outputs;
        }

        var whole = new string[dependencies.Length];
        var sessions = new string?[dependencies.Length];
        for (var i = 0; i < dependencies.Length; i++)
        {
            var dependency = _slots[dependencies[i]];
            (whole[i], sessions[i]) = (dependency.Output ?? string.Empty, dependency.SessionId);
        }

        return DependencyOutputCut.CutTogether(outputs, whole, sessions, OutputLimit, total, "dependencies");
    }

    /// <summary>The run-wide limits: tokens and cost in minor units, each optional, and what the coordinator already spent
    /// planning the run, which counts against them (with the tokens its calls used without reporting them, estimated).</summary>
    internal readonly record struct Budget(long? Tokens, long? CostMinorUnits, long SpentTokens = 0, long SpentCostMinorUnits = 0, long UnreportedTokens = 0);

    /// <summary>Why a run stopped early.</summary>
    internal sealed record StopReason(OrchestrationStatus Status, string Reason, string? ItemId);
}
