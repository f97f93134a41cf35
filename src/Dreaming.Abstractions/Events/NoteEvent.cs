namespace Dreaming;

/// <summary>A free-form note recorded by the host.</summary>
public sealed record NoteEvent : SessionEvent
{
    /// <summary>Gets the note text.</summary>
    public required string Text { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.Note;
}
