namespace Dreaming;

/// <summary>How one work item ended. Wire names are snake_case (<c>timed_out</c>).</summary>
public enum WorkItemStatus
{
    /// <summary>The item never started: the run stopped first.</summary>
    NotStarted = 0,

    /// <summary>The agent finished (and, with a rubric, its work was satisfied).</summary>
    Completed = 1,

    /// <summary>The agent threw on every attempt, or its work did not pass the rubric.</summary>
    Failed = 2,

    /// <summary>Every attempt ran past the item's timeout.</summary>
    TimedOut = 3,

    /// <summary>The item used more tokens than its <see cref="WorkItem.MaxTokens"/>.</summary>
    BudgetExceeded = 4,

    /// <summary>An item it depends on did not complete (<see cref="OrchestrationFailurePolicy.SkipDependents"/>).</summary>
    Skipped = 5,

    /// <summary>The item was running when the run stopped (cancellation, budget, or another item's failure).</summary>
    Cancelled = 6,
}
