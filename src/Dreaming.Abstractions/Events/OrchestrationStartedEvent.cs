namespace Dreaming;

/// <summary>A run started: its goal, its size and its limits. Recorded in the run's own session.</summary>
public sealed record OrchestrationStartedEvent : SessionEvent
{
    /// <summary>Gets the goal.</summary>
    public required string Goal { get; init; }

    /// <summary>Gets the number of items in the plan.</summary>
    public required int ItemCount { get; init; }

    /// <summary>Gets how many items may run at once.</summary>
    public required int MaxConcurrency { get; init; }

    /// <summary>Gets the failure policy, as its wire name (<c>stop_run</c> or <c>skip_dependents</c>).</summary>
    public required string FailurePolicy { get; init; }

    /// <summary>Gets the run-wide token budget, if any.</summary>
    public long? MaxTotalTokens { get; init; }

    /// <summary>Gets the run-wide cost budget in minor units (<see cref="SessionUsage.CostMinorUnits"/>), if any.</summary>
    public long? MaxTotalCostMinorUnits { get; init; }

    /// <summary>Gets where the plan came from: <c>host</c> or <c>coordinator</c>.</summary>
    public required string PlanSource { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.OrchestrationStarted;
}
