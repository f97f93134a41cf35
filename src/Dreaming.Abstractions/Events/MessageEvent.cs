namespace Dreaming;

/// <summary>A message of the conversation: what was sent to the model or what it answered.</summary>
public sealed record MessageEvent : SessionEvent
{
    /// <summary>The most characters of a role that are stored (<see cref="Role"/>, and so of the event type after
    /// <c>message.</c>): a provider's or a log's role of any other length is capped as
    /// <see cref="ToolCallEvent.MaxCallIdLength"/> caps a call id (its first 31 characters, <c>~</c> and 32 hexadecimal digits
    /// of the SHA-256 of the whole role), the same live and imported.</summary>
    public const int MaxRoleLength = 64;

    /// <summary>The most characters of an author name that are stored (<see cref="AuthorName"/>): the name is redacted like
    /// any content, then one longer than this is capped as <see cref="ToolCallEvent.MaxCallIdLength"/> caps a call id, the
    /// same live and imported. OpenAI allows names of at most 64 characters.</summary>
    public const int MaxAuthorNameLength = 128;

    /// <summary>Gets the role: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>; stored capped at <see cref="MaxRoleLength"/>.</summary>
    public required string Role { get; init; }

    /// <summary>Gets the text of the message. <c>UseDreaming()</c> and the import follow it with a line noting each image,
    /// file or link the message carried, such as <c>[attachment: image/png, 5242880 bytes, cat.png]</c>, in place of its
    /// bytes, which are never recorded.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the name of the participant that wrote the message, if any; stored redacted and capped at
    /// <see cref="MaxAuthorNameLength"/>.</summary>
    public string? AuthorName { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.MessagePrefix + Role;
}
