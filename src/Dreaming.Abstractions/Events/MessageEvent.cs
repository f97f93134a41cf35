namespace Dreaming;

/// <summary>A message of the conversation: what was sent to the model or what it answered.</summary>
public sealed record MessageEvent : SessionEvent
{
    /// <summary>Gets the role: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    public required string Role { get; init; }

    /// <summary>Gets the text of the message. <c>UseDreaming()</c> and the import follow it with a line noting each image,
    /// file or link the message carried, such as <c>[attachment: image/png, 5242880 bytes, cat.png]</c>, in place of its
    /// bytes, which are never recorded.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the name of the participant that wrote the message, if any.</summary>
    public string? AuthorName { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.MessagePrefix + Role;
}
