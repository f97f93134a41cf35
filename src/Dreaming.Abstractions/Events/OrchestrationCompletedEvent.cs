namespace Dreaming;

/// <summary>A run completed: every item completed and the answer was synthesised.</summary>
public sealed record OrchestrationCompletedEvent : SessionEvent
{
    /// <summary>Gets the number of items.</summary>
    public required int ItemCount { get; init; }

    /// <summary>Gets the tokens of the whole run.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the run's duration in milliseconds.</summary>
    public double DurationMs { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.OrchestrationCompleted;
}
