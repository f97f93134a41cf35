namespace Dreaming;

/// <summary>A run ended without completing: an item failed, the budget was reached, it was cancelled, or its plan was invalid.</summary>
public sealed record OrchestrationFailedEvent : SessionEvent
{
    /// <summary>The <see cref="Status"/> of a run whose process died before the run ended (killed or crashed), written by
    /// <see cref="TraceStoreExtensions.AbandonRunningSessionsAsync(ITraceStore, DateTimeOffset, TimeProvider?, CancellationToken)"/> when it ends the run's session: <c>abandoned</c>.</summary>
    public const string AbandonedStatus = "abandoned";

    /// <summary>Gets the run's status, as its wire name (<c>failed</c>, <c>budget_reached</c> or <c>interrupted</c>, or
    /// <see cref="AbandonedStatus"/> for a run that recovery ended after its process died).</summary>
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

    /// <summary>Gets the tokens the run's token budget counted by estimate, on top of <see cref="Usage"/>: for each model
    /// call that reported no usage (or only part of it) — a chat agent's, the coordinator's planning, the grader's — its
    /// missing count from the text at four characters a token.</summary>
    /// <value>The default is 0: every call reported its usage. Never part of <see cref="Usage"/>: the budget counted
    /// <c>Usage.TotalTokens + EstimatedTokens</c>, which is what <c>budget.reached</c> reports as <c>used</c>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long EstimatedTokens
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "OrchestrationFailedEvent.EstimatedTokens must not be negative.");
    }

    /// <inheritdoc />
    public override string EventType => EventTypes.OrchestrationFailed;
}
