namespace Dreaming;

/// <summary>How a run ended. Wire names are snake_case (<c>budget_reached</c>).</summary>
public enum OrchestrationStatus
{
    /// <summary>Every item completed and the answer was synthesised.</summary>
    Completed = 0,

    /// <summary>An item failed (or the synthesis did), by the failure policy.</summary>
    Failed = 1,

    /// <summary>The run-wide token budget was reached: running items were cancelled and no more started.</summary>
    BudgetReached = 2,

    /// <summary>The run was cancelled.</summary>
    Interrupted = 3,
}
