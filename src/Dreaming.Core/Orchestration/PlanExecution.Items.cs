using System.Globalization;
using System.Runtime.ExceptionServices;
using Polly;
using Polly.Timeout;

namespace Dreaming;

/// <summary>One item of the run: its attempts through the retry and timeout pipeline, each in a child session (or an
/// outcome loop's session), its agent call, and the tokens it is charged.</summary>
internal sealed partial class PlanExecution
{
    /// <summary>The <see cref="ErrorEvent.Operation"/> of an item's failed attempt (an item without a rubric); the miner reads
    /// an agent's block or help request from it (<see cref="FindingKinds.AgentStuck"/>).</summary>
    internal const string ItemErrorOperation = "orchestration.item";

    /// <summary>The <see cref="SessionOutcome.Source"/> of a blocked item's session: its agent judged the work itself.</summary>
    internal const string BlockedOutcomeSource = "agent";

    /// <summary>The outcome of an item without a rubric whose agent reported itself blocked or asked for help: source
    /// <see cref="BlockedOutcomeSource"/>.</summary>
    private static readonly SessionOutcome s_blockedOutcome = SessionOutcome.Failed(source: BlockedOutcomeSource);

    private static readonly Action<object?> s_cancel = static source => ((CancellationTokenSource)source!).Cancel();

    /// <summary>Starts an item on the scheduler's thread and runs its first attempt up to its first await.</summary>
    /// <returns><see langword="true"/> when the first attempt succeeded before its first await: the item has ended and
    /// its end is not signalled through the channel. Otherwise the rest of the item runs on through the pipeline
    /// (<see cref="RunRestAsync"/>), which signals its end.</returns>
    /// <remarks>An attempt that completes synchronously and succeeds could not have been retried, and no time passed on
    /// its timeout's clock, so it skips the Polly pipeline and its timer. Its token is a spare source linked to the run's
    /// stop; when the attempt is still running (or failed), the pipeline adopts it as its first attempt, links its
    /// timeout to that source, and counts the timeout from the item's start.</remarks>
    private bool StartItem(ItemSlot slot)
    {
        slot.StartedAt = _owner.TimeProvider.GetUtcNow();
        var source = _spareSource ?? new CancellationTokenSource();
        _spareSource = null;
        // Linked before the agent runs: a stop reaches it even during its synchronous part (an agent waiting on its
        // token before its first await).
        var link = _stopping.Token.UnsafeRegister(s_cancel, source);
        var first = AttemptAsync(slot, source.Token);
        if (!first.IsCompletedSuccessfully)
        {
            var attempt = new FirstAttempt(first, source, link);
            _ = slot.Replied && !first.IsCompleted ? FinishRepliedAsync(slot, first, attempt) : RunRestAsync(slot, attempt);
            return false;
        }

        link.Dispose();
        if (source.TryReset())
        {
            // Only the scheduler's thread starts items, so the spare needs no lock.
            _spareSource = source;
        }
        else
        {
            source.Dispose();
        }

        Succeeded(slot);
        slot.EndedAt = _owner.TimeProvider.GetUtcNow();
        slot.Dependencies = null;
        return true;
    }

    private static void Succeeded(ItemSlot slot)
    {
        slot.Status = slot.RubricFailure is null ? WorkItemStatus.Completed : WorkItemStatus.Failed;
        slot.Error = slot.RubricFailure;
    }

    private async Task RunRestAsync(ItemSlot slot, FirstAttempt first)
    {
        var timeout = slot.Item.Timeout ?? _owner.Options.ItemTimeout;
        var context = ResilienceContextPool.Shared.Get(_stopping.Token);
        context.Properties.Set(ItemPipeline.TimeoutKey, FirstAttempt.Remaining(timeout, slot.StartedAt!.Value, _owner.TimeProvider));
        context.Properties.Set(ItemPipeline.ExecutionKey, this);
        try
        {
            try
            {
                await _owner.Pipeline.ExecuteAsync(
                    static (ctx, state) => new ValueTask(state.Execution.PipelineAttemptAsync(state.Slot, state.First, state.Timeout, ctx)),
                    context,
                    (Execution: this, Slot: slot, First: first, Timeout: timeout)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (first.Adopt() is { } running)
            {
                // The run stopped before the pipeline took the first attempt over: it ends as that attempt does,
                // as it would have inside the pipeline (a stopped run is not retried).
                await running.ConfigureAwait(false);
            }

            Succeeded(slot);
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
        catch (AgentBlockedException ex)
        {
            // No one in a run can answer the agent, and trying again would only ask again: not retried (ItemPipeline).
            slot.Status = WorkItemStatus.Failed;
            slot.Error = $"blocked ({ex.Reason})";
        }
        catch (AgentNeedsHelpException ex)
        {
            slot.Status = WorkItemStatus.Failed;
            slot.Error = $"blocked, asked for help ({ex.Question})";
        }
        catch (Exception ex)
        {
            slot.Status = WorkItemStatus.Failed;
            slot.Error = $"{ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            await first.EndAsync().ConfigureAwait(false);
            slot.EndedAt = _owner.TimeProvider.GetUtcNow();
            slot.Dependencies = null;
            ResilienceContextPool.Shared.Return(context);
            _done.Writer.TryWrite(slot.Index);
        }
    }

    /// <summary>Ends an item whose agent has replied while its child session is still being completed (its events
    /// flushed to the store, as the store's sessions do): the work is done, so nothing is left to time out or retry,
    /// and the item skips the pipeline. Should completing the session fail, the item goes on through the pipeline,
    /// which takes the failed attempt over and retries it, as before.</summary>
    private async Task FinishRepliedAsync(ItemSlot slot, Task firstTask, FirstAttempt first)
    {
        try
        {
            await firstTask.ConfigureAwait(false);
        }
        catch (Exception)
        {
            await RunRestAsync(slot, first).ConfigureAwait(false);
            return;
        }

        Succeeded(slot);
        await first.EndAsync().ConfigureAwait(false);
        slot.EndedAt = _owner.TimeProvider.GetUtcNow();
        slot.Dependencies = null;
        _done.Writer.TryWrite(slot.Index);
    }

    private async Task PipelineAttemptAsync(ItemSlot slot, FirstAttempt first, TimeSpan timeout, ResilienceContext context)
    {
        if (first.Adopt() is { } running)
        {
            // The retries get the whole timeout; the first attempt's timer was counted from the item's start.
            context.Properties.Set(ItemPipeline.TimeoutKey, timeout);
            using var timedOut = context.CancellationToken.UnsafeRegister(s_cancel, first.Source);
            await running.ConfigureAwait(false);
            return;
        }

        // A retry: it has waited for a place under the concurrency limit (ItemPipeline's OnRetry) before its timeout started.
        await AttemptAsync(slot, context.CancellationToken).ConfigureAwait(false);
    }

    // Not async itself: both branches are, so whatever they throw ends in the returned task, and nothing before them
    // can throw (the plan's agents were checked against the roster).
    private Task AttemptAsync(ItemSlot slot, CancellationToken cancellationToken)
    {
        slot.Attempts++;
        slot.RubricFailure = null;
        slot.Replied = false;
        var agent = _roster[slot.Item.Agent];
        return slot.Item.Rubric is null
            ? RunPlainAsync(slot, agent, cancellationToken)
            : RunOutcomeAsync(slot, agent, slot.Item.Rubric, cancellationToken);
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
            (reply, var unreported) = await InvokeAsync(agent, Context(slot, session), cancellationToken).ConfigureAwait(false);
            Charge(slot, reply.Usage, checkItemBudget: true, unreportedTokens: unreported);
        }
        catch (Exception ex)
        {
            var stopped = ex is OperationCanceledException ? _stopping.IsCancellationRequested : StoppedBy(ex, cancellationToken);
            var message = ex is OperationCanceledException && cancellationToken.IsCancellationRequested && !stopped ? "the attempt timed out" : ex.Message;
            // What the pipeline does next (ItemPipeline's ShouldHandle): a retry, unless the run stops before it starts.
            var retryStatus = stopped || ItemPipeline.NeverRetried(ex)
                ? ErrorRetryStatus.Terminal
                : slot.Attempts <= _owner.Options.ItemRetries ? ErrorRetryStatus.Retrying : ErrorRetryStatus.Exhausted;
            await session.RecordAsync(
                new ErrorEvent { ErrorType = ex.GetType().Name, Message = message, IsCancellation = stopped, Operation = ItemErrorOperation, RetryStatus = retryStatus },
                CancellationToken.None).ConfigureAwait(false);
            // The agent's own signal is its verdict on the work (failed, as an outcome loop's blocked session reads), so the
            // session is mined and dreamed on with its error event's reason; a thrown attempt is graded by no one.
            var signal = !stopped && ex is (AgentBlockedException or AgentNeedsHelpException);
            var status = stopped ? SessionStatus.Abandoned : signal ? SessionStatus.Blocked : SessionStatus.Failed;
            await session.CompleteAsync(status, signal ? s_blockedOutcome : null, CancellationToken.None).ConfigureAwait(false);
            if (stopped && ex is not OperationCanceledException)
            {
                throw StopException(ex, cancellationToken);
            }

            throw;
        }

        slot.Output = reply.Output;
        slot.Replied = true;
        await session.CompleteAsync(SessionStatus.Completed, null, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task RunOutcomeAsync(ItemSlot slot, RosterAgent agent, Rubric rubric, CancellationToken cancellationToken)
    {
        Exception? agentFailure = null;
        // A grader call the timeout abandons while it still runs is held against MaxConcurrency like an agent call
        // (restored when this method returns: set only for items with a rubric).
        AbandonedGraderCalls.Enter(call => Hold(call, slot.Item));
        // How many evaluations' grader usage is charged: each as the next iteration starts (so the run's budget can stop
        // it), the rest once the loop has ended.
        var graded = 0;
        var run = await _owner.Outcomes.RunAsync(
            new OutcomeRequest
            {
                AgentId = agent.Name,
                Task = slot.Item.Instructions,
                Rubric = rubric,
                MaxIterations = _owner.Options.OutcomeMaxIterations,
                ParentSessionId = _parent.Id,
                Scope = _scope,
                Agent = async (attempt, ct) =>
                {
                    slot.SessionId = attempt.Session.Id;
                    if (attempt.PreviousEvaluation is { } previous)
                    {
                        graded++;
                        Charge(slot, previous.GraderUsage, checkItemBudget: false, priced: false, unreportedTokens: previous.GraderEstimatedTokens);
                        ct.ThrowIfCancellationRequested();
                    }

                    try
                    {
                        var (reply, unreported) = await InvokeAsync(agent, Context(slot, attempt.Session, attempt.Feedback, attempt.PreviousArtifact), ct).ConfigureAwait(false);
                        Charge(slot, reply.Usage, checkItemBudget: true, unreportedTokens: unreported);
                        return reply.Output;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        if (ex is not OperationCanceledException && StoppedBy(ex, ct))
                        {
                            // A cancellation to the loop, which ends interrupted, as for an agent that stopped cooperatively.
                            throw StopException(ex, ct);
                        }

                        // The agent's signals (blocked, or help no handler here can give) end the loop blocked: the item
                        // fails with the loop's result, not as a thrown attempt that a retry would run again.
                        if (ex is not (AgentBlockedException or AgentNeedsHelpException))
                        {
                            agentFailure = ex;
                        }

                        throw;
                    }
                },
            },
            cancellationToken).ConfigureAwait(false);

        slot.SessionId = run.SessionId;
        for (var i = graded; i < run.Evaluations.Count; i++)
        {
            Charge(slot, run.Evaluations[i].GraderUsage, checkItemBudget: false, priced: false, unreportedTokens: run.Evaluations[i].GraderEstimatedTokens);
        }

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
                + (run.Blocked ? ", blocked" : string.Empty) + (run.Error is null ? string.Empty : $" ({run.Error})");
        }
    }

    /// <summary>Returns whether an exception other than a cancellation surfaced once the run's stop had cancelled the
    /// attempt's token: the agent's resources torn down by the stop (an <see cref="ObjectDisposedException"/>, an aborted
    /// request's <see cref="HttpRequestException"/>), so the attempt was stopped, not failed. A used-up item budget is
    /// never a stop (the call that used it up may also have reached the run's budget). Only on the failure path.</summary>
    private bool StoppedBy(Exception exception, CancellationToken cancellationToken) =>
        exception is not ItemBudgetExceededException && cancellationToken.IsCancellationRequested && _stopping.IsCancellationRequested;

    private static OperationCanceledException StopException(Exception exception, CancellationToken cancellationToken) =>
        new($"The run stopped the item; its agent then threw {exception.GetType().Name}: {exception.Message}", exception, cancellationToken);

    private AgentSessionOptions ChildOptions(ItemSlot slot, RosterAgent agent) => new()
    {
        AgentId = agent.Name,
        Task = slot.Item.Instructions,
        ParentSessionId = _parent.Id,
        Scope = _scope,
        Metadata = new ItemSessionMetadata(slot.Item.Id, slot.Attempts),
    };
}

/// <summary>The first attempt of an item that did not succeed before its first await, until the pipeline adopts it.</summary>
internal sealed class FirstAttempt(Task task, CancellationTokenSource source, CancellationTokenRegistration link)
{
    private Task? _task = task;

    /// <summary>Gets the attempt's token source: linked to the run's stop, and to the pipeline's timeout once adopted.</summary>
    public CancellationTokenSource Source { get; } = source;

    /// <summary>Returns the attempt for the pipeline to await, once; afterwards <see langword="null"/>.</summary>
    public Task? Adopt() => Interlocked.Exchange(ref _task, null);

    /// <summary>Returns the timeout left of the first attempt: it started at the item's start, not when the pipeline did.</summary>
    public static TimeSpan Remaining(TimeSpan timeout, DateTimeOffset startedAt, TimeProvider time)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return timeout;
        }

        var left = timeout - (time.GetUtcNow() - startedAt);
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Releases the attempt's token source once the item has ended.</summary>
    public async Task EndAsync()
    {
        await link.DisposeAsync().ConfigureAwait(false);
        Source.Dispose();
    }
}
