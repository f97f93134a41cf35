using System.Diagnostics.CodeAnalysis;

namespace Dreaming;

/// <summary>One element read by <see cref="SessionLogReader"/>: the session it maps to, or why it could not be read.</summary>
public sealed record ImportedSession
{
    /// <summary>Gets the 0-based index of the element in its source (array item or non-blank JSON line).</summary>
    public required int Index { get; init; }

    /// <summary>Gets the 1-based line number of the element for JSON Lines sources; otherwise <see langword="null"/>.</summary>
    public long? LineNumber { get; init; }

    /// <summary>Gets the session with its events, or <see langword="null"/> when the element is malformed.</summary>
    public SessionWithEvents? Session { get; init; }

    /// <summary>Gets how many content blocks of types this version does not know the session holds, each imported as a note
    /// naming its type (Anthropic Messages logs of a newer SDK, another vendor's content parts), and Responses API items of
    /// types it does not know, which are not imported.</summary>
    public int UnknownBlocks { get; init; }

    /// <summary>Gets the session id as the log gave it when it is longer than <see cref="SessionRecord.MaxIdLength"/> (the
    /// session's id is then its capped form), or <see langword="null"/>: a build before the cap stored such an id whole,
    /// and <see cref="SessionImporter"/> looks for it, so a log imported then is not imported again under the capped id.</summary>
    internal string? UncappedId { get; init; }

    /// <summary>Gets why the element could not be read, or <see langword="null"/> when it was.</summary>
    public ImportError? Error { get; init; }

    /// <summary>Gets a value indicating whether the element was read into <see cref="Session"/>.</summary>
    [MemberNotNullWhen(true, nameof(Session))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Session is not null;
}
