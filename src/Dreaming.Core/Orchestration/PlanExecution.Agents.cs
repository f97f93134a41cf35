using System.Globalization;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>An item's agent calls (a delegate's, or a chat agent's model call) and what they are charged against the
/// item's and the run's budgets.</summary>
internal sealed partial class PlanExecution
{
    // The tokens the token budgets counted by estimate for model calls that reported no usage (planning's, the agents',
    // the grader's): a stop reason that counted some says so, and the run's end reports them (EstimatedTokens).
    private long _estimatedTokens;

    /// <summary>Gets the tokens the run's token budget counted by estimate, on top of the usage reported.</summary>
    public long EstimatedTokens => Interlocked.Read(ref _estimatedTokens);

    /// <summary>Calls the agent.</summary>
    /// <returns>Its reply, and the tokens a chat agent's model call used without reporting them, estimated from the text
    /// (<see cref="ModelUsage.Unreported"/>); a delegate's reply is taken as reported.</returns>
    /// <remarks>A stop or a timeout is prompt even for an agent that ignores its token: the call left running is
    /// abandoned, what it throws later observed, and, abandoned on a timeout, it is held against the concurrency limit
    /// until it ends (<see cref="Hold"/>).</remarks>
    private ValueTask<(WorkItemReply Reply, long UnreportedTokens)> InvokeAsync(RosterAgent agent, WorkItemContext context, CancellationToken cancellationToken)
    {
        if (agent.Run is { } run)
        {
            // A reply that is already there needs no await (and WaitAsync would return the same task).
            var task = run(context, cancellationToken) ?? throw NoReply(agent);
            return task.IsCompletedSuccessfully
                ? new ValueTask<(WorkItemReply, long)>((task.Result ?? throw NoReply(agent), 0))
                : AwaitRunAsync(agent, task, context.Item, cancellationToken);
        }

        return ChatAsync(agent, context, cancellationToken);
    }

    private async ValueTask<(WorkItemReply Reply, long UnreportedTokens)> AwaitRunAsync(RosterAgent agent, Task<WorkItemReply> task, WorkItem item, CancellationToken cancellationToken)
    {
        WorkItemReply? reply;
        try
        {
            // WaitAsync makes a stop or a timeout prompt even for an agent that ignores its token; the agent left
            // running is abandoned, and what it throws later observed.
            reply = await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            AbandonedTask.Observe(task);
            Hold(task, item);
            throw;
        }

        return (reply ?? throw NoReply(agent), 0);
    }

    private async ValueTask<(WorkItemReply Reply, long UnreportedTokens)> ChatAsync(RosterAgent agent, WorkItemContext context, CancellationToken cancellationToken)
    {
        var messages = ItemPrompt.Messages(agent, context);
        var call = agent.ChatClient!.GetResponseAsync(messages, agent.ChatOptions?.Clone(), cancellationToken);
        ChatResponse response;
        try
        {
            response = await AbandonedTask.WaitAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Hold(call, context.Item);
            throw;
        }

        // Priced as the item's session priced it (DreamingOptions.CostOf), so the run and its sessions show one cost.
        return (new WorkItemReply(response.Text, ModelUsage.Of(agent.ChatClient, agent.Name, response, agent.ChatOptions)), ModelUsage.Unreported(messages, response));
    }

    private static InvalidOperationException NoReply(RosterAgent agent) => new($"The agent '{agent.Name}' returned no reply.");

    /// <summary>Charges a call's <paramref name="usage"/> to the item and the run, and stops the run (or fails the item) at
    /// a budget it reaches.</summary>
    /// <param name="slot">The item.</param>
    /// <param name="usage">The usage reported, or <see langword="null"/> for none.</param>
    /// <param name="checkItemBudget">Whether the item's <c>MaxTokens</c> is checked (an agent's call).</param>
    /// <param name="priced">Whether <see cref="OrchestratorOptions.CostOf"/> prices it.</param>
    /// <param name="unreportedTokens">Tokens the call used without reporting them, estimated: counted against the token
    /// budgets only (a grader's, the run's only: not the item's <c>MaxTokens</c>), never added to the usage reported.</param>
    private void Charge(ItemSlot slot, SessionUsage? usage, bool checkItemBudget, bool priced = true, long unreportedTokens = 0)
    {
        if (usage is null)
        {
            return;
        }

        if (priced)
        {
            usage = _owner.Options.Priced(slot.Item.Agent, usage);
        }

        slot.Usage = slot.Usage.Add(usage);
        if (unreportedTokens > 0)
        {
            if (checkItemBudget)
            {
                slot.UnreportedTokens = SaturatingSum.Add(slot.UnreportedTokens, unreportedTokens);
            }

            SaturatingSum.InterlockedAdd(ref _estimatedTokens, unreportedTokens);
        }

        // Saturating: a cost function's huge value for "unknown" keeps the total at long.MaxValue, past any budget.
        var total = SaturatingSum.InterlockedAdd(ref _totalTokens, SaturatingSum.Add(usage.TotalTokens, unreportedTokens));
        var cost = SaturatingSum.InterlockedAdd(ref _totalCost, usage.CostMinorUnits);
        if (_budget.Tokens is { } budget && total >= budget)
        {
            Stop(OrchestrationStatus.BudgetReached, string.Create(CultureInfo.InvariantCulture, $"the run used {total:N0} tokens{EstimateNote(EstimatedTokens > 0)}, reaching its budget of {budget:N0}"), slot.Item.Id);
        }

        if (_budget.CostMinorUnits is { } costBudget && cost >= costBudget)
        {
            Stop(OrchestrationStatus.BudgetReached, string.Create(CultureInfo.InvariantCulture, $"the run cost {cost:N0} minor units, reaching its cost budget of {costBudget:N0}"), slot.Item.Id);
        }

        var itemTokens = SaturatingSum.Add(slot.Usage.TotalTokens, slot.UnreportedTokens);
        if (checkItemBudget && slot.Item.MaxTokens is { } max && itemTokens > max)
        {
            throw new ItemBudgetExceededException(string.Create(CultureInfo.InvariantCulture, $"the item used {itemTokens:N0} tokens{EstimateNote(slot.UnreportedTokens > 0)}, more than its maxTokens of {max:N0}"));
        }
    }

    private static string EstimateNote(bool estimated) =>
        estimated ? " (some estimated from the text, at four characters a token, where the model reported no usage)" : string.Empty;
}
