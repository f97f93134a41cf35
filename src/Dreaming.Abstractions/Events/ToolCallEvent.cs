namespace Dreaming;

/// <summary>The model asked for a tool (function) to be called.</summary>
public sealed record ToolCallEvent : SessionEvent
{
    /// <summary>The most characters of a call id that <c>UseDreaming()</c>, the import and a session's own recorded events
    /// store (<see cref="CallId"/> and <see cref="ToolResultEvent.CallId"/>). Providers send ids of 30 to 60 characters
    /// (OpenAI's <c>call_…</c> and <c>fc_…</c>, Anthropic's <c>toolu_…</c>); a longer one (a hostile or broken provider's, of
    /// a megabyte even) is stored as its first 95 characters (one fewer rather than half a surrogate pair), <c>~</c> and 32
    /// hexadecimal digits of the SHA-256 of the whole id (its UTF-16 code units). The same id always gives the same
    /// stored one, live or imported, so a call still pairs with its result, and two ids that differ anywhere stay apart.</summary>
    public const int MaxCallIdLength = 128;

    /// <summary>The most characters of a tool name that <c>UseDreaming()</c>, the import and a session's own recorded events
    /// store (<see cref="ToolName"/> and <see cref="ToolResultEvent.ToolName"/>), capped as <see cref="MaxCallIdLength"/>
    /// caps an id. OpenAI and Anthropic allow names of at most 64 characters, MCP recommends at most 128.</summary>
    public const int MaxToolNameLength = 128;

    /// <summary>Gets the call id that pairs the call with its <see cref="ToolResultEvent"/>; stored capped at
    /// <see cref="MaxCallIdLength"/>.</summary>
    public required string CallId { get; init; }

    /// <summary>Gets the tool name; stored capped at <see cref="MaxToolNameLength"/>.</summary>
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
