namespace Dreaming;

/// <summary>Caps the identifiers a provider (or an imported log) gives before they are recorded: a tool call's id and its
/// tool's name (<see cref="ToolCallEvent.MaxCallIdLength"/>, <see cref="ToolCallEvent.MaxToolNameLength"/>), a response's
/// model id, response id and finish reason (<see cref="ModelResponseEvent.MaxModelIdLength"/>,
/// <see cref="ModelResponseEvent.MaxResponseIdLength"/>, <see cref="ModelResponseEvent.MaxFinishReasonLength"/>), a
/// message's role and author name (<see cref="MessageEvent.MaxRoleLength"/>, <see cref="MessageEvent.MaxAuthorNameLength"/>),
/// an error's type (<see cref="ErrorEvent.MaxErrorTypeLength"/>) and a server-side conversation's id, which the
/// transcript and the memory injector hold in memory. A value of any length, a hostile one's of a megabyte, is kept as
/// its start and a hash of the whole, the same live and imported, so a capped call still pairs with its result and two
/// long values that differ anywhere stay apart (a model id is priced, a finish reason and an error type are grouped by).</summary>
internal static class RecordedIdentifiers
{
    /// <summary>The hexadecimal digits of the hash that ends a capped value: the first 128 bits of its SHA-256.</summary>
    internal const int HashDigits = IdentifierCap.HashDigits;

    /// <summary>Gets the value as recorded (<see cref="IdentifierCap.Cap"/>).</summary>
    /// <param name="value">The provider's id or name.</param>
    /// <param name="maxLength">The cap, more than <see cref="HashDigits"/> + 1.</param>
    /// <returns>The value, or its capped form of at most <paramref name="maxLength"/> characters.</returns>
    public static string Cap(string value, int maxLength) => IdentifierCap.Cap(value, maxLength);

    /// <summary>Gets a call id as recorded.</summary>
    /// <param name="callId">The provider's call id.</param>
    /// <returns>The id, capped at <see cref="ToolCallEvent.MaxCallIdLength"/>.</returns>
    public static string CallId(string callId) => Cap(callId, ToolCallEvent.MaxCallIdLength);

    /// <summary>Gets a tool name as recorded; <see langword="null"/> for <see langword="null"/>.</summary>
    /// <param name="toolName">The provider's tool name.</param>
    /// <returns>The name, capped at <see cref="ToolCallEvent.MaxToolNameLength"/>.</returns>
    public static string? ToolName(string? toolName) => toolName is null ? null : Cap(toolName, ToolCallEvent.MaxToolNameLength);

    /// <summary>Gets a model id as recorded and priced; <see langword="null"/> for <see langword="null"/>.</summary>
    /// <param name="modelId">The response's (or the request's, or the client's default) model id.</param>
    /// <returns>The id, capped at <see cref="ModelResponseEvent.MaxModelIdLength"/>.</returns>
    public static string? ModelId(string? modelId) => modelId is null ? null : Cap(modelId, ModelResponseEvent.MaxModelIdLength);

    /// <summary>Gets a response id as recorded; <see langword="null"/> for <see langword="null"/>.</summary>
    /// <param name="responseId">The provider's response id.</param>
    /// <returns>The id, capped at <see cref="ModelResponseEvent.MaxResponseIdLength"/>.</returns>
    public static string? ResponseId(string? responseId) => responseId is null ? null : Cap(responseId, ModelResponseEvent.MaxResponseIdLength);

    /// <summary>Gets a finish reason as recorded; <see langword="null"/> for <see langword="null"/>.</summary>
    /// <param name="finishReason">The provider's finish reason.</param>
    /// <returns>The reason, capped at <see cref="ModelResponseEvent.MaxFinishReasonLength"/>.</returns>
    public static string? FinishReason(string? finishReason) => finishReason is null ? null : Cap(finishReason, ModelResponseEvent.MaxFinishReasonLength);

    /// <summary>Gets a message's role as recorded.</summary>
    /// <param name="role">The provider's role.</param>
    /// <returns>The role, capped at <see cref="MessageEvent.MaxRoleLength"/>.</returns>
    public static string Role(string role) => Cap(role, MessageEvent.MaxRoleLength);

    /// <summary>Gets a message's author name as recorded (after the content filter); <see langword="null"/> for <see langword="null"/>.</summary>
    /// <param name="authorName">The author name.</param>
    /// <returns>The name, capped at <see cref="MessageEvent.MaxAuthorNameLength"/>.</returns>
    public static string? AuthorName(string? authorName) => authorName is null ? null : Cap(authorName, MessageEvent.MaxAuthorNameLength);

    /// <summary>Gets an error's type as recorded; <see langword="null"/> for <see langword="null"/>.</summary>
    /// <param name="errorType">The exception's type name, or the error's type the log gives.</param>
    /// <returns>The type, capped at <see cref="ErrorEvent.MaxErrorTypeLength"/>.</returns>
    public static string? ErrorType(string? errorType) => errorType is null ? null : Cap(errorType, ErrorEvent.MaxErrorTypeLength);

    /// <summary>Gets a server-side conversation's id as held in memory (<see cref="TranscriptTracker"/>, the memory
    /// injector): only compared, never recorded, so a megabyte id a provider answers with is not kept for a session's life.</summary>
    /// <param name="conversationId">The conversation's id (a response's, or <c>ChatOptions.ConversationId</c>).</param>
    /// <returns>The id, capped at <see cref="ToolCallEvent.MaxCallIdLength"/>.</returns>
    public static string ConversationId(string conversationId) => Cap(conversationId, ToolCallEvent.MaxCallIdLength);
}
