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

    /// <summary>Gets the reason the provider could not read the arguments the model sent (the parse error's message, for
    /// arguments that were not valid JSON), redacted and truncated like any content; <see langword="null"/> when they were
    /// read.</summary>
    /// <remarks>When set by <c>UseDreaming()</c>, <see cref="Arguments"/> is <see langword="null"/> because the arguments
    /// could not be read, not because the model sent none; a call imported from a log whose arguments string is not valid
    /// JSON keeps that text in <see cref="Arguments"/> as evidence, with this set to <c>The arguments are not valid JSON: </c>
    /// and the parse error. The result the tool call then gets (usually a missing-argument error) follows from it. Mining
    /// counts such a call as a failed call of its tool.</remarks>
    public string? ArgumentsError { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.ToolCall;
}
