using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Polly;
using Polly.Timeout;

namespace Dreaming;

/// <summary>Runs one validated plan: a Kahn scheduler that starts ready items up to the concurrency limit, each in its
/// own child session through the orchestrator's retry and timeout pipeline, and stops on failure, budget or cancellation.</summary>
/// <remarks>
/// The scheduler loop is the only reader of the item states between items: each item signals its end through a channel
/// and the loop then releases its dependents (an in-degree count per item, so every item and dependency is visited once:
/// O(items + dependencies)). Stopping cancels one token shared by every running item; the loop still waits for each of
/// them to end, so no child session is left running when the run returns.
/// </remarks>
internal sealed class PlanExecution : IDisposable
{
    private readonly Orchestrator _owner;
    private readonly OrchestrationPlan _plan;
    private readonly PlanGraph _graph;
    private readonly IReadOnlyDictionary<string, RosterAgent> _roster;
    private readonly IAgentSession _parent;
    private readonly OrchestrationFailurePolicy _policy;
    private readonly long? _maxTotalTokens;
    private readonly Func<SessionEvent, ValueTask> _record;
    private readonly ItemSlot[] _slots;
    private readonly Channel<int> _done = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private long _totalTokens;
    private StopReason? _stop;

    public PlanExecution(
        Orchestrator owner,
        OrchestrationPlan plan,
        PlanGraph graph,
        IReadOnlyDictionary<string, RosterAgent> roster,
        IAgentSession parent,
        OrchestrationFailurePolicy policy,
        long? maxTotalTokens,
        Func<SessionEvent, ValueTask> record)
    {
        _owner = owner;
        _plan = plan;
        _graph = graph;
        _roster = roster;
        _parent = parent;
        _policy = policy;
        _maxTotalTokens = maxTotalTokens;
        _record = record;
        _slots = new ItemSlot[plan.Items.Count];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new ItemSlot(plan.Items[i], i, graph.Dependencies[i].Length);
        }
    }

    public IEnumerable<WorkItemResult> Results => _slots.Select(s => s.ToResult());

    public SessionUsage Usage => _slots.Aggregate(SessionUsage.Zero, (sum, s) => sum.Add(s.Usage));

    public StopReason? Stopped => Volatile.Read(ref _stop);

    public int CompletedCount => _slots.Count(s => s.Status == WorkItemStatus.Completed);

    /// <summary>Returns whether no item depends on the item at <paramref name="index"/>.</summary>
    public bool IsSink(int index) => _graph.Dependents[index].Length == 0;

    /// <summary>Runs every item it can; returns when no item is running.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static state => ((PlanExecution)state!).Stop(OrchestrationStatus.Interrupted, "the run was cancelled", null), this);
        var ready = new Queue<int>();
        foreach (var slot in _slots)
        {
            if (slot.Remaining == 0)
            {
                ready.Enqueue(slot.Index);
            }
        }

        var running = 0;
        while (true)
        {
            while (Stopped is null && running < _plan.MaxConcurrency && ready.TryDequeue(out var next))
            {
                running++;
                var slot = _slots[next];
                slot.Dependencies = DependencyOutputs(slot);
                // Started inline: an agent runs on the scheduler's thread until its first await, as in a
                // hand-written Task.WhenAll. RunItemAsync never throws; it signals its end through the channel.
                _ = RunItemAsync(slot);
            }

            if (running == 0)
            {
                break;
            }

            var finished = await _done.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            running--;
            await OnFinishedAsync(_slots[finished], ready).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

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
        }
    }

    private async Task OnFinishedAsync(ItemSlot slot, Queue<int> ready)
    {
        await RecordItemAsync(slot).ConfigureAwait(false);
        if (slot.Status == WorkItemStatus.Completed)
        {
            foreach (var d in _graph.Dependents[slot.Index])
            {
                var dependent = _slots[d];
                if (--dependent.Remaining == 0 && dependent.Status == WorkItemStatus.NotStarted)
                {
                    ready.Enqueue(d);
                }
            }

            return;
        }

        if (slot.Status is WorkItemStatus.Cancelled || Stopped is not null)
        {
            return;
        }

        if (_policy == OrchestrationFailurePolicy.StopRun)
        {
            Stop(OrchestrationStatus.Failed, $"item '{slot.Item.Id}' ended {OrchestrationNames.Of(slot.Status)}: {slot.Error}", slot.Item.Id);
            return;
        }

        await SkipDependentsAsync(slot).ConfigureAwait(false);
    }

    private async Task SkipDependentsAsync(ItemSlot failed)
    {
        var pending = new Stack<int>(_graph.Dependents[failed.Index]);
        while (pending.TryPop(out var d))
        {
            var slot = _slots[d];
            if (slot.Status != WorkItemStatus.NotStarted)
            {
                continue;
            }

            slot.Status = WorkItemStatus.Skipped;
            slot.Error = $"skipped: it depends on '{failed.Item.Id}', which ended {OrchestrationNames.Of(failed.Status)}";
            await RecordItemAsync(slot).ConfigureAwait(false);
            foreach (var next in _graph.Dependents[d])
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
        var dependencies = _graph.Dependencies[slot.Index];
        if (dependencies.Length == 0)
        {
            return [];
        }

        var outputs = new WorkItemOutput[dependencies.Length];
        for (var i = 0; i < dependencies.Length; i++)
        {
            var d = _slots[dependencies[i]];
            outputs[i] = new WorkItemOutput(d.Item.Id, d.Item.Agent, d.Output ?? string.Empty);
        }

        return outputs;
    }

    private async Task RunItemAsync(ItemSlot slot)
    {
        var timeout = slot.Item.Timeout ?? _owner.Options.ItemTimeout;
        var context = ResilienceContextPool.Shared.Get(_stopping.Token);
        context.Properties.Set(Orchestrator.TimeoutKey, timeout);
        slot.StartedAt = _owner.TimeProvider.GetUtcNow();
        try
        {
            await _owner.Pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask(state.Execution.AttemptAsync(state.Slot, ctx.CancellationToken)),
                context,
                (Execution: this, Slot: slot)).ConfigureAwait(false);
            slot.Status = slot.RubricFailure is null ? WorkItemStatus.Completed : WorkItemStatus.Failed;
            slot.Error = slot.RubricFailure;
        }
        catch (TimeoutRejectedException)
        {
            slot.Status = WorkItemStatus.TimedOut;
            slot.Error = string.Create(CultureInfo.InvariantCulture, $"no result within {timeout} ({slot.Attempts} attempts)");
        }
        catch (ItemBudgetExceededException ex)
        {
            slot.Status = WorkItemStatus.BudgetExceeded;
            slot.Error = ex.Message;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            slot.Status = WorkItemStatus.Cancelled;
            slot.Error = "cancelled: " + (Stopped?.Reason ?? "the run stopped");
        }
        catch (Exception ex)
        {
            slot.Status = WorkItemStatus.Failed;
            slot.Error = $"{ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            slot.EndedAt = _owner.TimeProvider.GetUtcNow();
            ResilienceContextPool.Shared.Return(context);
            _done.Writer.TryWrite(slot.Index);
        }
    }

    private async Task AttemptAsync(ItemSlot slot, CancellationToken cancellationToken)
    {
        slot.Attempts++;
        slot.RubricFailure = null;
        var agent = _roster[slot.Item.Agent];
        if (slot.Item.Rubric is null)
        {
            await RunPlainAsync(slot, agent, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RunOutcomeAsync(slot, agent, slot.Item.Rubric, cancellationToken).ConfigureAwait(false);
        }
    }

    private WorkItemContext Context(ItemSlot slot, IAgentSession session, string? feedback = null, string? previousOutput = null) => new()
    {
        Item = slot.Item,
        Goal = _plan.Goal,
        Dependencies = slot.Dependencies ?? [],
        Session = session,
        Attempt = slot.Attempts,
        Feedback = feedback,
        PreviousOutput = previousOutput,
    };

    private async Task RunPlainAsync(ItemSlot slot, RosterAgent agent, CancellationToken cancellationToken)
    {
        await using var session = _owner.Sessions.StartSession(ChildOptions(slot, agent));
        slot.SessionId = session.Id;
        WorkItemReply reply;
        try
        {
            reply = await InvokeAsync(agent, Context(slot, session), cancellationToken).ConfigureAwait(false);
            Charge(slot, reply.Usage, checkItemBudget: true);
        }
        catch (Exception ex)
        {
            var stopped = ex is OperationCanceledException && _stopping.IsCancellationRequested;
            var message = ex is OperationCanceledException && cancellationToken.IsCancellationRequested && !stopped ? "the attempt timed out" : ex.Message;
            await session.RecordAsync(
                new ErrorEvent { ErrorType = ex.GetType().Name, Message = message, IsCancellation = stopped, Operation = "orchestration.item" },
                CancellationToken.None).ConfigureAwait(false);
            await session.CompleteAsync(stopped ? SessionStatus.Abandoned : SessionStatus.Failed, null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        slot.Output = reply.Output;
        await session.CompleteAsync(SessionStatus.Completed, null, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task RunOutcomeAsync(ItemSlot slot, RosterAgent agent, Rubric rubric, CancellationToken cancellationToken)
    {
        Exception? agentFailure = null;
        var run = await _owner.Outcomes.RunAsync(
            new OutcomeRequest
            {
                AgentId = agent.Name,
                Task = slot.Item.Instructions,
                Rubric = rubric,
                MaxIterations = _owner.Options.OutcomeMaxIterations,
                ParentSessionId = _parent.Id,
                Agent = async (attempt, ct) =>
                {
                    slot.SessionId = attempt.Session.Id;
                    try
                    {
                        var reply = await InvokeAsync(agent, Context(slot, attempt.Session, attempt.Feedback, attempt.PreviousArtifact), ct).ConfigureAwait(false);
                        Charge(slot, reply.Usage, checkItemBudget: true);
                        return reply.Output;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        agentFailure = ex;
                        throw;
                    }
                },
            },
            cancellationToken).ConfigureAwait(false);

        slot.SessionId = run.SessionId;
        Charge(slot, run.GraderUsage, checkItemBudget: false);
        if (agentFailure is not null)
        {
            ExceptionDispatchInfo.Throw(agentFailure);
        }

        if (run.Result == OutcomeResult.Interrupted)
        {
            throw new OperationCanceledException("The outcome loop was interrupted.", null, cancellationToken);
        }

        slot.Output = run.FinalArtifact;
        slot.Outcome = run.Result;
        slot.Score = run.FinalEvaluation?.Score;
        if (run.Result != OutcomeResult.Satisfied)
        {
            slot.RubricFailure = $"the work did not pass the rubric '{rubric.Id}': {OutcomeResultNames.Of(run.Result)}"
                + (run.Error is null ? string.Empty : $" ({run.Error})");
        }
    }

    private static async Task<WorkItemReply> InvokeAsync(RosterAgent agent, WorkItemContext context, CancellationToken cancellationToken)
    {
        // WaitAsync makes a stop or a timeout prompt even for an agent that ignores its token.
        if (agent.Run is { } run)
        {
            return await run(context, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The agent '{agent.Name}' returned no reply.");
        }

        var response = await agent.ChatClient!.GetResponseAsync(ItemPrompt.Messages(agent, context), agent.ChatOptions?.Clone(), cancellationToken)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return new WorkItemReply(response.Text, CoordinatorPlanner.Usage(response.Usage));
    }

    private void Charge(ItemSlot slot, SessionUsage? usage, bool checkItemBudget)
    {
        if (usage is null)
        {
            return;
        }

        slot.Usage = slot.Usage.Add(usage);
        var total = Interlocked.Add(ref _totalTokens, usage.TotalTokens);
        if (_maxTotalTokens is { } budget && total >= budget)
        {
            Stop(OrchestrationStatus.BudgetReached, $"the items used {total:N0} tokens, reaching the run's budget of {budget:N0}", slot.Item.Id);
        }

        if (checkItemBudget && slot.Item.MaxTokens is { } max && slot.Usage.TotalTokens > max)
        {
            throw new ItemBudgetExceededException($"the item used {slot.Usage.TotalTokens:N0} tokens, more than its maxTokens of {max:N0}");
        }
    }

    private AgentSessionOptions ChildOptions(ItemSlot slot, RosterAgent agent) => new()
    {
        AgentId = agent.Name,
        Task = slot.Item.Instructions,
        ParentSessionId = _parent.Id,
        Metadata =
        {
            ["orchestration.item"] = slot.Item.Id,
            ["orchestration.attempt"] = slot.Attempts.ToString(CultureInfo.InvariantCulture),
        },
    };

    /// <summary>Why a run stopped early.</summary>
    internal sealed record StopReason(OrchestrationStatus Status, string Reason, string? ItemId);
}
