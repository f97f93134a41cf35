namespace Dreaming;

/// <summary>A model call returned: what model answered, how long it took, what it cost and why it stopped.</summary>
public sealed record ModelResponseEvent : SessionEvent
{
    /// <summary>Gets the model id, when known.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the provider's response id, when known.</summary>
    public string? ResponseId { get; init; }

    /// <summary>Gets the wall time of the call (for streaming, until the last update).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Gets the usage the provider reported for the call, and its cost (through <c>UseDreaming()</c>, the one
    /// <c>DreamingOptions.CostOf</c> gives it; 0 without one).</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the finish reason, such as <c>stop</c>, <c>length</c> or <c>tool_calls</c>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Gets a value indicating whether the call was streamed.</summary>
    public bool Streaming { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.ModelResponse;
}
