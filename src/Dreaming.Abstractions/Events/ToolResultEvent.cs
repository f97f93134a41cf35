namespace Dreaming;

/// <summary>A tool returned, successfully or with an error.</summary>
public sealed record ToolResultEvent : SessionEvent
{
    /// <summary>The <see cref="ErrorType"/> of a call a person (or a policy) refused to approve: Microsoft.Extensions.AI's
    /// <c>ApprovalRequiredAIFunction</c> answered with a rejection, so the tool never ran. Such a result is an error
    /// (<see cref="IsError"/>), its <see cref="Result"/> is what the model was told and its <see cref="ErrorMessage"/> the
    /// reason given, when one was.</summary>
    public const string RejectedErrorType = "ToolCallRejected";

    /// <summary>Gets the call id of the <see cref="ToolCallEvent"/> this answers; stored capped at
    /// <see cref="ToolCallEvent.MaxCallIdLength"/>, as the call's is.</summary>
    public required string CallId { get; init; }

    /// <summary>Gets the tool name, when known; stored capped at <see cref="ToolCallEvent.MaxToolNameLength"/>.</summary>
    public string? ToolName { get; init; }

    /// <summary>Gets the result as text (redacted and truncated like any content).</summary>
    public string? Result { get; init; }

    /// <summary>Gets a value indicating whether the tool failed.</summary>
    public bool IsError { get; init; }

    /// <summary>Gets the exception type name when the tool threw, if known; stored capped at <see cref="ErrorEvent.MaxErrorTypeLength"/>.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Gets the exception message when the tool threw (redacted and truncated like any content), even if the
    /// model was only shown a generic error text.</summary>
    public string? ErrorMessage { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.ToolResult;
}
