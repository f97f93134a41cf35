namespace Dreaming;

/// <summary>What <see cref="SessionImporter"/> read from a source and wrote to the store.</summary>
/// <remarks>The event and tool figures count every session read, including those the store skipped because their id already existed.</remarks>
public sealed record ImportResult
{
    /// <summary>Gets the name of the source, usually the file name.</summary>
    public required string SourceName { get; init; }

    /// <summary>Gets the number of sessions read (malformed elements excluded).</summary>
    public int Sessions { get; init; }

    /// <summary>Gets the number of sessions the store added.</summary>
    public int Imported { get; init; }

    /// <summary>Gets the number of sessions the store skipped because a session with the same id already existed.</summary>
    public int SkippedExisting => Sessions - Imported;

    /// <summary>Gets the number of events of the sessions read.</summary>
    public long Events { get; init; }

    /// <summary>Gets the number of tool calls of the sessions read.</summary>
    public long ToolCalls { get; init; }

    /// <summary>Gets the number of tool results flagged as errors in the sessions read.</summary>
    public long ToolErrors { get; init; }

    /// <summary>Gets the number of content blocks of types this version does not know in the sessions read, each imported as a
    /// note naming its type, never its content, and of Responses API items of types it does not know, which are not imported.</summary>
    public long UnknownBlocks { get; init; }

    /// <summary>Gets the malformed elements that were skipped (only with <see cref="ImportErrorHandling.SkipMalformed"/>).</summary>
    public IReadOnlyList<ImportError> Errors { get; init; } = [];
}
