namespace Dreaming;

/// <summary>What a run is asked to do: a plan (or a goal to plan), the roster, and how to handle failure and budget.</summary>
public sealed record OrchestrationRequest
{
    /// <summary>Gets the plan; when <see langword="null"/> the coordinator model plans <see cref="Goal"/>.</summary>
    public OrchestrationPlan? Plan { get; init; }

    /// <summary>Gets the goal the coordinator plans when there is no <see cref="Plan"/>.</summary>
    public string? Goal { get; init; }

    /// <summary>Gets the agents items can name.</summary>
    public required IReadOnlyList<RosterAgent> Agents { get; init; }

    /// <summary>Gets what happens when an item fails.</summary>
    /// <value>The default is <see langword="null"/>: the orchestrator's <c>FailurePolicy</c>.</value>
    public OrchestrationFailurePolicy? FailurePolicy { get; init; }

    /// <summary>Gets the run-wide token budget: once the items have used this many tokens the run stops with
    /// <see cref="OrchestrationStatus.BudgetReached"/>.</summary>
    /// <value>The default is <see langword="null"/>: the orchestrator's <c>MaxTotalTokens</c>. Positive when set.</value>
    public long? MaxTotalTokens { get; init; }

    /// <summary>Gets the run-wide cost budget, in the integer minor units of <see cref="SessionUsage.CostMinorUnits"/>: once
    /// the items have cost this much the run stops with <see cref="OrchestrationStatus.BudgetReached"/>.</summary>
    /// <value>The default is <see langword="null"/>: the orchestrator's <c>MaxTotalCostMinorUnits</c>. Positive when set.</value>
    /// <remarks>Costs come from what delegate agents report and, for chat calls, from <c>DreamingOptions.CostOf</c> (the
    /// pricing of the <c>UseDreaming()</c> they are recorded through), else from the orchestrator's <c>CostOf</c>.</remarks>
    public long? MaxTotalCostMinorUnits { get; init; }

    /// <summary>Gets the agent id of the run's own session.</summary>
    /// <value>The default is <c>orchestrator</c>.</value>
    public string AgentId { get; init; } = "orchestrator";

    /// <summary>Gets the parent of the run's own session, when the run is itself a sub-task.</summary>
    public string? ParentSessionId { get; init; }

    /// <summary>Gets the team or tenant scope of the run's sessions (its own, its items' and their outcome loops'), as
    /// <c>AgentSessionOptions.Scope</c> sets it for a session a host starts: they are given that team's memory with their
    /// agents' and the global one, and the team's dream (<see cref="MemoryScope.Team"/>) learns from them.</summary>
    /// <value>The default is <see langword="null"/>: no team; a team dream never reads the run's sessions.</value>
    /// <remarks>Refused before the run records anything, naming <c>OrchestrationRequest.Scope</c>, if it holds half a
    /// surrogate pair.</remarks>
    public string? Scope { get; init; }

    /// <summary>Gets a host delegate that writes the final answer; by default the coordinator model does, or without one
    /// the outputs of the items nothing depends on are joined.</summary>
    public Func<OrchestrationSynthesis, CancellationToken, Task<string>>? Synthesize { get; init; }

    /// <summary>Gets an observer of this run's events, in addition to those registered with the orchestrator.</summary>
    public IOrchestrationObserver? Observer { get; init; }
}
