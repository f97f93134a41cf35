namespace Dreaming;

/// <summary>A work item ended, whatever its status. Recorded in the run's own session.</summary>
public sealed record OrchestrationItemCompletedEvent : SessionEvent
{
    /// <summary>Gets the item id.</summary>
    public required string ItemId { get; init; }

    /// <summary>Gets the agent name.</summary>
    public required string Agent { get; init; }

    /// <summary>Gets the item's status, as its wire name (<c>completed</c>, <c>failed</c>, <c>timed_out</c>, …).</summary>
    public required string Status { get; init; }

    /// <summary>Gets the child session of the item's last attempt, if it started.</summary>
    public string? ChildSessionId { get; init; }

    /// <summary>Gets how many attempts ran.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the outcome loop's result, for an item with a rubric.</summary>
    public string? Outcome { get; init; }

    /// <summary>Gets the tokens the item used.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets why the item did not complete.</summary>
    public string? Error { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.OrchestrationItemCompleted;
}
