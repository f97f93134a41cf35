namespace Dreaming;

/// <summary>A run ended without completing: an item failed, the budget was reached, it was cancelled, or its plan was invalid.</summary>
public sealed record OrchestrationFailedEvent : SessionEvent
{
    /// <summary>Gets the run's status, as its wire name (<c>failed</c>, <c>budget_reached</c> or <c>interrupted</c>).</summary>
    public required string Status { get; init; }

    /// <summary>Gets why the run stopped.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the items that completed.</summary>
    public int CompletedItems { get; init; }

    /// <summary>Gets the number of items in the plan.</summary>
    public int ItemCount { get; init; }

    /// <summary>Gets the item that stopped the run, if one did.</summary>
    public string? ItemId { get; init; }

    /// <summary>Gets the tokens of the whole run.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <inheritdoc />
    public override string EventType => EventTypes.OrchestrationFailed;
}
