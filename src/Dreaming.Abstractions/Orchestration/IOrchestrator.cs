namespace Dreaming;

/// <summary>Runs a plan of work items on several agents, in parallel where the items are independent.</summary>
/// <remarks>Implementations must be safe to call from several threads at once: runs may go on concurrently, each in its
/// own session.</remarks>
public interface IOrchestrator
{
    /// <summary>Asks the coordinator model for a plan that reaches a goal with the given agents, and validates it.</summary>
    /// <param name="goal">The goal; not blank.</param>
    /// <param name="agents">The roster the plan may use.</param>
    /// <param name="cancellationToken">Cancels the planning.</param>
    /// <returns>A valid plan.</returns>
    /// <exception cref="InvalidOperationException">No coordinator model is configured.</exception>
    /// <exception cref="PlanValidationException">The coordinator answered with prose or an invalid plan twice.</exception>
    Task<OrchestrationPlan> PlanAsync(string goal, IReadOnlyList<RosterAgent> agents, CancellationToken cancellationToken = default);

    /// <summary>Runs a plan (or plans the goal first), each item in a child session of the run's own session, and synthesises the answer.</summary>
    /// <param name="request">The plan or goal, the roster and the limits.</param>
    /// <param name="cancellationToken">Stops every item; the run then ends <see cref="OrchestrationStatus.Interrupted"/>.</param>
    /// <returns>The run: its status, every item's result and the final answer.</returns>
    /// <exception cref="PlanValidationException">The plan is invalid; nothing ran. The message names the item (for a cycle, the items on it).</exception>
    /// <exception cref="ArgumentException">The request itself is invalid (no plan and no goal, a roster agent without a model, a
    /// roster name or <see cref="OrchestrationRequest.AgentId"/> holding an unpaired surrogate).</exception>
    /// <exception cref="TraceStoreException">The trace store did not record the run's session (its start could not be written); every item has ended.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while the coordinator was planning
    /// the goal (the run is recorded <c>interrupted</c>); a cancellation once the plan runs returns an interrupted run instead.</exception>
    Task<OrchestrationRun> RunAsync(OrchestrationRequest request, CancellationToken cancellationToken = default);
}
