namespace Dreaming;

/// <summary>The model asked for a tool (function) to be called.</summary>
public sealed record ToolCallEvent : SessionEvent
{
    /// <summary>Gets the call id that pairs the call with its <see cref="ToolResultEvent"/>.</summary>
    public required string CallId { get; init; }

    /// <summary>Gets the tool name.</summary>
    public required string ToolName { get; init; }

    /// <summary>Gets the arguments as JSON text (redacted and truncated like any content), or <see langword="null"/> when none.</summary>
    public string? Arguments { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.ToolCall;
}
