namespace Dreaming;

/// <summary>The catalogue of webhook event types. Names are dot-delimited, as the Standard Webhooks specification recommends;
/// one type always carries one shape of <c>data</c> (see docs/webhooks.md).</summary>
public static class WebhookEventTypes
{
    /// <summary>A session ended with status <c>Completed</c>.</summary>
    public const string SessionCompleted = "session.completed";

    /// <summary>A session ended with status <c>Failed</c>, <c>Abandoned</c> or <c>Blocked</c> (the status is in <c>data.status</c>).</summary>
    public const string SessionFailed = "session.failed";

    /// <summary>One iteration of an outcome loop was graded.</summary>
    public const string OutcomeEvaluationEnded = "outcome.evaluation_ended";

    /// <summary>An outcome loop ended with its work passing the rubric.</summary>
    public const string OutcomeSatisfied = "outcome.satisfied";

    /// <summary>An outcome loop ended without its work passing (max iterations, failure or interruption; see <c>data.result</c>).</summary>
    public const string OutcomeUnsatisfied = "outcome.unsatisfied";

    /// <summary>A dream run completed.</summary>
    public const string DreamCompleted = "dream.completed";

    /// <summary>A dream run failed.</summary>
    public const string DreamFailed = "dream.failed";

    /// <summary>A dream run was canceled (by its caller, <c>DreamJobs.CancelAsync</c> or <c>IDreamRunStore.CancelAsync</c>) before it
    /// ended; the hosted platform spells the status the same way.</summary>
    public const string DreamCanceled = "dream.canceled";

    /// <summary>A memory version was proposed (by a dream or by a person) and waits for review, or is about to be activated.</summary>
    public const string MemoryVersionProposed = "memory.version_proposed";

    /// <summary>A memory version became the active one (approval, automatic review or rollback).</summary>
    public const string MemoryVersionActivated = "memory.version_activated";

    /// <summary>A proposed memory version was rejected by a reviewer (the reviewer and the reason are in <c>data</c>).</summary>
    public const string MemoryVersionRejected = "memory.version_rejected";

    /// <summary>A dream held an insight back because its evidence reads like an instruction to the agent.</summary>
    public const string InsightQuarantined = "insight.quarantined";

    /// <summary>A budget was reached and the work it limits stopped. Its <c>data</c> names the <c>budget</c>
    /// (<c>dream.tokens</c>, <c>orchestration.tokens</c> or <c>orchestration.cost</c>), its <c>limit</c> (tokens, or minor
    /// units for a cost budget) and what was <c>used</c> in the same unit.</summary>
    public const string BudgetReached = "budget.reached";

    /// <summary>An orchestration started.</summary>
    public const string OrchestrationStarted = "orchestration.started";

    /// <summary>One item of an orchestration completed.</summary>
    public const string OrchestrationItemCompleted = "orchestration.item_completed";

    /// <summary>An orchestration completed.</summary>
    public const string OrchestrationCompleted = "orchestration.completed";

    /// <summary>An orchestration failed.</summary>
    public const string OrchestrationFailed = "orchestration.failed";

    /// <summary>Gets every event type of the catalogue.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        SessionCompleted, SessionFailed, OutcomeEvaluationEnded, OutcomeSatisfied, OutcomeUnsatisfied, DreamCompleted, DreamFailed,
        DreamCanceled, MemoryVersionProposed, MemoryVersionActivated, MemoryVersionRejected, InsightQuarantined, BudgetReached, OrchestrationStarted,
        OrchestrationItemCompleted, OrchestrationCompleted, OrchestrationFailed,
    ];
}
